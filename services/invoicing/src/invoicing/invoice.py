"""`Invoice`: one sent invoice, keyed by invoice id, with its durable payment reminder.

Creating an invoice schedules `remind` PAYMENT_REMINDER_DELAY_S later as a delayed call: Restate
holds it (status "scheduled" in the UI and in `sys_invocation`), across restarts of every
process. Paying cancels that invocation (Restate then drops it: a cancelled invocation that never
started leaves no trace in `sys_invocation`); `remind` checks the paid flag too, in case the
payment and the reminder cross.
"""

from datetime import UTC, datetime, timedelta

import restate
from restate import ObjectContext, ObjectSharedContext
from restate.serde import BytesSerde

from airline_contracts.errors import stored
from airline_contracts.invoicing import Invoice
from telemetry import replaying

from . import config, webhook
from .mail import reminder_mail
from .mailbox import deliver
from .models import InvoiceState, Payment

invoice_object = restate.VirtualObject("Invoice")

# Restate's logger drops lines while a handler replays its journal: each event is logged once.
logger = restate.getLogger(__name__)


async def _state(ctx: ObjectContext | ObjectSharedContext) -> InvoiceState:
    missing = f"There is no invoice {ctx.key()}; invoice ids look like INV-AB4568-1F0C2A9B."
    return await stored(ctx, "invoice", InvoiceState, missing)


@invoice_object.handler(ingress_private=True)
async def create(ctx: ObjectContext, invoice: Invoice) -> InvoiceState:
    """Record the invoice and schedule its payment reminder; creating it again changes nothing."""
    existing = await ctx.get("invoice", type_hint=InvoiceState)
    if existing is not None:
        return existing
    now = await ctx.time()
    delay = timedelta(seconds=config.PAYMENT_REMINDER_DELAY_S)
    handle = ctx.object_send(remind, key=ctx.key(), arg=None, send_delay=delay)
    state = InvoiceState(
        invoice=invoice,
        reminder_id=await handle.invocation_id(),
        reminder_due=(datetime.fromtimestamp(now, UTC) + delay).isoformat(timespec="seconds"),
    )
    ctx.set("invoice", state)
    return state


@invoice_object.handler(input_serde=BytesSerde())
async def pay(ctx: ObjectContext, body: bytes) -> Payment:
    """The payment provider's webhook: mark the invoice paid and cancel its reminder.

    Only a body signed with the webhook secret is accepted (401 otherwise, nothing changes; see
    webhook.py); paying twice changes nothing.
    """
    headers = {name.lower(): value for name, value in ctx.request().headers.items()}
    # The timestamp's freshness is checked on the first attempt; a retry replays the same request.
    webhook.verify(
        headers,
        body,
        config.PAYMENT_WEBHOOK_SECRET,
        config.PAYMENT_WEBHOOK_TOLERANCE_S,
        check_time=not replaying(),
    )
    webhook.invoice_of(body, ctx.key())
    state = await _state(ctx)
    invoice_id = state.invoice.invoice_id
    if state.paid:
        return Payment(
            invoice_id=invoice_id,
            already_paid=True,
            reminder=state.reminder,
            message=f"Invoice {invoice_id} was already paid; nothing changed.",
        )
    state.paid = True
    if state.reminder == "scheduled" and state.reminder_id:
        ctx.cancel_invocation(state.reminder_id)
        state.reminder = "cancelled"
    ctx.set("invoice", state)
    logger.info("invoice %s paid; payment reminder %s", invoice_id, state.reminder)
    note = "its payment reminder is cancelled" if state.reminder == "cancelled" else "thank you"
    return Payment(
        invoice_id=invoice_id,
        already_paid=False,
        reminder=state.reminder,
        message=f"Invoice {invoice_id} (EUR {state.invoice.amount_eur}) is paid; {note}.",
    )


@invoice_object.handler(ingress_private=True)
async def remind(ctx: ObjectContext) -> None:
    """Mail the payment reminder, unless the invoice was paid meanwhile."""
    state = await ctx.get("invoice", type_hint=InvoiceState)
    if state is None or state.paid or state.reminder != "scheduled":
        return  # paid meanwhile (then its reminder was cancelled), or sent already
    await ctx.object_call(deliver, key=state.invoice.email, arg=reminder_mail(state.invoice))
    state.reminder = "sent"
    ctx.set("invoice", state)
    logger.info("invoice %s: payment reminder mailed", ctx.key())


# Private: amount and e-mail are for services (Billing asks it); the customer has the mail.
@invoice_object.handler(kind="shared", ingress_private=True)
async def get(ctx: ObjectSharedContext) -> InvoiceState:
    """The invoice, whether it is paid and what became of its reminder."""
    return await _state(ctx)

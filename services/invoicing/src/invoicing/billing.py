"""`Billing`: the invoice of one booking, keyed by confirmation number.

Asking for a booking's invoice is idempotent at the business level: the first request creates
the invoice (and its one payment reminder, `Invoice/create`); every later one mails the same
invoice again, same id and amount, and schedules nothing. A booking has one invoice, so paying
it (`Invoice/pay`, which cancels that reminder) leaves nothing to dun the booking; a copy asked
for after paying says it is paid. Requests for one booking queue on this object, so two at
once still make one invoice.
"""

import restate
from restate import ObjectContext

from airline_contracts.invoicing import Invoice, InvoiceSent
from telemetry import handler_span

from .invoice import create as create_invoice
from .invoice import get as get_invoice
from .mail import copy_mail, invoice_mail
from .mailbox import deliver
from .models import BillingState, InvoiceRequest

billing = restate.VirtualObject("Billing")

# Restate's logger drops lines while a handler replays its journal: each event is logged once.
logger = restate.getLogger(__name__)


async def _state(ctx: ObjectContext) -> BillingState:
    return await ctx.get("billing", type_hint=BillingState) or BillingState()


@billing.handler(ingress_private=True)
async def invoice(ctx: ObjectContext, req: InvoiceRequest) -> InvoiceSent:
    """Mail the booking's invoice: a new one the first time, the same one ever after."""
    state = await _state(ctx)
    if state.invoice_id is None:
        # ctx.uuid() is seeded by the invocation id: a retry or replay gets the same id.
        invoice_id = f"INV-{ctx.key()}-{ctx.uuid().hex[:8].upper()}"
        first = Invoice(invoice_id=invoice_id, **req.model_dump())
        # Recorded before it is mailed, so the invoice in the mail can always be paid.
        await ctx.object_call(create_invoice, key=invoice_id, arg=first)
        state.invoice_id, state.mails = invoice_id, 1
        ctx.set("billing", state)
        with handler_span("mail invoice", **{"airline.invoice": invoice_id}):
            await ctx.object_call(deliver, key=first.email, arg=invoice_mail(first))
        logger.info("invoice %s mailed for booking %s", invoice_id, ctx.key())
        return InvoiceSent(**first.model_dump())
    current = await ctx.object_call(get_invoice, key=state.invoice_id, arg=None)
    state.mails += 1
    ctx.set("billing", state)
    mail = copy_mail(current.invoice, state.mails, current.paid)
    with handler_span("mail invoice", **{"airline.invoice": state.invoice_id}):
        await ctx.object_call(deliver, key=current.invoice.email, arg=mail)
    logger.info("invoice %s mailed again for booking %s", state.invoice_id, ctx.key())
    return InvoiceSent(**current.invoice.model_dump(), resent=True, paid=current.paid)

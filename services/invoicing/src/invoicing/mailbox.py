"""`Mailbox`: the mail sink, keyed by e-mail address.

Stands in for an SMTP relay, with one property a real relay lacks: you can read back exactly
which mails arrived, so an operator can count the mails that were really sent.
"""

import restate
from pydantic import EmailStr, TypeAdapter, ValidationError
from restate import ObjectContext, ObjectSharedContext, TerminalError

from airline_contracts.errors import BAD_REQUEST
from airline_contracts.invoicing import Mail
from telemetry import require_supervisor

from . import config
from .models import MailList

mailbox = restate.VirtualObject("Mailbox")
_EMAIL: TypeAdapter[str] = TypeAdapter(EmailStr)


@mailbox.handler(ingress_private=True)
async def deliver(ctx: ObjectContext, mail: Mail) -> None:
    """Store the mail; delivering the same mail id twice keeps one copy."""
    box = await ctx.get("mails", type_hint=MailList) or MailList(email=ctx.key(), mails=[])
    if any(m.mail_id == mail.mail_id for m in box.mails):
        return
    box.mails.append(mail)
    ctx.set("mails", box)


@mailbox.handler(kind="shared")
async def inbox(ctx: ObjectSharedContext) -> MailList:
    """The mails delivered to this address, oldest first; 400 if the key is no e-mail address.

    Operators only: a mailbox holds passengers' names, bookings and invoices.
    """
    require_supervisor(ctx, config.SUPERVISOR_TOKEN, "read mailboxes")
    try:
        _EMAIL.validate_python(ctx.key())
    except ValidationError:
        raise TerminalError(
            f"'{ctx.key()[:100]}' is not an e-mail address; use the address of the booking, "
            "like ada.lovelace@example.com.",
            status_code=BAD_REQUEST,
        ) from None
    return await ctx.get("mails", type_hint=MailList) or MailList(email=ctx.key(), mails=[])

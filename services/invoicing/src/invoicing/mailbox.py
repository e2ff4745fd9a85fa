"""`Mailbox`: the mail sink, keyed by e-mail address.

Stands in for an SMTP relay, with one property a real relay lacks: you can read back exactly
which mails arrived, so anyone can count the mails that were really sent.
"""

import restate
from restate import ObjectContext, ObjectSharedContext

from .models import Mail, MailList

mailbox = restate.VirtualObject("Mailbox")


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
    """The mails delivered to this address, oldest first."""
    return await ctx.get("mails", type_hint=MailList) or MailList(email=ctx.key(), mails=[])

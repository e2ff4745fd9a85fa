"""The invoicing deployment: invoices, their payment reminders, the mailbox they go to."""

import restate

from telemetry import identity_keys

from .billing import billing
from .invoice import invoice_object
from .invoicing import invoicing
from .mailbox import mailbox

app = restate.app([invoicing, billing, invoice_object, mailbox], identity_keys=identity_keys())

"""The invoicing deployment: invoices and the mailbox they are delivered to."""

import restate

from .invoicing import invoicing
from .mailbox import mailbox

app = restate.app([invoicing, mailbox])

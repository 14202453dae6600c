"""What the ledger announces, for other domains to act on without the ledger knowing them.

`entry_recorded` is sent after a new entry (money in or out of one account) is written and
flushed, from the service, so the form, the API and the CLI all trigger the same follow-up
(bill matching listens: financeapp/recurring/signals.py). Receivers run inside the caller's
unit of work: what they write commits or rolls back with the entry.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the workspace as sender and `transaction=` the new Transaction.
entry_recorded = _signals.signal("entry-recorded")

"""What an import announces, for other domains to act on without the importer knowing them.

`import_committed` is sent once a batch's rows are written and flushed (from `commit_import`, so the
wizard, the job and the CLI all trigger it), with the workspace as sender and `batch=` the batch; its
transactions carry `import_id = batch.id`. Receivers run inside the caller's unit of work (the unusual
transaction finder scores the new rows: financeapp/insights/signals.py).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

import_committed = _signals.signal("import-committed")

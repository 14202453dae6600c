"""Signals other domains listen to (the ledger adds default categories on creation)."""

from blinker import Namespace

_signals = Namespace()

workspace_created = _signals.signal("workspace-created")

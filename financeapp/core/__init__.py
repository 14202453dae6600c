"""What every domain shares: the DB base and money type, scoping, errors, security."""

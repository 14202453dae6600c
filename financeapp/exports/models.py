"""Models of the exports domain."""

"""Tests of the recurring domain."""

"""Tests of the rules domain."""

"""Tests of the imports domain."""

"""Supplier simulator: real partner servers for demo and tests."""

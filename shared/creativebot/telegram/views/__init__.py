"""Screens built from data: text and keyboard, no I/O. Handlers decide which one to show."""

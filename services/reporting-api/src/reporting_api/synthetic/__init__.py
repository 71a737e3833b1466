"""Synthetic history made of the scheme's real events: for the demonstration, the tests and the
benchmark."""

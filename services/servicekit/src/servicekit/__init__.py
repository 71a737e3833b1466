"""Shared building blocks of the diversion services."""

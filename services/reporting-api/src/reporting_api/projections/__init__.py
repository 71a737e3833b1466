"""Projections: the facts each event adds, kept per generation so a rebuild can fill a fresh
generation while the active one keeps answering."""

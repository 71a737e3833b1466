"""The case file: everything about one case, gathered for the worker who opens it."""

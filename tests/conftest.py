"""Whole-system tests: real services over HTTP with a real NATS server."""

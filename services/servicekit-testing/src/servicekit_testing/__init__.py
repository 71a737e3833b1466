"""Test support shared by every service: real NATS servers, migrated databases, tokens."""

"""Outbound webhooks: each closed referral signed (Standard Webhooks) to the force's endpoints."""

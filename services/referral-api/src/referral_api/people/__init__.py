"""Matching a person across referrals without searching names."""

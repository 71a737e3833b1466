"""Referrals: submitted at the scene, followed to their outcome."""

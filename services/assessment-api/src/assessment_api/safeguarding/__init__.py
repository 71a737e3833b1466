"""Safeguarding referrals: raised, followed up, and closed with a note."""

"""Closing referrals (completed, not engaged) and the bar that non-engagement sets."""

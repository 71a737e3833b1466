"""Integration clients: the force systems registered to call referral-api by machine."""

"""Cases: one per referral, on the provider's queue, with contact attempts and the not-engaged
sweep."""

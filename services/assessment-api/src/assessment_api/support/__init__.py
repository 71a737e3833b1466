"""Support referrals: the person referred to a local service in the directory for one need."""

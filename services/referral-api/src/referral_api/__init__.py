"""referral-api: eligibility, referrals, the bar and outcomes."""

"""The directory of local support services per force area, imported from Open Referral UK JSON."""

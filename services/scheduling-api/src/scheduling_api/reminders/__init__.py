"""Reminders of a booked session, by SMS or email, and the contact they go to."""

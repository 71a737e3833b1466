"""scheduling-api: course types, sessions, bookings from assessments, waiting lists, attendance."""

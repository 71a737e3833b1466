"""Which provider serves which forces: a worker sees only cases of forces their provider serves."""

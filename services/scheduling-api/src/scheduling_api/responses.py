"""What a problem status means on this service's routes, where the kit's standard text is not
precise enough (`servicekit.problems.problem_responses`)."""

from __future__ import annotations

CONFLICT = (409, "Not possible in the record's current state (for example the booking moved).")

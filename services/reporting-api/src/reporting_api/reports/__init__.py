"""The reports of the scheme, computed from journeys (`journeys.Journey`) projected from the
events."""

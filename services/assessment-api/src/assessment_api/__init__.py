"""assessment-api: the provider's queue of cases, the telephone assessment and allocation."""

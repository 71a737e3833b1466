"""The telephone assessment: answers in progress, completion, scores and allocation."""

"""Eligibility: the force's versioned, explainable rule set."""

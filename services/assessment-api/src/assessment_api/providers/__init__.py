"""Which provider serves which force (one at a time): a new case belongs to the provider serving
its force when it opens, and only that provider's workers see it."""

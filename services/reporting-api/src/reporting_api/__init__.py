"""reporting-api: the scheme's funnel, fairness and value, projected from its events alone."""

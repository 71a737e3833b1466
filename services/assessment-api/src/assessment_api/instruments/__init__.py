"""The screening instruments (AUDIT-C, AUDIT, PGSI, SDS): items, options, bands, versions."""

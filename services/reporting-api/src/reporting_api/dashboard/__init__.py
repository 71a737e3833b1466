"""The dashboard: one page at /dashboard that draws the reports for analysts and supervisors."""

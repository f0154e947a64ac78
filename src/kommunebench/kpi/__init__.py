"""KPI stage (issue 13)."""

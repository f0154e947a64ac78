"""The data stage: reference data, the synthetic Denmark, and the DuckDB warehouse."""

"""Benchmarks of issue 9: the KPI engine measured side by side with the usual ways (pandas, plain SQL)."""

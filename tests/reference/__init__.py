"""Independent formulations the parity tests compare the product against (ARCHITECTURE.md "tests/reference/").

- kpi_frames: the KPI tallies in Polars over a hand-built case frame (`FrameSource`, `build_case_frame`,
  `build_customer_base`).
- star_schema: `write_star_schema`, the tables `DuckDBSource` reads, written from such a frame.
- sla_definition: the SLA cards as METRICS.md defines them, stage by stage in Polars (`read_stages`,
  `assign_cards`, `summarise_cards`, `summarise_stages`); dashboard/engine/sla.py computes the same figures
  at scale.

Product code never imports from here; the pandas and plain-SQL formulations that `make bench` times stay in
benchmarks/ (benchmarks/pandas_reference.py, benchmarks/sql_reference.py).
"""

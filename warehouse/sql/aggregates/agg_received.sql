-- agg_received: tallies per 受理日期 (received_date), for volume and repeat_rate.
-- The plain columns are the day columns of the cubes; every `... AS name` is a tally: summed per cube by
-- warehouse/aggregates.py and computed on the case table, with the same SQL, by dashboard/engine/kpi_source.py.
SELECT
    f.received_date,
    count(*) AS volume,
    count(*) FILTER (WHERE f.has_complainant) AS identified,
    count(*) FILTER (WHERE f.has_complainant AND f.is_repeat) AS repeats
FROM fct_complaint AS f

-- fct_complaint: one row per case (latest version of (source_system, case_id)) with its dimension keys,
-- flags (repeat, first-time resolution, on time, ...) from stg_complaint and the risk score from fct_case_risk.
-- Stored in date order: a period filter then skips most row groups (zone maps), ~5x faster per KPI query.
-- The rows of the cases in stg_complaint are replaced: all of them on a full rebuild (warehouse/marts.py drops
-- the table first), the affected cases on an incremental refresh (appended in date order after the others).
CREATE TABLE IF NOT EXISTS fct_complaint AS
SELECT f.*, r.risk_score, r.risk_level
FROM stg_complaint AS f
JOIN _new_case_risk AS r ON r.case_key = f.case_key
LIMIT 0;  -- noqa: AM09
DELETE FROM fct_complaint WHERE case_key IN (SELECT case_key FROM stg_complaint);
INSERT INTO fct_complaint
SELECT f.*, r.risk_score, r.risk_level
FROM stg_complaint AS f
JOIN _new_case_risk AS r ON r.case_key = f.case_key
ORDER BY f.received_date, f.case_key;

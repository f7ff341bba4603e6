-- fct_case_stage. Grain: one (source_system, case_id, stage), latest version, with the
-- department of its case (case_key / department_key NULL when the case itself was never loaded).
-- The stages of the cases in stg_case_event are replaced (all on a full rebuild, which drops the table first).
CREATE OR REPLACE TEMP TABLE _new_case_stage AS
WITH stage_order(stage, stage_order) AS (
    -- The process stages of DATA_CONTRACT.md in their natural order.
    VALUES ('受理', 1), ('分派', 2), ('调查', 3), ('沟通', 4), ('决策', 5), ('反馈', 6), ('回访', 7), ('复盘', 8)
)
SELECT
    f.case_key,
    e.source_system,
    e.case_id,
    e.stage,
    o.stage_order,
    e.started_at,
    e.finished_at,
    e.started_at::DATE AS started_date,
    e.finished_at IS NOT NULL AS is_finished,
    (epoch(e.finished_at) - epoch(e.started_at)) / 60.0 AS duration_minutes,  -- NULL while unfinished
    f.department_key,
    f.case_type,                     -- chooses the 决策 clock; NULL when the case was never loaded
    e.batch_id
FROM stg_case_event AS e
LEFT JOIN fct_complaint AS f ON f.source_system = e.source_system AND f.case_id = e.case_id
LEFT JOIN stage_order AS o ON o.stage = e.stage
ORDER BY e.source_system, e.case_id, o.stage_order NULLS LAST, e.started_at;

CREATE TABLE IF NOT EXISTS fct_case_stage AS SELECT * FROM _new_case_stage LIMIT 0;  -- noqa: AM09
DELETE FROM fct_case_stage AS s
USING (SELECT DISTINCT source_system, case_id FROM _new_case_stage) AS n
WHERE s.source_system = n.source_system AND s.case_id = n.case_id;
INSERT INTO fct_case_stage SELECT * FROM _new_case_stage;

-- One case's stage rows as dashboard/engine/sla.py reads them: every stage started by $as_of, finished only if by then.
SELECT
    s.source_system,
    s.case_id,
    s.stage,
    s.stage_order::BIGINT AS stage_order,
    s.started_at,
    CASE WHEN s.finished_at <= $as_of THEN s.finished_at END AS finished_at,
    d.department,
    s.case_type
FROM fct_case_stage AS s
LEFT JOIN dim_department AS d USING (department_key)
WHERE s.source_system = $source_system AND s.case_id = $case_id AND s.started_at <= $as_of

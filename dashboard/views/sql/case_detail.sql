-- One case for 案件详情, masked identity only; {system} narrows to one source system when the link names it.
SELECT
    v.source_system, v.case_id, v.status, v.case_type, v.received_at, v.closed_at,
    v.deadline_days::BIGINT AS deadline_days, v.due_date, v.channel, v.business_line, v.product, v.issue,
    v.province, v.city, v.branch, v.department, v.complainant_key,
    v.complainant_name_masked AS name_masked, v.phone_masked, left(v.complainant_key, 8) AS short_id,
    v.vulnerable_group, v.is_regulator_referred, v.is_litigation, v.is_media_exposure,
    r.risk_score, r.risk_level, r.risk_reason_text
FROM v_complaint AS v
LEFT JOIN fct_case_risk AS r USING (case_key)
WHERE v.case_id = $case_id {system}
ORDER BY v.source_system
LIMIT 1

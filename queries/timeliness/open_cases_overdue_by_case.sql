-- name: open_cases_overdue_by_case
-- title: 超期未办结案件清单
-- description: 截至所选日期仍在办理、且已过办理时限的案件（到期日 = 受理日期 + 办理时限天数），按超期天数从多到少
-- grain: [source_system, case_id]
-- params:
--   as_of_date: {type: date, label: 截至日期}
--   department: {type: text, options: department, optional: true, label: 处理部门}
-- chart: {type: table}
-- tags: [时效, 清单, 超期]
SELECT
    source_system,
    case_id,
    received_date,
    due_date,
    ($as_of_date - due_date)::INTEGER AS days_overdue,
    channel,
    product,
    issue,
    province,
    branch,
    department,
    complainant_name_masked
FROM v_complaint
WHERE is_open
    AND due_date < $as_of_date
    AND received_date <= $as_of_date
    AND ($department IS NULL OR department = $department)
ORDER BY days_overdue DESC, case_id

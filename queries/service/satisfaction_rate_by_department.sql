-- name: satisfaction_rate_by_department
-- title: 各部门回访满意率
-- description: 所选期间办结并已回访的案件中（满意 + 基本满意）的比例，按处理部门；未回访或空白不计入分母
-- grain: [department]
-- params: {start_date: date, end_date: date}
-- chart: {type: bar, x: department, y: satisfaction_rate}
-- tags: [满意度, 部门]
SELECT
    coalesce(department, '（未填部门）') AS department,
    count(*) FILTER (WHERE satisfaction = '满意') AS n_satisfied,
    count(*) FILTER (WHERE satisfaction = '基本满意') AS n_mostly_satisfied,
    count(*) FILTER (WHERE satisfaction = '不满意') AS n_dissatisfied,
    count(*) AS n_surveyed,
    round(count(*) FILTER (WHERE satisfaction IN ('满意', '基本满意')) / count(*), 4) AS satisfaction_rate
FROM v_complaint
WHERE is_closed
    AND closed_date BETWEEN $start_date AND $end_date
    AND satisfaction IS NOT NULL AND satisfaction <> '未回访'
GROUP BY ALL
ORDER BY satisfaction_rate DESC, department

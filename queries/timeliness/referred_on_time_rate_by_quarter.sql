-- name: referred_on_time_rate_by_quarter
-- title: 监管转办案件按期办结率（按季度）
-- description: 每季度到期或办结的监管转办案件中按期办结的比例：按期办结 ÷（本季办结 + 到期仍未办结）
-- grain: [quarter]
-- params: {start_date: date, end_date: date}
-- chart: {type: line, x: quarter, y: on_time_rate}
-- tags: [时效, 监管转办, 季度]
WITH referred AS (
    SELECT closed_date, due_date, is_on_time
    FROM v_complaint
    WHERE is_regulator_referred
),
quarters AS (
    SELECT DISTINCT quarter_start, quarter_label
    FROM dim_date
    WHERE date BETWEEN $start_date AND $end_date
),
tallied AS (
    SELECT
        q.quarter_start,
        q.quarter_label AS quarter,
        count(*) FILTER (WHERE r.closed_date >= q.quarter_start
                         AND r.closed_date < q.quarter_start + INTERVAL 3 MONTH) AS n_closed,
        count(*) FILTER (WHERE r.closed_date >= q.quarter_start
                         AND r.closed_date < q.quarter_start + INTERVAL 3 MONTH AND r.is_on_time) AS n_on_time,
        count(*) FILTER (WHERE r.due_date >= q.quarter_start AND r.due_date < q.quarter_start + INTERVAL 3 MONTH
                         AND (r.closed_date IS NULL OR r.closed_date >= q.quarter_start + INTERVAL 3 MONTH))
            AS n_due_still_open
    FROM quarters AS q
    CROSS JOIN referred AS r
    GROUP BY ALL
)
SELECT
    quarter,
    n_closed,
    n_on_time,
    n_due_still_open,
    round(n_on_time / nullif(n_closed + n_due_still_open, 0), 4) AS on_time_rate
FROM tallied
ORDER BY quarter_start

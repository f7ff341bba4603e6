-- name: complaints_volume_by_month
-- title: 月度投诉量与办结量
-- description: 每月受理的投诉件数、当月办结件数、其中监管转办件数，可按省份筛选
-- grain: [month]
-- params:
--   start_date: date
--   end_date: date
--   province: {type: text, options: province, optional: true, label: 省份}
-- chart: {type: line, x: month, y: [n_received, n_closed]}
-- tags: [月度, 投诉量, 趋势]
WITH scoped AS (
    SELECT received_date, closed_date, is_regulator_referred
    FROM v_complaint
    WHERE $province IS NULL OR province = $province
),
months AS (
    SELECT DISTINCT month_start FROM dim_date WHERE date BETWEEN $start_date AND $end_date
)
SELECT
    strftime(m.month_start, '%Y-%m') AS month,
    (SELECT count(*) FROM scoped AS s
        WHERE date_trunc('month', s.received_date) = m.month_start
            AND s.received_date BETWEEN $start_date AND $end_date) AS n_received,
    (SELECT count(*) FROM scoped AS s
        WHERE date_trunc('month', s.closed_date) = m.month_start
            AND s.closed_date BETWEEN $start_date AND $end_date) AS n_closed,
    (SELECT count(*) FROM scoped AS s
        WHERE date_trunc('month', s.received_date) = m.month_start AND s.is_regulator_referred
            AND s.received_date BETWEEN $start_date AND $end_date) AS n_regulator_referred
FROM months AS m
ORDER BY month

-- name: complaints_yoy_by_product
-- title: 各产品投诉量同比
-- description: 所选期间各产品的投诉量，与上年同期相比（同比 = 本期 / 上年同期 − 1；上年同期无数据时为空）
-- grain: [business_line, product]
-- params: {start_date: date, end_date: date}
-- chart: {type: bar, x: product, y: [n_complaints, n_previous_year]}
-- tags: [产品, 同比, 投诉量]
WITH counted AS (
    SELECT
        business_line,
        product,
        count(*) FILTER (WHERE received_date BETWEEN $start_date AND $end_date) AS n_complaints,
        count(*) FILTER (
            WHERE received_date BETWEEN ($start_date - INTERVAL 1 YEAR)::DATE AND ($end_date - INTERVAL 1 YEAR)::DATE
        ) AS n_previous_year
    FROM v_complaint
    GROUP BY ALL
)
SELECT
    business_line,
    product,
    n_complaints,
    n_previous_year,
    CASE WHEN n_previous_year > 0 THEN round(n_complaints / n_previous_year - 1, 4) END AS yoy
FROM counted
WHERE n_complaints > 0 OR n_previous_year > 0
ORDER BY n_complaints DESC, product

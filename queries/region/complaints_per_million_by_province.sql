-- name: complaints_per_million_by_province
-- title: 各省百万客户投诉量
-- description: 所选期间各省投诉量 ÷（期间各月个人客户数的平均 ÷ 1,000,000）；省级数据优先于该省各城市之和，没有客户数据的月份不计入平均
-- grain: [province]
-- params: {start_date: date, end_date: date}
-- chart: {type: bar, x: province, y: per_million_customers}
-- tags: [地区, 百万客户投诉量]
WITH monthly AS (
    -- One customer figure per province and month: the province-level row if there is one, else its cities' sum.
    SELECT
        province,
        month,
        coalesce(max(personal_customers) FILTER (WHERE is_province_level),
                 sum(personal_customers) FILTER (WHERE NOT is_province_level)) AS customers
    FROM v_customer_base
    WHERE month BETWEEN date_trunc('month', $start_date) AND $end_date
    GROUP BY province, month
),
base AS (
    SELECT province, avg(customers) AS mean_customers FROM monthly GROUP BY province
),
cases AS (
    SELECT province, count(*) AS n_complaints
    FROM v_complaint
    WHERE received_date BETWEEN $start_date AND $end_date
    GROUP BY province
)
SELECT
    c.province,
    c.n_complaints,
    round(b.mean_customers) AS mean_personal_customers,
    round(c.n_complaints / (b.mean_customers / 1000000), 2) AS per_million_customers
FROM cases AS c
LEFT JOIN base AS b USING (province)
ORDER BY per_million_customers DESC NULLS LAST, c.province

-- dim_date. Grain: one calendar day, whole years from the first to the last year any fact
-- touches (received, closed, due, customer-base month, stage start/finish). Empty without facts.
CREATE OR REPLACE TABLE dim_date AS
WITH fact_days(day) AS (
    SELECT min(received_date) FROM fct_complaint
    UNION ALL SELECT max(greatest(received_date, due_date, coalesce(closed_date, received_date))) FROM fct_complaint
    UNION ALL SELECT min(month) FROM fct_customer_base
    UNION ALL SELECT max(month) FROM fct_customer_base
    UNION ALL SELECT min(started_at)::DATE FROM fct_case_stage
    UNION ALL SELECT max(coalesce(finished_at, started_at))::DATE FROM fct_case_stage
),
bounds AS (
    SELECT date_trunc('year', min(day))::DATE AS first_day, date_trunc('year', max(day))::DATE AS last_year
    FROM fact_days
),
days AS (
    SELECT t.d::DATE AS date
    FROM bounds, range(bounds.first_day, bounds.last_year + INTERVAL 1 YEAR, INTERVAL 1 DAY) AS t(d)
    WHERE bounds.first_day IS NOT NULL
)
SELECT
    (year(date) * 10000 + month(date) * 100 + day(date))::INTEGER AS date_key,
    date,
    year(date)::INTEGER AS year,
    quarter(date)::INTEGER AS quarter,
    month(date)::INTEGER AS month,
    day(date)::INTEGER AS day,
    date_trunc('month', date)::DATE AS month_start,
    date_trunc('quarter', date)::DATE AS quarter_start,
    isoyear(date)::INTEGER AS iso_year,
    week(date)::INTEGER AS iso_week,
    isodow(date)::INTEGER AS weekday,            -- 1 = Monday … 7 = Sunday
    isodow(date) >= 6 AS is_weekend,
    date = last_day(date) AS is_month_end,
    date = last_day(date) AND month(date) % 3 = 0 AS is_quarter_end,
    year(date) || '年' AS year_label,
    year(date) || '年Q' || quarter(date) AS quarter_label,
    year(date) || '年' || month(date) || '月' AS month_label,
    isoyear(date) || '年第' || week(date) || '周' AS iso_week_label,
    ['星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'][isodow(date)] AS weekday_label
FROM days
ORDER BY date;

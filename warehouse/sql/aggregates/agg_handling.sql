-- agg_handling: the histogram of handling days per 办结日期, behind the mean, median and P90 handling time.
SELECT
    f.closed_date,
    f.handling_days,
    count(*) AS n
FROM fct_complaint AS f
WHERE f.is_closed AND f.closed_date IS NOT NULL AND f.handling_days IS NOT NULL

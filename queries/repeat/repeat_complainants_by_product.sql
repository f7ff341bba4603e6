-- name: repeat_complainants_by_product
-- title: 各产品重复投诉
-- description: 所选期间各产品的重复投诉件数、重复投诉率（分母只含有客户标识的案件）和涉及的客户人数
-- grain: [product]
-- params: {start_date: date, end_date: date}
-- chart: {type: bar, x: product, y: n_repeat_cases}
-- tags: [重复投诉, 产品]
SELECT
    product,
    count(*) FILTER (WHERE has_complainant) AS n_identified_cases,
    count(*) FILTER (WHERE is_repeat) AS n_repeat_cases,
    round(count(*) FILTER (WHERE is_repeat) / nullif(count(*) FILTER (WHERE has_complainant), 0), 4) AS repeat_rate,
    count(DISTINCT complainant_key) FILTER (WHERE is_repeat) AS n_repeat_complainants
FROM v_complaint
WHERE received_date BETWEEN $start_date AND $end_date
GROUP BY product
ORDER BY n_repeat_cases DESC, product

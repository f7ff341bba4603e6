-- name: complaints_heatmap_by_product_issue
-- title: 产品 × 问题类型热力图
-- description: 所选期间各产品与问题类型组合的投诉量，可限定业务条线（多选，不选为全部）
-- grain: [product, issue]
-- params:
--   start_date: date
--   end_date: date
--   business_lines: {type: text, options: business_line, multiple: true, optional: true, label: 业务条线}
-- chart: {type: heatmap, x: issue, y: product, z: n_complaints}
-- tags: [产品, 问题类型, 结构]
SELECT
    product,
    issue,
    count(*) AS n_complaints
FROM v_complaint
WHERE received_date BETWEEN $start_date AND $end_date
    AND (len($business_lines) = 0 OR list_contains($business_lines, business_line))
GROUP BY product, issue
ORDER BY product, issue

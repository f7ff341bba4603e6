-- Volume of P per product × issue under the filters ({where}); blanks named 未填 so they stay visible.
SELECT
    coalesce(p.product, '（未填）') AS product,
    coalesce(i.issue, '（未填）') AS issue,
    count(*)::BIGINT AS volume
FROM fct_complaint AS f
LEFT JOIN dim_product AS p ON p.product_key = f.product_key
LEFT JOIN dim_issue AS i ON i.issue_key = f.issue_key
WHERE ({where}) AND f.received_date >= $p_start AND f.received_date < $p_end
GROUP BY ALL

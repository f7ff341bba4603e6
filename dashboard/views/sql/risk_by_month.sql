-- Cases per month and risk level over the trend span, under the filters ({where}).
SELECT strftime(f.received_date, '%Y-%m') AS month, f.risk_level, count(*)::BIGINT AS volume
FROM fct_complaint AS f
WHERE ({where}) AND f.received_date >= $t_start AND f.received_date < $t_end
GROUP BY ALL
ORDER BY 1, 2

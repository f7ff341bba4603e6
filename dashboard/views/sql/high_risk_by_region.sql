-- High-risk cases received in P per province, city or region group ({key} of {regions}), optionally per month
-- ({month}), under the filters ({where}); {level} is the marts' risk_level column (or the engine's expression).
SELECT r.{key} AS key{month}, count(*)::BIGINT AS value
FROM fct_complaint AS f
JOIN {regions} AS r ON r.region_key = f.region_key
WHERE ({where}) AND f.received_date >= $p_start AND f.received_date < $p_end AND {level} = $high_level
GROUP BY ALL

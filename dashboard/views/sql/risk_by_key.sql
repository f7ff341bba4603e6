-- Cases of P per risk level and per key of one breakdown ({key} through {join}), under the filters ({where}).
SELECT coalesce({key}, '（未填）') AS key, f.risk_level, count(*)::BIGINT AS volume
FROM fct_complaint AS f {join}
WHERE ({where}) AND f.received_date >= $p_start AND f.received_date < $p_end
GROUP BY ALL

-- Cases received in P by weekday (1 = Monday) and hour of 受理时间, under the filters ({where}).
SELECT
    isodow(f.received_at)::INTEGER AS weekday,
    hour(f.received_at)::INTEGER AS hour,
    count(*)::DOUBLE AS value
FROM fct_complaint AS f
WHERE ({where}) AND f.received_date >= $p_start AND f.received_date < $p_end AND f.received_at IS NOT NULL
GROUP BY ALL

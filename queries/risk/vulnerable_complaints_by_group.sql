-- name: vulnerable_complaints_by_group
-- title: 特殊群体投诉
-- description: 所选期间老年人、残障人士等特殊群体的投诉量、占全部投诉的比例和按期办结率（办结案件中），可按渠道筛选
-- grain: [vulnerable_group]
-- params:
--   start_date: date
--   end_date: date
--   channel: {type: text, options: channel, optional: true, label: 渠道}
-- chart: {type: pie, x: vulnerable_group, y: n_complaints}
-- tags: [特殊群体, 消费者权益]
WITH scoped AS (
    SELECT *
    FROM v_complaint
    WHERE received_date BETWEEN $start_date AND $end_date
        AND ($channel IS NULL OR channel = $channel)
)
SELECT
    vulnerable_group,
    count(*) AS n_complaints,
    round(count(*) / (SELECT count(everyone.case_key) FROM scoped AS everyone), 4) AS share_of_all,
    round(avg(is_on_time::INTEGER), 4) AS on_time_rate_closed
FROM scoped
WHERE is_vulnerable
GROUP BY vulnerable_group
ORDER BY n_complaints DESC, vulnerable_group

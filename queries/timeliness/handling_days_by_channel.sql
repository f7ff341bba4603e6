-- name: handling_days_by_channel
-- title: 各渠道处理时长
-- description: 所选期间办结案件的平均、中位和 P90 处理天数（受理日期到办结日期的自然日），按渠道
-- grain: [channel]
-- params: {start_date: date, end_date: date}
-- chart: {type: bar, x: channel, y: [mean_days, median_days, p90_days]}
-- tags: [时效, 渠道, 处理时长]
SELECT
    channel,
    count(*) AS n_closed,
    round(avg(handling_days), 1) AS mean_days,
    quantile_cont(handling_days, 0.5) AS median_days,
    quantile_cont(handling_days, 0.9) AS p90_days
FROM v_complaint
WHERE closed_date BETWEEN $start_date AND $end_date AND handling_days IS NOT NULL
GROUP BY channel
ORDER BY n_closed DESC, channel

-- name: complaints_volume_by_channel
-- title: 各渠道月度投诉量
-- description: 每月各渠道受理的投诉件数（按受理日期，含起止日）
-- grain: [month, channel]
-- params: {start_date: date, end_date: date}
-- chart: {type: bar, x: month, y: n_complaints, color: channel}
-- tags: [渠道, 月度, 投诉量]
SELECT
    strftime(received_month, '%Y-%m') AS month,
    channel,
    count(*) AS n_complaints
FROM v_complaint
WHERE received_date BETWEEN $start_date AND $end_date
GROUP BY ALL
ORDER BY month, channel

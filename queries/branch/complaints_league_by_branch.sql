-- name: complaints_league_by_branch
-- title: 机构投诉排行榜
-- description: 所选期间各机构的投诉量、按期办结率（办结案件中）、重复投诉率和平均处理天数；只列投诉量不少于最少件数的机构
-- grain: [branch]
-- params:
--   start_date: date
--   end_date: date
--   min_cases: {type: int, default: 5, label: 最少件数}
-- chart: {type: barh, x: n_complaints, y: branch}
-- tags: [机构, 排行]
SELECT
    rank() OVER (ORDER BY count(*) DESC) AS rank,
    branch,
    count(*) AS n_complaints,
    round(avg(is_on_time::INTEGER), 4) AS on_time_rate_closed,
    round(count(*) FILTER (WHERE is_repeat) / nullif(count(*) FILTER (WHERE has_complainant), 0), 4) AS repeat_rate,
    round(avg(handling_days), 1) AS mean_handling_days
FROM v_complaint
WHERE received_date BETWEEN $start_date AND $end_date AND branch IS NOT NULL
GROUP BY branch
HAVING count(*) >= $min_cases
ORDER BY rank, branch

-- name: complaints_pareto_by_issue
-- title: 问题类型帕累托
-- description: 所选期间各问题类型的投诉量、占比和累计占比（从多到少），找出构成八成投诉的少数问题
-- grain: [issue]
-- params: {start_date: date, end_date: date}
-- chart: {type: bar, x: issue, y: n_complaints}
-- tags: [问题类型, 结构, 帕累托]
WITH counted AS (
    SELECT issue, count(*) AS n_complaints
    FROM v_complaint
    WHERE received_date BETWEEN $start_date AND $end_date
    GROUP BY issue
)
SELECT
    issue,
    n_complaints,
    round(n_complaints / sum(n_complaints) OVER (), 4) AS share,
    round(sum(n_complaints) OVER (ORDER BY n_complaints DESC, issue) / sum(n_complaints) OVER (), 4)
        AS cumulative_share
FROM counted
ORDER BY n_complaints DESC, issue

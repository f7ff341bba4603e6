-- name: high_risk_cases_by_region_group
-- title: 各城市群高风险案件
-- description: 所选期间各城市群的高、中风险案件数与高风险占比（风险等级按 settings.toml [risk] 的计分规则，见 v_case_risk）；城市群可重叠
-- grain: [region_group]
-- params: {start_date: date, end_date: date}
-- chart: {type: bar, x: region_group, y: [n_high_risk, n_medium_risk]}
-- tags: [风险, 城市群, 地区]
SELECT
    g.region_group,
    count(*) AS n_complaints,
    count(*) FILTER (WHERE r.risk_level = '高') AS n_high_risk,
    count(*) FILTER (WHERE r.risk_level = '中') AS n_medium_risk,
    round(count(*) FILTER (WHERE r.risk_level = '高') / count(*), 4) AS high_risk_share
FROM fct_complaint AS f
JOIN v_case_risk AS r USING (case_key)
JOIN dim_region_group AS g USING (region_key)
WHERE f.received_date BETWEEN $start_date AND $end_date
GROUP BY g.region_group, g.group_order
ORDER BY g.group_order

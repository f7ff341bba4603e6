-- The region groups (城市群) in their configured order.
SELECT region_group
FROM dim_region_group
GROUP BY 1
ORDER BY min(group_order), 1

-- fct_customer_base. Grain: one (source_system, region_key, month), latest version: the
-- denominators of 百万客户投诉量 / 每千营业网点投诉量. A row with city NULL is a province-level
-- figure (region_key of the province row); is_province_level says so, to avoid adding a
-- province total to its own cities.
CREATE OR REPLACE TABLE fct_customer_base AS
SELECT
    r.region_key,
    c.month,
    c.source_system,
    r.is_province_level,
    c.personal_customers,
    c.branches,
    c.batch_id
FROM stg_customer_base AS c
JOIN dim_region AS r ON r.province = c.province AND r.city IS NOT DISTINCT FROM c.city
ORDER BY c.month, r.region_key;

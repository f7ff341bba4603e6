-- Dimensions. Surrogate keys are numbered in a stable sort order of the names, so a rebuild
-- of the same raw data gives the same keys.

-- Grain: one channel. The settings' known channels in their order, then any other value a
-- source wrote (kept as a new member, not rejected).
CREATE OR REPLACE TABLE dim_channel AS
WITH members AS (
    SELECT channel, sort_order, TRUE AS is_known FROM cfg_channel
    UNION ALL
    SELECT DISTINCT channel, NULL::INTEGER AS sort_order, FALSE AS is_known
    FROM stg_case
    WHERE channel NOT IN (SELECT channel FROM cfg_channel)
)
SELECT
    row_number() OVER (ORDER BY is_known DESC, sort_order, channel)::INTEGER AS channel_key,
    channel,
    is_known,
    channel IN (SELECT channel FROM cfg_petition_channel) AS is_petition
FROM members;

-- Grain: one (business_line, product). A case without a business line sits under 未分类 so that
-- rolling products up to lines never loses a case.
CREATE OR REPLACE TABLE dim_product AS
SELECT
    row_number() OVER (ORDER BY business_line, product)::INTEGER AS product_key,
    business_line,
    product
FROM (SELECT DISTINCT coalesce(business_line, '未分类') AS business_line, product FROM stg_case);

-- Grain: one issue type.
CREATE OR REPLACE TABLE dim_issue AS
SELECT row_number() OVER (ORDER BY issue)::INTEGER AS issue_key, issue
FROM (SELECT DISTINCT issue FROM stg_case);

-- Grain: one handling branch (cases without one have branch_key NULL).
CREATE OR REPLACE TABLE dim_branch AS
SELECT row_number() OVER (ORDER BY branch)::INTEGER AS branch_key, branch
FROM (SELECT DISTINCT branch FROM stg_case WHERE branch IS NOT NULL);

-- Grain: one accountable department (cases without one have department_key NULL).
CREATE OR REPLACE TABLE dim_department AS
SELECT row_number() OVER (ORDER BY department)::INTEGER AS department_key, department
FROM (SELECT DISTINCT department FROM stg_case WHERE department IS NOT NULL);

-- Grain: one (province, city); city NULL = the province as a whole (cases or customer figures
-- without a city). Every reference province and city, plus every pair seen in the facts.
-- region_kind: china (reference list), us_state (CFPB: province holds a USPS code), other.
-- population: 2020 census of the city, or of the province on its province-level row.
CREATE OR REPLACE TABLE dim_region AS
WITH pairs AS (
    SELECT province, city FROM ref_city
    UNION SELECT province, NULL FROM ref_province
    UNION SELECT province, city FROM stg_case
    UNION SELECT province, city FROM stg_customer_base
),
described AS (
    SELECT
        CASE
            WHEN p.province IS NOT NULL THEN 'china'
            WHEN s.state_code IS NOT NULL THEN 'us_state'
            ELSE 'other'
        END AS region_kind,
        pairs.province,
        coalesce(p.province_short, pairs.province) AS province_short,
        coalesce(p.province_en, s.state_name) AS province_en,
        coalesce(p.province_kind, CASE WHEN s.state_code IS NOT NULL THEN 'us_state' END) AS province_kind,
        pairs.city,
        c.city_short,
        c.city_code,
        pairs.city IS NULL AS is_province_level,
        CASE WHEN pairs.city IS NULL THEN p.population_2020 ELSE c.population_2020 END AS population
    FROM pairs
    LEFT JOIN ref_province AS p ON p.province = pairs.province
    LEFT JOIN ref_us_state AS s ON s.state_code = pairs.province
    LEFT JOIN ref_city AS c ON c.province = pairs.province AND c.city = pairs.city
)
SELECT
    row_number() OVER (
        ORDER BY CASE region_kind WHEN 'china' THEN 1 WHEN 'us_state' THEN 2 ELSE 3 END,
            province, city NULLS FIRST
    )::INTEGER AS region_key,
    *
FROM described;

-- Grain: one (region_group, region_key) membership; groups overlap (珠三角 ⊂ 粤港澳大湾区).
-- A province member covers the province row and all its cities; a province/city member that city only.
CREATE OR REPLACE TABLE dim_region_group AS
SELECT DISTINCT m.region_group, m.group_order, r.region_key
FROM cfg_region_group_member AS m
JOIN dim_region AS r
    ON r.province = m.province AND (m.city IS NULL OR r.city = m.city)
ORDER BY m.group_order, r.region_key;

-- Dimensions. Surrogate keys are stable: a member keeps the key it was first given, by every later load and
-- by every rebuild (the previous table is the key map); new members are numbered after the largest key, in
-- the stable sort order of their names. A first build therefore numbers in name order, as before. Members are
-- never dropped (a value no case uses any more stays, like a known channel without cases), so an incremental
-- load and a full rebuild of the same raw data give the same table. docs/design.md "Incremental marts".
CREATE TABLE IF NOT EXISTS dim_channel (channel_key INTEGER, channel VARCHAR, is_known BOOLEAN, is_petition BOOLEAN);
CREATE TABLE IF NOT EXISTS dim_product (product_key INTEGER, business_line VARCHAR, product VARCHAR);
CREATE TABLE IF NOT EXISTS dim_issue (issue_key INTEGER, issue VARCHAR);
CREATE TABLE IF NOT EXISTS dim_branch (branch_key INTEGER, branch VARCHAR);
CREATE TABLE IF NOT EXISTS dim_department (department_key INTEGER, department VARCHAR);
CREATE TABLE IF NOT EXISTS dim_region (region_key INTEGER, province VARCHAR, city VARCHAR);

-- Grain: one channel. The settings' known channels in their order, then any other value a
-- source wrote (kept as a new member, not rejected).
CREATE OR REPLACE TABLE dim_channel AS
WITH members AS (
    SELECT channel, min(sort_order) AS sort_order
    FROM (
        SELECT channel, sort_order FROM cfg_channel
        UNION ALL SELECT channel, NULL::INTEGER FROM dim_channel
        UNION ALL SELECT DISTINCT channel, NULL::INTEGER FROM stg_case
    )
    GROUP BY channel
),
keyed AS (
    SELECT m.channel, m.sort_order, m.sort_order IS NOT NULL AS is_known, d.channel_key
    FROM members AS m
    LEFT JOIN dim_channel AS d ON d.channel = m.channel
)
SELECT
    coalesce(
        channel_key,
        (SELECT coalesce(max(channel_key), 0) FROM dim_channel)
        + row_number() OVER (PARTITION BY channel_key IS NULL ORDER BY is_known DESC, sort_order, channel)
    )::INTEGER AS channel_key,
    channel,
    is_known,
    channel IN (SELECT channel FROM cfg_petition_channel) AS is_petition
FROM keyed
ORDER BY channel_key;

-- Grain: one (business_line, product). A case without a business line sits under 未分类 so that
-- rolling products up to lines never loses a case.
CREATE OR REPLACE TABLE dim_product AS
WITH members AS (
    SELECT business_line, product FROM dim_product
    UNION SELECT DISTINCT coalesce(business_line, '未分类'), product FROM stg_case
),
keyed AS (
    SELECT m.business_line, m.product, d.product_key
    FROM members AS m
    LEFT JOIN dim_product AS d ON d.business_line = m.business_line AND d.product = m.product
)
SELECT
    coalesce(
        product_key,
        (SELECT coalesce(max(product_key), 0) FROM dim_product)
        + row_number() OVER (PARTITION BY product_key IS NULL ORDER BY business_line, product)
    )::INTEGER AS product_key,
    business_line,
    product
FROM keyed
ORDER BY product_key;

-- Grain: one issue type.
CREATE OR REPLACE TABLE dim_issue AS
WITH keyed AS (
    SELECT m.issue, d.issue_key
    FROM (SELECT issue FROM dim_issue UNION SELECT DISTINCT issue FROM stg_case) AS m
    LEFT JOIN dim_issue AS d ON d.issue = m.issue
)
SELECT
    coalesce(
        issue_key,
        (SELECT coalesce(max(issue_key), 0) FROM dim_issue)
        + row_number() OVER (PARTITION BY issue_key IS NULL ORDER BY issue)
    )::INTEGER AS issue_key,
    issue
FROM keyed
ORDER BY issue_key;

-- Grain: one handling branch (cases without one have branch_key NULL).
CREATE OR REPLACE TABLE dim_branch AS
WITH keyed AS (
    SELECT m.branch, d.branch_key
    FROM (SELECT branch FROM dim_branch UNION SELECT DISTINCT branch FROM stg_case WHERE branch IS NOT NULL) AS m
    LEFT JOIN dim_branch AS d ON d.branch = m.branch
)
SELECT
    coalesce(
        branch_key,
        (SELECT coalesce(max(branch_key), 0) FROM dim_branch)
        + row_number() OVER (PARTITION BY branch_key IS NULL ORDER BY branch)
    )::INTEGER AS branch_key,
    branch
FROM keyed
ORDER BY branch_key;

-- Grain: one accountable department (cases without one have department_key NULL).
CREATE OR REPLACE TABLE dim_department AS
WITH keyed AS (
    SELECT m.department, d.department_key
    FROM (
        SELECT department FROM dim_department
        UNION SELECT DISTINCT department FROM stg_case WHERE department IS NOT NULL
    ) AS m
    LEFT JOIN dim_department AS d ON d.department = m.department
)
SELECT
    coalesce(
        department_key,
        (SELECT coalesce(max(department_key), 0) FROM dim_department)
        + row_number() OVER (PARTITION BY department_key IS NULL ORDER BY department)
    )::INTEGER AS department_key,
    department
FROM keyed
ORDER BY department_key;

-- Grain: one (province, city); city NULL = the province as a whole (cases or customer figures
-- without a city). Every reference province and city, plus every pair seen in the facts.
-- region_kind: china (reference list), us_state (CFPB: province holds a USPS code), other.
-- population: 2020 census of the city, or of the province on its province-level row.
CREATE OR REPLACE TABLE dim_region AS
WITH pairs AS (
    SELECT province, city FROM ref_city
    UNION SELECT province, NULL FROM ref_province
    UNION SELECT province, city FROM dim_region
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
        CASE WHEN pairs.city IS NULL THEN p.population_2020 ELSE c.population_2020 END AS population,
        d.region_key AS known_key
    FROM pairs
    LEFT JOIN ref_province AS p ON p.province = pairs.province
    LEFT JOIN ref_us_state AS s ON s.state_code = pairs.province
    LEFT JOIN ref_city AS c ON c.province = pairs.province AND c.city = pairs.city
    LEFT JOIN dim_region AS d ON d.province = pairs.province AND d.city IS NOT DISTINCT FROM pairs.city
)
SELECT
    coalesce(
        known_key,
        (SELECT coalesce(max(region_key), 0) FROM dim_region)
        + row_number() OVER (
            PARTITION BY known_key IS NULL
            ORDER BY CASE region_kind WHEN 'china' THEN 1 WHEN 'us_state' THEN 2 ELSE 3 END, province, city NULLS FIRST
        )
    )::INTEGER AS region_key,
    * EXCLUDE (known_key)
FROM described
ORDER BY region_key;

-- Grain: one (region_group, region_key) membership; groups overlap (珠三角 ⊂ 粤港澳大湾区).
-- A province member covers the province row and all its cities; a province/city member that city only.
CREATE OR REPLACE TABLE dim_region_group AS
SELECT DISTINCT m.region_group, m.group_order, r.region_key
FROM cfg_region_group_member AS m
JOIN dim_region AS r
    ON r.province = m.province AND (m.city IS NULL OR r.city = m.city)
ORDER BY m.group_order, r.region_key;

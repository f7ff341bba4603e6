-- Wide views with names, for the KPI engine and analysts' queries.

-- v_complaint: fct_complaint with its dimension names (grain: one case).
CREATE OR REPLACE VIEW v_complaint AS
SELECT
    f.*,
    ch.channel,
    p.business_line,
    p.product,
    i.issue,
    r.province,
    r.province_short,
    r.city,
    b.branch,
    d.department,
    r.region_kind,
    r.province_en
FROM fct_complaint AS f
LEFT JOIN dim_channel AS ch USING (channel_key)
LEFT JOIN dim_product AS p USING (product_key)
LEFT JOIN dim_issue AS i USING (issue_key)
LEFT JOIN dim_region AS r USING (region_key)
LEFT JOIN dim_branch AS b USING (branch_key)
LEFT JOIN dim_department AS d USING (department_key);

-- v_customer_base: fct_customer_base with region names (grain: source_system × region × month).
CREATE OR REPLACE VIEW v_customer_base AS
SELECT c.*, r.province, r.province_short, r.city, r.region_kind
FROM fct_customer_base AS c
LEFT JOIN dim_region AS r USING (region_key);

-- v_case_stage: fct_case_stage with its department's name (grain: case × stage).
CREATE OR REPLACE VIEW v_case_stage AS
SELECT s.*, d.department
FROM fct_case_stage AS s
LEFT JOIN dim_department AS d USING (department_key);

-- stg_risk_hit: the risk factors that apply to each case, the input of fct_case_risk (marts/23_fct_case_risk.sql,
-- METRICS.md "Risk radar").
-- Points, amount thresholds, the high-risk product list and the level cut-offs come from settings.toml
-- [risk] / [risk.points], written to cfg_risk_point, cfg_risk and cfg_risk_product by warehouse/risk_settings.py.

-- One row per (case, factor that applies): `times` is how often the factor counts (再次重复 once per
-- further repeat: a case with prior_repeats = 3 is a repeat +2, and two further repeats +1 each).
CREATE OR REPLACE TEMP TABLE stg_risk_hit AS
WITH hits AS (
    SELECT case_key, 'regulator_referred' AS factor, 1 AS times FROM stg_complaint WHERE is_regulator_referred
    UNION ALL
    SELECT case_key, 'media_exposure', 1 FROM stg_complaint WHERE is_media_exposure
    UNION ALL
    SELECT case_key, 'litigation', 1 FROM stg_complaint WHERE is_litigation
    UNION ALL
    SELECT case_key, 'repeat', 1 FROM stg_complaint WHERE is_repeat
    UNION ALL
    SELECT case_key, 'each_further_repeat', prior_repeats - 1 FROM stg_complaint WHERE is_repeat AND prior_repeats > 1
    UNION ALL
    SELECT case_key, 'vulnerable_group', 1 FROM stg_complaint WHERE is_vulnerable
    UNION ALL
    -- Amount bands: the large band replaces the medium one.
    SELECT case_key, 'amount_large', 1 FROM stg_complaint
    WHERE amount_disputed_yuan >= (SELECT amount_large_yuan FROM cfg_risk)
    UNION ALL
    SELECT case_key, 'amount_medium', 1 FROM stg_complaint
    WHERE amount_disputed_yuan >= (SELECT amount_medium_yuan FROM cfg_risk)
        AND amount_disputed_yuan < (SELECT amount_large_yuan FROM cfg_risk)
    UNION ALL
    SELECT f.case_key, 'high_risk_product', 1
    FROM stg_complaint AS f
    JOIN dim_product AS p ON p.product_key = f.product_key
    WHERE p.product IN (SELECT product FROM cfg_risk_product)
)
SELECT
    h.case_key,
    p.sort_order,
    h.times * p.points AS points,
    -- "监管转办 +3", "再次重复×2 +2"
    p.label || CASE WHEN h.times > 1 THEN '×' || h.times ELSE '' END
        || ' ' || CASE WHEN p.points >= 0 THEN '+' ELSE '' END || (h.times * p.points) AS reason
FROM hits AS h
JOIN cfg_risk_point AS p ON p.factor = h.factor
WHERE p.points <> 0;  -- a factor set to 0 points is switched off and gives no reason

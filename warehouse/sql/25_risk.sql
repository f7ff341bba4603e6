-- fct_case_risk: the 风险雷达 score of every case (METRICS.md "Risk radar"). Grain: one case of fct_complaint.
-- The one definition of the risk score: the KPI engine, the maps and the pages read risk_level from here
-- (copied onto fct_complaint below so a breakdown needs no join).
-- Points, amount thresholds, the high-risk product list and the level cut-offs come from settings.toml
-- [risk] / [risk.points], written to cfg_risk_point, cfg_risk and cfg_risk_product by warehouse/risk_settings.py.

-- One row per (case, factor that applies): `times` is how often the factor counts (再次重复 once per
-- further repeat: a case with prior_repeats = 3 is a repeat +2, and two further repeats +1 each).
CREATE OR REPLACE TEMP TABLE stg_risk_hit AS
WITH hits AS (
    SELECT case_key, 'regulator_referred' AS factor, 1 AS times FROM fct_complaint WHERE is_regulator_referred
    UNION ALL
    SELECT case_key, 'media_exposure', 1 FROM fct_complaint WHERE is_media_exposure
    UNION ALL
    SELECT case_key, 'litigation', 1 FROM fct_complaint WHERE is_litigation
    UNION ALL
    SELECT case_key, 'repeat', 1 FROM fct_complaint WHERE is_repeat
    UNION ALL
    SELECT case_key, 'each_further_repeat', prior_repeats - 1 FROM fct_complaint WHERE is_repeat AND prior_repeats > 1
    UNION ALL
    SELECT case_key, 'vulnerable_group', 1 FROM fct_complaint WHERE is_vulnerable
    UNION ALL
    -- Amount bands: the large band replaces the medium one.
    SELECT case_key, 'amount_large', 1 FROM fct_complaint
    WHERE amount_disputed_yuan >= (SELECT amount_large_yuan FROM cfg_risk)
    UNION ALL
    SELECT case_key, 'amount_medium', 1 FROM fct_complaint
    WHERE amount_disputed_yuan >= (SELECT amount_medium_yuan FROM cfg_risk)
        AND amount_disputed_yuan < (SELECT amount_large_yuan FROM cfg_risk)
    UNION ALL
    SELECT f.case_key, 'high_risk_product', 1
    FROM fct_complaint AS f
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

CREATE OR REPLACE TABLE fct_case_risk AS
WITH scored AS (
    SELECT case_key, sum(points)::INTEGER AS risk_score, list(reason ORDER BY sort_order) AS risk_reasons
    FROM stg_risk_hit
    GROUP BY case_key
),
levelled AS (
    SELECT
        f.case_key,
        coalesce(s.risk_score, 0) AS risk_score,
        coalesce(s.risk_reasons, []::VARCHAR[]) AS risk_reasons
    FROM fct_complaint AS f
    LEFT JOIN scored AS s ON s.case_key = f.case_key
)
SELECT
    case_key,
    risk_score,
    CASE
        WHEN risk_score >= (SELECT high_min FROM cfg_risk) THEN '高'
        WHEN risk_score >= (SELECT medium_min FROM cfg_risk) THEN '中'
        ELSE '低'
    END AS risk_level,                -- 高 / 中 / 低: the keys of `kpis --by risk_level`
    CASE
        WHEN risk_score >= (SELECT high_min FROM cfg_risk) THEN 'high'
        WHEN risk_score >= (SELECT medium_min FROM cfg_risk) THEN 'medium'
        ELSE 'low'
    END AS risk_level_code,
    risk_reasons,                     -- e.g. ['监管转办 +3', '重复投诉 +2']; their points add up to risk_score
    array_to_string(risk_reasons, '；') AS risk_reason_text
FROM levelled
ORDER BY case_key;

-- fct_complaint carries the score and level too (copied, not recomputed), kept in date order (zone maps).
CREATE OR REPLACE TABLE fct_complaint AS
SELECT f.*, r.risk_score, r.risk_level
FROM fct_complaint AS f
JOIN fct_case_risk AS r ON r.case_key = f.case_key
ORDER BY f.received_date, f.case_key;

-- fct_case_risk: the 风险雷达 score of every case (METRICS.md "Risk radar"). Grain: one case.
-- The one definition of the risk score: the KPI engine, the maps and the pages read risk_level from here
-- (copied onto fct_complaint so a breakdown needs no join). Points and cut-offs: settings.toml [risk].

-- The rows of the cases in stg_complaint are replaced (all cases on a full rebuild, the affected ones on an
-- incremental refresh; warehouse/marts.py drops the table first on a full rebuild).
CREATE OR REPLACE TEMP TABLE _new_case_risk AS
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
    FROM stg_complaint AS f
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
FROM levelled;

CREATE TABLE IF NOT EXISTS fct_case_risk AS SELECT * FROM _new_case_risk LIMIT 0;  -- noqa: AM09
DELETE FROM fct_case_risk WHERE case_key IN (SELECT case_key FROM _new_case_risk);
INSERT INTO fct_case_risk SELECT * FROM _new_case_risk ORDER BY case_key;

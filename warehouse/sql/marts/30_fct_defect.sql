-- 溯源整改 双清单: the defect ledger and its links to cases (METRICS.md "Root cause and rectification").

-- fct_defect. Grain: one defect (latest version of (source_system, defect_id)).
CREATE OR REPLACE TABLE fct_defect AS
WITH latest AS (
    SELECT *
    FROM raw_defects
    QUALIFY row_number() OVER (PARTITION BY source_system, defect_id ORDER BY batch_id DESC, source_row DESC) = 1
)
SELECT
    row_number() OVER (ORDER BY found_date, defect_id, source_system) AS defect_key,
    source_system,
    defect_id,
    defect_type,
    nullif(trim(description), '') AS description,
    coalesce(nullif(trim(root_cause), ''), '未填写') AS root_cause,
    department,
    found_date,
    due_date,
    status,
    completed_date,
    -- Completed on the day of 完成日期 (the importer requires it for 已完成 / 已验收).
    status IN ('已完成', '已验收') AND completed_date IS NOT NULL AS is_completed,
    coalesce(nullif(trim(measure), ''), '未填写') AS measure,
    nullif(trim(case_ids), '') AS case_ids,
    batch_id
FROM latest
ORDER BY found_date, defect_id;

-- bridge_case_defect. Grain: one (defect_id, case_id) link, whichever side declared it (关联案件 on the defect,
-- 缺陷编号 on the case, or both). A link to a case or defect the warehouse does not hold is kept (has_case /
-- has_defect false) and reported, never dropped: it joins as soon as the other side is imported.
-- Ids are matched on their text alone: a ledger refers to 案件编号 without saying which source system.
CREATE OR REPLACE TABLE bridge_case_defect AS
WITH declared AS (
    SELECT d.defect_id, trim(c.case_id) AS case_id, 'defect' AS side
    FROM fct_defect AS d, unnest(regexp_split_to_array(d.case_ids, '[；;，,、\s]+')) AS c(case_id)
    WHERE d.case_ids IS NOT NULL
    UNION ALL
    SELECT trim(x.defect_id) AS defect_id, f.case_id, 'case' AS side
    FROM fct_complaint AS f, unnest(regexp_split_to_array(f.defect_ids, '[；;，,、\s]+')) AS x(defect_id)
    WHERE f.defect_ids IS NOT NULL
),
links AS (
    SELECT defect_id, case_id, bool_or(side = 'defect') AS from_defect, bool_or(side = 'case') AS from_case
    FROM declared
    WHERE defect_id <> '' AND case_id <> ''
    GROUP BY defect_id, case_id
),
-- Only the linked ids are looked up (an incremental load reruns this file: no pass over every case).
cases AS (
    SELECT case_id, min(case_key) AS case_key
    FROM fct_complaint
    WHERE case_id IN (SELECT case_id FROM links)
    GROUP BY case_id
),
defects AS (SELECT defect_id, min(defect_key) AS defect_key FROM fct_defect GROUP BY defect_id)
SELECT
    l.defect_id,
    l.case_id,
    d.defect_key,
    c.case_key,
    CASE WHEN l.from_defect AND l.from_case THEN 'both' WHEN l.from_defect THEN 'defect' ELSE 'case' END
        AS linked_from,
    c.case_key IS NOT NULL AS has_case,
    d.defect_key IS NOT NULL AS has_defect
FROM links AS l
LEFT JOIN cases AS c USING (case_id)
LEFT JOIN defects AS d USING (defect_id)
ORDER BY l.defect_id, l.case_id;

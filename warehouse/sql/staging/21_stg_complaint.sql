-- stg_complaint: every case with its keys and flags, before the risk score (marts/24_fct_complaint.sql adds
-- it and is the one CREATE of fct_complaint). Grain: one row per case (latest version of (source_system, case_id)).
-- Definitions: ../shared/METRICS.md and docs/design.md "Star schema" / "Choices where the contract is silent".

-- Repeats (重复投诉). An earlier case (received_at, then case_id) of the same complainant, product and
-- issue whose received_date lies within cfg_repeat.window_days before this one counts as a prior repeat.
-- Window functions, not a self-join: benchmarked on skewed synthetic data (some complainants with
-- thousands of cases), see benchmarks/repeat_window.py; a self-join grows with the square of them.
--   earlier cases                 = position in (received_at, case_id) order - 1
--   earlier cases outside window  = cases with received_date <= this date - (window_days + 1)
-- Everything outside the window has an earlier date, so it is also earlier in case order.
CREATE OR REPLACE TEMP TABLE stg_case_sequence AS
SELECT
    case_key,
    complainant_key,
    product,
    issue,
    received_date,
    closed_date,
    row_number() OVER same_subject AS subject_position,
    (row_number() OVER same_subject - 1)
    - count(*) OVER (
        PARTITION BY complainant_key, product, issue ORDER BY received_date
        RANGE BETWEEN UNBOUNDED PRECEDING AND (SELECT window_days + 1 FROM cfg_repeat) PRECEDING  -- noqa: PRS
    ) AS prior_repeats,
    lead(received_date) OVER same_subject AS next_received_date
FROM stg_case
WHERE complainant_key IS NOT NULL
WINDOW same_subject AS (PARTITION BY complainant_key, product, issue ORDER BY received_at, case_id, source_system);

-- Derived 一次性化解: a closed case is NOT resolved the first time when a later case of the same
-- complainant, product and issue was received on a date from its closed_date up to
-- closed_date + cfg_repeat.first_time_resolution_days (both inclusive). Counted as "arrivals in
-- the days [closed_date, closed_date + N]" over a merged stream of receipt and closing days.
-- Any case received on or after a closing day later than the receipt day is a later case; a case
-- closed on its receipt day looks at the next case in case order instead (same-day ties).
CREATE OR REPLACE TEMP TABLE stg_case_followed AS
WITH days AS (
    -- Only cases with a predecessor can be someone's repeat, and only closed cases with a
    -- successor can have one: on typical data that leaves a small fraction of cases to sort.
    SELECT complainant_key, product, issue, received_date AS day, 1 AS is_arrival, NULL::BIGINT AS case_key
    FROM stg_case_sequence
    WHERE subject_position > 1
    UNION ALL
    SELECT complainant_key, product, issue, closed_date, 0, case_key
    FROM stg_case_sequence
    WHERE next_received_date IS NOT NULL AND closed_date > received_date
),
counted AS (
    SELECT
        case_key,
        is_arrival,
        sum(is_arrival) OVER (
            PARTITION BY complainant_key, product, issue ORDER BY day
            RANGE BETWEEN CURRENT ROW AND (SELECT first_time_resolution_days FROM cfg_repeat) FOLLOWING  -- noqa: PRS
        ) AS arrivals
    FROM days
)
SELECT case_key FROM counted WHERE is_arrival = 0 AND arrivals > 0
UNION ALL
SELECT case_key
FROM stg_case_sequence
WHERE closed_date = received_date
    AND next_received_date <= closed_date + (SELECT first_time_resolution_days FROM cfg_repeat);

CREATE OR REPLACE TEMP TABLE stg_complaint AS
WITH keyed AS (
    SELECT
        s.*,
        s.complainant_key IS NOT NULL AS has_complainant,
        -- Effective 办理时限: the source's, else 60 days for petition channels (来访/来信), else 15.
        coalesce(
            s.deadline_days,
            CASE WHEN s.channel IN (SELECT channel FROM cfg_petition_channel)
                THEN (SELECT petition_days FROM cfg_deadline)
                ELSE (SELECT complaint_days FROM cfg_deadline)
            END
        )::INTEGER AS effective_deadline_days,
        coalesce(rep.prior_repeats, 0) AS prior_repeats_found,
        fol.case_key IS NOT NULL AS is_followed_by_repeat
    FROM stg_case AS s
    LEFT JOIN stg_case_sequence AS rep ON rep.case_key = s.case_key
    LEFT JOIN stg_case_followed AS fol ON fol.case_key = s.case_key
)
SELECT
    k.case_key,
    k.source_system,
    k.case_id,
    k.received_at,
    k.received_date,
    date_trunc('month', k.received_date)::DATE AS received_month,
    k.closed_at,                     -- NULL unless closed
    k.closed_date,
    k.status,
    k.is_closed,
    NOT k.is_closed AS is_open,
    -- The day a case counts as closed in a period: 办结日期, or 受理日期 for a case 已办结 without 办结时间.
    -- Stored (not computed per query) so a period test on it is a plain range that zone maps can prune.
    CASE WHEN k.is_closed THEN coalesce(k.closed_date, k.received_date) END AS closed_on,
    ch.channel_key,
    p.product_key,
    i.issue_key,
    r.region_key,
    b.branch_key,
    d.department_key,
    k.complainant_key,
    -- KPIs: repeat_rate counts only cases with has_complainant in its denominator (none in P ->
    -- "not available", not 0); one_time_resolution_rate only closed cases whose
    -- is_resolved_first_time is not NULL.
    k.has_complainant,
    k.complainant_name_masked,
    k.phone_masked,
    k.vulnerable_group,
    coalesce(k.vulnerable_group NOT IN ('无', '否', '非特殊群体'), FALSE) AS is_vulnerable,
    -- A blank 是否监管转办 on a case that came through the 监管转办 channel is a referral.
    coalesce(k.regulator_referred, k.channel = '监管转办') AS is_regulator_referred,
    k.effective_deadline_days AS deadline_days,
    k.received_date + k.effective_deadline_days AS due_date,
    CASE WHEN k.closed_date IS NOT NULL THEN k.closed_date <= k.received_date + k.effective_deadline_days END
        AS is_on_time,                -- NULL while open (or closed without 办结时间)
    CASE WHEN k.closed_date IS NOT NULL THEN (k.closed_date - k.received_date)::INTEGER END
        AS handling_days,             -- calendar days; NULL when closed without 办结时间
    k.has_complainant AND k.prior_repeats_found > 0 AS is_repeat,
    CASE WHEN k.has_complainant THEN k.prior_repeats_found ELSE 0 END::INTEGER AS prior_repeats,
    k.resolved_first_time AS resolved_first_time_source,
    coalesce(
        k.resolved_first_time,
        CASE WHEN k.has_complainant AND k.closed_date IS NOT NULL THEN NOT k.is_followed_by_repeat END
    ) AS is_resolved_first_time,      -- NULL when neither given nor derivable
    k.satisfaction,
    -- 回访满意率 (METRICS.md): surveyed = not 未回访 and not blank; satisfied = 满意 or 基本满意.
    -- NULL when satisfaction is NULL (neither counts). The same values as dashboard/engine/kpis.py.
    trim(k.satisfaction) NOT IN ('未回访', '') AS is_surveyed,
    trim(k.satisfaction) IN ('满意', '基本满意') AS is_satisfied,
    k.amount_disputed_yuan,
    coalesce(k.litigation, FALSE) AS is_litigation,
    coalesce(k.media_exposure, FALSE) AS is_media_exposure,
    -- Outcomes (METRICS.md): NULL where the source did not say, so a file without these columns reads
    -- "no data", never 0. litigation_source keeps that distinction, which is_litigation (risk points) drops.
    k.litigation AS litigation_source,
    nullif(trim(k.mediation), '') AS mediation,
    k.compensation_yuan,
    k.advance_payment AS is_advance_payment,
    nullif(trim(k.defect_ids), '') AS defect_ids,
    k.summary,
    -- 案件类型 chooses the 决策 clock (METRICS.md): the source's, else 诉讼 when litigated, else 简单.
    coalesce(k.case_type, CASE WHEN k.litigation THEN '诉讼' ELSE '简单' END) AS case_type,
    k.batch_id
FROM keyed AS k
LEFT JOIN dim_channel AS ch ON ch.channel = k.channel
LEFT JOIN dim_product AS p ON p.business_line = coalesce(k.business_line, '未分类') AND p.product = k.product
LEFT JOIN dim_issue AS i ON i.issue = k.issue
LEFT JOIN dim_region AS r ON r.province = k.province AND r.city IS NOT DISTINCT FROM k.city
LEFT JOIN dim_branch AS b ON b.branch = k.branch
LEFT JOIN dim_department AS d ON d.department = k.department;

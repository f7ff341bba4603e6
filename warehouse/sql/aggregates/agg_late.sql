-- agg_late: cases open, or closed after their due date, per due date, 办结日期 (NULL while open) and
-- 受理日期 when that is after the due date: the "still open at the end of P with the due date in P" part of
-- on_time_rate. A case closed without 办结时间 never is (as in the case-table query).
SELECT
    f.due_date,
    f.closed_date,
    f.received_after_due,
    count(*) AS n,
    count(*) FILTER (WHERE f.is_regulator_referred) AS n_referred
FROM (
    SELECT
        *,
        CASE WHEN received_date > due_date THEN received_date END AS received_after_due
    FROM fct_complaint
    WHERE due_date IS NOT NULL AND (NOT is_closed OR closed_date > due_date)
) AS f

-- agg_closed: tallies of the cases closed per 办结 day (closed_on: a case 已办结 without 办结时间 counts on
-- its 受理日期). Outcome money is tallied in fen, so cube sums stay exact integers like every other tally;
-- payout_ratio uses the cases paid something whose dispute amount is stated (both sums over the same cases).
SELECT
    f.closed_on,
    count(*) AS closed,
    count(f.is_resolved_first_time) AS rft_known,
    count(*) FILTER (WHERE f.is_resolved_first_time) AS rft_yes,
    count(f.is_on_time) AS on_time_due,
    count(*) FILTER (WHERE f.is_on_time) AS on_time_yes,
    count(f.is_on_time) FILTER (WHERE f.is_regulator_referred) AS referred_due,
    count(*) FILTER (WHERE f.is_on_time AND f.is_regulator_referred) AS referred_yes,
    count(*) FILTER (WHERE f.is_surveyed) AS surveyed,
    count(*) FILTER (WHERE f.is_satisfied) AS satisfied,
    count(*) FILTER (WHERE f.mediation IN ('调解成功', '调解失败')) AS mediated,
    count(*) FILTER (WHERE f.mediation = '调解成功') AS mediation_success,
    count(f.litigation_source) AS litigation_known,
    count(*) FILTER (WHERE f.litigation_source) AS litigated,
    count(f.compensation_yuan) AS compensation_known,
    coalesce(sum(round(f.compensation_yuan * 100)), 0)::BIGINT AS compensation_fen,
    coalesce(
        sum(round(f.compensation_yuan * 100)) FILTER (
            WHERE f.compensation_yuan > 0 AND f.amount_disputed_yuan > 0
        ),
        0
    )::BIGINT AS paid_compensation_fen,
    coalesce(
        sum(round(f.amount_disputed_yuan * 100)) FILTER (
            WHERE f.compensation_yuan > 0 AND f.amount_disputed_yuan > 0
        ),
        0
    )::BIGINT AS paid_disputed_fen,
    count(f.is_advance_payment) AS advance_known,
    count(*) FILTER (WHERE f.is_advance_payment) AS advance_paid
FROM fct_complaint AS f
WHERE f.is_closed

-- Data-quality results of one batch; with $batch_id NULL, the latest mart checks (which have no batch).
SELECT
    suite, expectation, column_name, success, critical, unexpected_count, element_count, details, checked_at
FROM dq_result
WHERE CASE
    WHEN $batch_id IS NULL
        THEN batch_id IS NULL AND checked_at = (SELECT max(checked_at) FROM dq_result WHERE batch_id IS NULL)
    ELSE batch_id = $batch_id
END
ORDER BY success, critical DESC, suite, expectation, column_name

-- Quarantined records per rule (one batch, or every batch when $batch_id is NULL), most frequent first.
SELECT
    rule,
    count(*) AS n_records,
    count(DISTINCT (batch_id, source_row)) AS n_rows,
    min(message) AS example_message
FROM quarantine
WHERE $batch_id IS NULL OR batch_id = $batch_id
GROUP BY rule
ORDER BY n_records DESC, rule

-- The quarantined rows of one batch with the rule each broke, in file order.
SELECT source_row, column_name, source_column, value, rule, message AS reason
FROM quarantine
WHERE batch_id = $batch_id
ORDER BY source_row, column_name, rule
LIMIT $limit

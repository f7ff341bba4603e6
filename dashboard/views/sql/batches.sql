-- The latest import batches, newest first; {extras} is rows_footer / rows_malformed, or 0 for older warehouses.
SELECT
    batch_id, file_name, kind, profile, source_system, started_at, finished_at,
    rows_read, rows_loaded, rows_updated, rows_duplicate, rows_quarantined, {extras}, status, message
FROM etl_batch
ORDER BY batch_id DESC
LIMIT $limit

-- fct_contact: the contact log of the 一人一档 (what the center did for a person).
-- Grain: one (source_system, complainant_key, contacted_at, method), latest version.
-- complainant_key is fct_complaint's salted hash of 客户标识: a contact joins the person's cases.
CREATE OR REPLACE TABLE fct_contact AS
SELECT
    source_system,
    complainant_key,
    contacted_at,
    contacted_at::DATE AS contacted_date,
    method,
    staff,
    outcome,
    batch_id
FROM raw_contacts
QUALIFY row_number() OVER (
    PARTITION BY source_system, complainant_key, contacted_at, method ORDER BY batch_id DESC, source_row DESC
) = 1
ORDER BY complainant_key, contacted_at;

-- Landing layer: append-only, one row per accepted source row, never updated.
-- Grain: raw_cases = one accepted version of a case from one batch;
-- the marts keep the latest version of each (source_system, case_id).
CREATE SEQUENCE IF NOT EXISTS seq_batch_id START 1;

CREATE TABLE IF NOT EXISTS etl_batch (
    batch_id         BIGINT PRIMARY KEY,
    file_name        VARCHAR NOT NULL,
    file_hash        VARCHAR,          -- sha256 of the file bytes
    kind             VARCHAR NOT NULL, -- cases | customers | events
    profile          VARCHAR NOT NULL,
    source_system    VARCHAR NOT NULL,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    rows_read        BIGINT NOT NULL,
    rows_loaded      BIGINT NOT NULL,
    rows_updated     BIGINT NOT NULL,
    rows_duplicate   BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    status           VARCHAR NOT NULL, -- loaded (rejected loads change nothing, so never appear here)
    message          VARCHAR
);

-- Added later (warehouses built before keep working): lines skipped as report footers (合计, 制表人 …;
-- not in rows_read) and records quarantined as malformed_record (part of rows_quarantined).
ALTER TABLE etl_batch ADD COLUMN IF NOT EXISTS rows_footer BIGINT DEFAULT 0;
ALTER TABLE etl_batch ADD COLUMN IF NOT EXISTS rows_malformed BIGINT DEFAULT 0;

CREATE TABLE IF NOT EXISTS raw_cases (
    batch_id                 BIGINT NOT NULL,
    source_row               BIGINT NOT NULL, -- 1-based data row number in the file (header excluded)
    source_system            VARCHAR NOT NULL,
    case_id                  VARCHAR NOT NULL,
    received_at              TIMESTAMP NOT NULL,
    closed_at                TIMESTAMP,
    status                   VARCHAR,         -- 已办结 / 办理中 / NULL (derived from closed_at)
    channel                  VARCHAR NOT NULL,
    business_line            VARCHAR,
    product                  VARCHAR NOT NULL,
    issue                    VARCHAR NOT NULL,
    province                 VARCHAR NOT NULL, -- canonical full name, e.g. 广东省
    city                     VARCHAR,          -- canonical full name, e.g. 深圳市
    branch                   VARCHAR,
    department               VARCHAR,
    complainant_key          VARCHAR,          -- salted sha256 of 客户标识; never the clear value
    complainant_name_masked  VARCHAR,          -- 张**
    phone_masked             VARCHAR,          -- 138****1234
    vulnerable_group         VARCHAR,
    regulator_referred       BOOLEAN,
    deadline_days            INTEGER,
    resolved_first_time      BOOLEAN,
    satisfaction             VARCHAR,
    amount_disputed_yuan     DECIMAL(18, 2),
    litigation               BOOLEAN,
    media_exposure           BOOLEAN,
    summary                  VARCHAR,
    row_hash                 VARCHAR NOT NULL, -- content hash: same hash = recognised duplicate
    case_type                VARCHAR,          -- 简单 / 复杂 / 诉讼 as the source wrote it (NULL: not given)
    mediation                VARCHAR,          -- 未调解 / 调解成功 / 调解失败
    compensation_yuan        DECIMAL(18, 2),   -- 赔付金额
    advance_payment          BOOLEAN,          -- 是否先行赔付
    defect_ids               VARCHAR           -- 缺陷编号 list, as written
);
-- Warehouses created before these columns were in the contract get them (NULL on their rows). Their
-- content hash skips them while NULL (warehouse/importer/landing.py), so older rows keep theirs.
ALTER TABLE raw_cases ADD COLUMN IF NOT EXISTS case_type VARCHAR;
ALTER TABLE raw_cases ADD COLUMN IF NOT EXISTS mediation VARCHAR;
ALTER TABLE raw_cases ADD COLUMN IF NOT EXISTS compensation_yuan DECIMAL(18, 2);
ALTER TABLE raw_cases ADD COLUMN IF NOT EXISTS advance_payment BOOLEAN;
ALTER TABLE raw_cases ADD COLUMN IF NOT EXISTS defect_ids VARCHAR;

CREATE TABLE IF NOT EXISTS raw_customers (
    batch_id            BIGINT NOT NULL,
    source_row          BIGINT NOT NULL,
    source_system       VARCHAR NOT NULL,
    province            VARCHAR NOT NULL,
    city                VARCHAR,
    month               DATE NOT NULL,      -- first day of the month
    personal_customers  BIGINT NOT NULL,
    branches            INTEGER,
    row_hash            VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw_events (
    batch_id       BIGINT NOT NULL,
    source_row     BIGINT NOT NULL,
    source_system  VARCHAR NOT NULL,
    case_id        VARCHAR NOT NULL,
    stage          VARCHAR NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    row_hash       VARCHAR NOT NULL
);

-- raw_contacts: one accepted contact-log row (一人一档: 来电 / 上门 / 约谈 / 书面) per batch; the person only as
-- the salted hash of 客户标识, the same key as raw_cases.complainant_key.
CREATE TABLE IF NOT EXISTS raw_contacts (
    batch_id         BIGINT NOT NULL,
    source_row       BIGINT NOT NULL,
    source_system    VARCHAR NOT NULL,
    complainant_key  VARCHAR NOT NULL,
    contacted_at     TIMESTAMP NOT NULL,
    method           VARCHAR NOT NULL,
    staff            VARCHAR,          -- the bank's own staff member (not a customer identifier)
    outcome          VARCHAR,
    row_hash         VARCHAR NOT NULL
);

-- raw_defects: one accepted row of the 内部缺陷清单 (溯源整改) per batch; re-imports add versions, the marts keep
-- the latest of each (source_system, defect_id). case_ids is 关联案件 as written (a list of 案件编号).
CREATE TABLE IF NOT EXISTS raw_defects (
    batch_id        BIGINT NOT NULL,
    source_row      BIGINT NOT NULL,
    source_system   VARCHAR NOT NULL,
    defect_id       VARCHAR NOT NULL,
    defect_type     VARCHAR NOT NULL,  -- 制度缺陷 / 系统漏洞 / 流程断点, or another value as written
    description     VARCHAR,
    root_cause      VARCHAR,
    department      VARCHAR NOT NULL,  -- 责任部门
    found_date      DATE NOT NULL,
    due_date        DATE NOT NULL,     -- 整改期限
    status          VARCHAR NOT NULL,  -- 未开始 / 整改中 / 已完成 / 已验收
    completed_date  DATE,              -- required (importer rule) when 已完成 / 已验收
    measure         VARCHAR,
    case_ids        VARCHAR,
    row_hash        VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS quarantine (
    batch_id     BIGINT NOT NULL,
    source_row   BIGINT NOT NULL,
    column_name  VARCHAR,   -- canonical column (中文表头)
    source_column VARCHAR,  -- the header as the file wrote it
    value        VARCHAR,
    rule         VARCHAR NOT NULL,  -- rule id, e.g. closed_before_received
    message      VARCHAR NOT NULL   -- operator-readable, Chinese
);

CREATE TABLE IF NOT EXISTS dq_result (
    batch_id        BIGINT,          -- NULL for mart checks after a rebuild without a batch
    suite           VARCHAR NOT NULL,
    expectation     VARCHAR NOT NULL,
    column_name     VARCHAR,
    success         BOOLEAN NOT NULL,
    critical        BOOLEAN NOT NULL,
    unexpected_count BIGINT,
    element_count   BIGINT,
    details         VARCHAR,
    checked_at      TIMESTAMP NOT NULL
);

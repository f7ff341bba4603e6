-- 考核 snapshots as published (dashboard/engine/scorecard_store.py): append-only, never rebuilt, so a past
-- quarter's ranks stay as they were published. Created on the first `python -m dashboard scorecard --publish`.
CREATE TABLE IF NOT EXISTS fct_scorecard_publication (
    unit VARCHAR NOT NULL, quarter VARCHAR NOT NULL, period_start DATE NOT NULL, period_end DATE NOT NULL,
    published_at TIMESTAMP NOT NULL, red_card_deduction DOUBLE NOT NULL, PRIMARY KEY (unit, quarter));
CREATE TABLE IF NOT EXISTS fct_scorecard_rule (
    unit VARCHAR NOT NULL, quarter VARCHAR NOT NULL, kpi VARCHAR NOT NULL, weight DOUBLE NOT NULL, target DOUBLE,
    lower_is_better BOOLEAN NOT NULL, PRIMARY KEY (unit, quarter, kpi));
CREATE TABLE IF NOT EXISTS fct_scorecard (
    unit VARCHAR NOT NULL, quarter VARCHAR NOT NULL, key VARCHAR NOT NULL, volume BIGINT, score DOUBLE,
    rank BIGINT, red_cards BIGINT, grey_listed BOOLEAN, PRIMARY KEY (unit, quarter, key));
CREATE TABLE IF NOT EXISTS fct_scorecard_kpi (
    unit VARCHAR NOT NULL, quarter VARCHAR NOT NULL, key VARCHAR NOT NULL, kpi VARCHAR NOT NULL, value DOUBLE,
    attainment DOUBLE, PRIMARY KEY (unit, quarter, key, kpi));

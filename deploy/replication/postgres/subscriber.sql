-- deploy/replication/postgres/subscriber.sql: run once on each replica
-- region (eu-west, ap-southeast), database fp, after
--
--   fpsink --migrate-only --pg "dbname=fp" --retention-days 30
--
-- has created the same schema there (and the day partitions ahead).  Then:
--
--   psql "dbname=fp" -v sub=fp_records_sub_eu_west \
--       -v publisher="host=pg.us-east.fp.internal dbname=fp \
--                     user=fp_replicator password=... sslmode=verify-full" \
--       -f subscriber.sql
--
-- Lag: SELECT max(replicated_at - inserted_at) FROM fp_records
--      WHERE replicated_at > now() - interval '5 minutes';
--
-- The DEFAULT partition takes rows of days that have no partition here
-- (records older than the partitions made ahead), so replication never
-- stops on "no partition of relation found for row".  Keep running
-- `fpsink --migrate-only --precreate-days 2` daily on the replica: day
-- partitions are then there before their rows, and the retention drops
-- old ones as on the primary.
\set ON_ERROR_STOP on
CREATE TABLE IF NOT EXISTS fp_records_default PARTITION OF fp_records DEFAULT;
-- A column the primary does not have: filled when the row is applied here,
-- so replicated_at - inserted_at is each row's replication lag (plus the
-- writing transaction's own duration; clocks synchronised by NTP).
ALTER TABLE fp_records ADD COLUMN IF NOT EXISTS replicated_at timestamptz
    DEFAULT clock_timestamp();
SELECT NOT EXISTS (SELECT FROM pg_subscription WHERE subname = :'sub')
    AS need_sub \gset
\if :need_sub
CREATE SUBSCRIPTION :"sub" CONNECTION :'publisher'
    PUBLICATION fp_records_pub WITH (copy_data = true);
\endif

-- deploy/replication/postgres/publisher.sql: run once on the us-east
-- primary, database fp, after the schema exists (fpsink --migrate-only):
--
--   psql "dbname=fp" -v repl_password="$(cat /run/secrets/fp-repl)" \
--       -f publisher.sql
--
-- Publishes the inserts into fp_records.  publish_via_partition_root sends
-- every row as a row of fp_records itself, so a replica does not need the
-- primary's day partitions: its own partitions (or its DEFAULT partition)
-- take the rows.  Partitions dropped by fpsink's retention are not
-- replicated (DROP is not); each region applies its own retention.
\set ON_ERROR_STOP on
SELECT NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fp_replicator')
    AS need_role \gset
\if :need_role
CREATE ROLE fp_replicator WITH LOGIN REPLICATION;
\endif
ALTER ROLE fp_replicator PASSWORD :'repl_password';
GRANT SELECT ON fp_records TO fp_replicator;
SELECT NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'fp_records_pub')
    AS need_pub \gset
\if :need_pub
CREATE PUBLICATION fp_records_pub FOR TABLE fp_records
    WITH (publish = 'insert', publish_via_partition_root = true);
\endif

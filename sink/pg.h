/* sink/pg.h: fpsink's Postgres side: schema, batches, retention.
 *
 * pg_connect() applies the versioned migrations (table fpsink_migrations,
 * one transaction, under an advisory lock so that several sinks starting
 * together do not race).  Records go to fp_records, partitioned by day on
 * ts_start (UTC); a batch creates the partitions it needs, COPYs into a
 * temporary staging table and inserts from there with ON CONFLICT DO
 * NOTHING, all in one transaction: a batch written twice adds no row.  The
 * primary key is (event_id, ts_start), since a unique key of a partitioned
 * table must contain the partition key; a record's ts_start never changes,
 * so this is unique per event_id.
 *
 * Every function that talks to the server returns 0 or -1; after -1 the
 * message is in pg_error() and the connection may be gone (pg_connect()
 * again, with backoff, as the caller sees fit). */
#ifndef FP_SINK_PG_H
#define FP_SINK_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "sink/sink.h"

struct pg;

/* A handle for conninfo (borrowed); no connection yet.  NULL on ENOMEM. */
struct pg	*pg_new(const char *conninfo, uint32_t retention_days,
		    size_t max_record_len, struct sink_stats *st);

/* Connect (dropping an old connection), check the server, migrate and
 * prepare.  Returns 0 or -1. */
int	pg_connect(struct pg *pg) FP_WARN_UNUSED;

bool	pg_is_connected(const struct pg *pg);

/* Write msgs[0..n) in one transaction; sets ->is_new on the rows that were
 * not there yet and ->is_expired on those past the retention (not
 * written).  When backlog is non-NULL, the first new row's seq is recorded
 * for that consumer in fp_redis_backlog, in the same transaction. */
int	pg_write(struct pg *pg, struct sink_msg *msgs, size_t n,
	    const char *backlog) FP_WARN_UNUSED;

/* Create the partitions of today and the next days days, ahead of the
 * records (a replica, whose rows come by logical replication, needs
 * them).  A day that cannot be created (e.g. a DEFAULT partition already
 * holds rows of it) is logged and skipped.  Returns 0 or -1 (connection). */
int	pg_precreate(struct pg *pg, uint32_t days);

/* Drop the partitions wholly older than the retention.  Returns 0 or -1. */
int	pg_retention(struct pg *pg);

/* The Redis backlog of consumer: *from_seq when there is one (returns 1),
 * 0 when none, -1 on error. */
int	pg_backlog_get(struct pg *pg, const char *consumer, int64_t *from_seq);
int	pg_backlog_clear(struct pg *pg, const char *consumer);

/* Record a backlog for consumer from the first new row of the last
 * pg_write() on (nothing when it had no new row).  Returns 0 or -1. */
int	pg_backlog_mark_last(struct pg *pg, const char *consumer);

/* Call cb for the latest record (by ts_end) of each client among the rows
 * with seq >= from_seq; record text and headers are borrowed for the call.
 * Returns 0 or -1 (also when cb returned non-zero). */
typedef int	(*pg_latest_cb)(void *arg, const char *record, size_t len,
		    const char *sensor_id, const char *model_version);
int	pg_latest_since(struct pg *pg, int64_t from_seq, pg_latest_cb cb,
	    void *arg);

/* The last error, for a log line. */
const char	*pg_error(const struct pg *pg);

/* pg_free(NULL) is a no-op. */
void	pg_free(struct pg *pg);

/* The newest schema version this fpsink knows. */
int	pg_schema_version(void);

#endif

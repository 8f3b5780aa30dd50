/* sink/redis.h: fpsink's Redis side (hiredis).
 *
 *   fp:client:<ip>          hash, the latest record of that client (by
 *                           ts_end: an older record never overwrites a
 *                           newer one, so writing a batch twice is
 *                           harmless), expires after ttl_s
 *   fp:count:ja4t:<v>       counter of new records per JA4T ...
 *   fp:count:raw_sig:<v>    ... and per p0f raw signature (rows Postgres
 *                           did not have yet: a repeated batch does not
 *                           count twice)
 *   fp:models               set of the model versions seen
 *   fp:model                channel: a model version seen for the first time
 *
 * Postgres is the source of truth.  Redis being away does not stop the
 * sink: writes fail fast (short timeouts), are counted, and the connection
 * is tried again with backoff; the caller then rewrites the latest keys
 * from Postgres.  Counter increments for records written while Redis was
 * away are not replayed (exact counts: SELECT ... GROUP BY in Postgres). */
#ifndef FP_SINK_REDIS_H
#define FP_SINK_REDIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink/sink.h"

struct rds;

/* A handle (no connection yet); host borrowed.  NULL on ENOMEM. */
struct rds	*rds_new(const char *host, int port, uint32_t ttl_s,
		    struct sink_stats *st);

/* Send AUTH password (borrowed) after each connect; NULL: none. */
void	rds_set_password(struct rds *r, const char *password);

/* True when connected; otherwise tries to connect if the backoff allows,
 * and says whether that worked. */
bool	rds_ready(struct rds *r);

/* Latest keys for msgs[0..n) (not expired), counters for the new ones, and
 * model announcements.  Returns 0, or -1 after which the connection is
 * closed and the failure counted. */
int	rds_write(struct rds *r, const struct sink_msg *msgs, size_t n);

/* Queue the latest-key update of one record (the catch-up from Postgres);
 * rds_flush() sends what is queued and reads the replies.  Both return 0 or
 * -1 like rds_write(). */
int	rds_queue_latest(struct rds *r, const struct sink_msg *m);
int	rds_flush(struct rds *r);

/* rds_free(NULL) is a no-op. */
void	rds_free(struct rds *r);

#endif

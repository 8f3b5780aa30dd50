/* sensor/output_kafka.h: records to a Kafka topic, with an on-disk spool.
 *
 * Each record becomes one message: the JSON object without its newline as
 * value, the client address as printed in the record as key, and the
 * headers schema_version, sensor_id and model_version.  The producer is
 * idempotent with acks=all and lz4 compression unless the configuration
 * says otherwise.
 *
 * Nothing is lost on the way.  With a spool (sensor/spool.h) in write-ahead
 * mode (KAFKA_SPOOL_WAL, the default) every record is appended to the spool
 * before librdkafka gets it (from memory, F_COPY), and the spool's position
 * moves past a record only once it and every record before it has a
 * successful delivery report: a record survives the sensor being killed
 * (SIGKILL included; not a machine crash, see spool.h) and the next run
 * sends whatever was not acknowledged, first.  In overflow mode
 * (KAFKA_SPOOL_OVERFLOW) a record only goes to the spool when its delivery
 * report says it failed or the queue is full, so the records in
 * librdkafka's queue die with the process.  In both modes, after a failure
 * new records queue behind the spool, which is sent again in order (from
 * the first record not delivered, skipping those delivered meanwhile) with
 * a doubling pause; a spool left by an earlier run is sent first; at close
 * the output waits up to flush_timeout_ms, then what is still queued stays
 * in (wal) or goes to (overflow) the spool.
 *
 * What can be sent twice, all with the same bytes and so the same event_id
 * (fpsink inserts on conflict do nothing): records the broker stored but
 * whose acknowledgement did not reach the sensor (connection broken, or the
 * sensor killed), and after a kill the records acknowledged in the last
 * KAFKA_POS_SAVE_MS (spool.pos is written at most that often).
 *
 * Single-threaded: delivery reports are served from write() and close(). */
#ifndef FP_SENSOR_OUTPUT_KAFKA_H
#define FP_SENSOR_OUTPUT_KAFKA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"
#include "sensor/output.h"

#define KAFKA_MAX_CONF		64

/* How the spool is used (--spool-mode). */
enum kafka_spool_mode {
	KAFKA_SPOOL_WAL,	/* every record written ahead (default) */
	KAFKA_SPOOL_OVERFLOW,	/* only records that failed or found the
				   queue full */
};
#define KAFKA_DEFAULT_FLUSH_MS	10000

/* Everything the Kafka output takes; a configuration loader fills the same
 * struct.  Strings are borrowed and must outlive the output. */
struct kafka_config {
	const char	*brokers;		/* bootstrap.servers */
	const char	*topic;
	const char	*sensor_id;		/* NULL: the host name */
	const char	*model_version;		/* NULL: "none" */
	const char	*conf[KAFKA_MAX_CONF];	/* "key=value", applied last */
	size_t		 n_conf;
	const char	*spool_dir;		/* NULL: undeliverable = lost */
	uint64_t	 spool_max_bytes;	/* 0: SPOOL_DEFAULT_MAX_BYTES */
	uint64_t	 spool_segment_bytes;	/* 0: SPOOL_DEFAULT_SEG_BYTES */
	enum kafka_spool_mode spool_mode;
	uint32_t	 flush_timeout_ms;	/* wait at close */
};

/* Counters, updated while the output is open; they stay readable after
 * output_close() (the struct belongs to the caller). */
struct kafka_stats {
	uint64_t	 produced;	/* to librdkafka, spool included */
	uint64_t	 delivered;	/* confirmed by the broker */
	uint64_t	 failed;	/* delivery reports with an error */
	uint64_t	 spooled;	/* records that waited in the spool
					   (not sent when written) */
	uint64_t	 spool_replayed;	/* delivered from the spool */
	uint64_t	 spool_drops;	/* lost: spool full, unwritable, none */
	uint64_t	 rejected;	/* lost: refused for good (e.g.
					   message too large) */
	uint64_t	 spool_records;	/* in the spool now (at close: left) */
	uint64_t	 spool_bytes;	/* segment bytes on disk now */
	uint64_t	 spool_truncated; /* damaged spool tails cut */
	uint64_t	 wal_records;	/* written ahead to the spool */
	uint64_t	 unlogged;	/* write-ahead, but the spool was
					   full: sent without a copy */
};

/* Add one "key=value" librdkafka setting.  Returns 0, or -1 with a message
 * in err (no '=', empty key, or more than KAFKA_MAX_CONF). */
int	kafka_config_add(struct kafka_config *cfg, const char *kv, char *err,
	    size_t errlen);

/* "wal" or "overflow" into *mode.  Returns 0, or -1 for anything else. */
int	kafka_spool_mode_parse(const char *s, enum kafka_spool_mode *mode);

/* Open the Kafka output: create the producer (no connection is made yet)
 * and open the spool.  stats (borrowed, caller-owned) is zeroed and
 * updated until close.  Returns 0; or -1 with err naming the setting or the
 * spool directory at fault, and nothing to close. */
int	output_kafka_open(struct output *o, const struct kafka_config *cfg,
	    struct kafka_stats *stats, char *err, size_t errlen) FP_WARN_UNUSED;

/* False when fpsensor was built without librdkafka. */
bool	output_kafka_available(void);

/* The client address of a record ("client":{"ip":"...") copied into dst,
 * NUL-terminated.  Returns its length, 0 when the record has none. */
size_t	kafka_record_key(const char *rec, size_t len, char *dst, size_t dstsz);

/* The counters as key=value lines, prefixed "kafka_". */
void	kafka_stats_print(FILE *fp, const struct kafka_stats *st);

#endif

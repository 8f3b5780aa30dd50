/* sink/sink.h: what fpsink's parts share: settings, counters, a batch.
 *
 * fpsink reads records from a Kafka consumer group in batches.  A batch is
 * checked (sink/record.h: bad messages go to the dead-letter topic), written
 * to Postgres in one transaction (sink/pg.h), then to Redis (sink/redis.h),
 * and only then are the batch's offsets committed: a crash at any point
 * makes the batch come again, and Postgres ignores rows it already has. */
#ifndef FP_SINK_SINK_H
#define FP_SINK_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sink/record.h"

#define SINK_MAX_CONF		64
#define SINK_SENSOR_ID_MAX	128
#define SINK_MODEL_MAX		64

/* Settings; strings borrowed (argv or a configuration loader). */
struct sink_config {
	const char	*brokers;
	const char	*topic;
	const char	*group;			/* consumer group id */
	const char	*dlq_topic;
	const char	*conf[SINK_MAX_CONF];	/* librdkafka "key=value" */
	size_t		 n_conf;
	const char	*pg_conninfo;		/* libpq connection string */
	const char	*redis_host;		/* NULL: no Redis */
	const char	*redis_password;	/* NULL: no AUTH */
	int		 redis_port;
	uint32_t	 redis_ttl_s;		/* of fp:client:<ip> */
	uint32_t	 retention_days;	/* 0: keep everything */
	uint32_t	 precreate_days;	/* partitions made ahead */
	uint32_t	 batch_size;
	uint32_t	 batch_ms;
	uint32_t	 max_message_bytes;
	uint32_t	 idle_exit_s;		/* 0: run until SIGTERM */
	uint32_t	 test_commit_delay_ms;	/* tests: pause before commit */
	bool		 migrate_only;
};

struct sink_stats {
	uint64_t	 consumed;	/* messages read from the topic */
	uint64_t	 valid;
	uint64_t	 inserted;	/* new rows */
	uint64_t	 duplicates;	/* rows Postgres already had */
	uint64_t	 expired;	/* older than the retention */
	uint64_t	 dead_letters;	/* sent to the dead-letter topic */
	uint64_t	 invalid[REC_N_STATUS];	/* by reason */
	uint64_t	 oversized;
	uint64_t	 batches;
	uint64_t	 pg_errors;	/* failed batch attempts */
	uint64_t	 redis_errors;
	uint64_t	 redis_catchups;	/* latest keys rewritten from
					   Postgres after Redis was away */
	uint64_t	 commits;
	uint64_t	 commit_errors;
	uint64_t	 partitions_created;
	uint64_t	 partitions_dropped;
	uint64_t	 models_announced;	/* published on fp:model */
	uint64_t	 kafka_errors;
};

/* One valid record of the batch being written. */
struct sink_msg {
	const char	*json;		/* borrowed from the Kafka message */
	size_t		 len;
	struct rec_fields f;
	char		 sensor_id[SINK_SENSOR_ID_MAX];	/* header, or "" */
	char		 model_version[SINK_MODEL_MAX];	/* header/record */
	bool		 is_expired;	/* older than the retention: skipped */
	bool		 is_new;	/* inserted now (not a repeat) */
};

#endif

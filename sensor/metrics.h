/* sensor/metrics.h: fpsensor's Prometheus metrics (names in fpsensor(8)),
 * read without slowing the packet thread.
 *
 * Each worker owns a struct metrics_feed.  Its packet thread brackets every
 * packet with metrics_feed_enter()/metrics_feed_leave(): two plain stores
 * of a sequence number and one relaxed load, no atomic read-modify-write,
 * no lock, no clock.  A scrape (on the metrics thread) then gets the
 * counters in one of two ways:
 *  - the worker is between packets and stays so while the counters are
 *    copied (the sequence did not move: a seqlock read), which is always
 *    the case when it waits for input;
 *  - otherwise the scrape raises `want` and the packet thread, at the end
 *    of its next packet, copies its counters into `snap` under a mutex it
 *    only try-locks; the scrape waits for that copy up to ~100 ms, then
 *    serves the last one.
 * Either way the figures are those of whole packets.
 *
 * A live capture worker never brackets its packets: it publishes `snap`
 * itself once per poll of its ring (is_pushed), outside the packet path,
 * and a scrape reads that copy (at most one poll, ~LIVE_POLL_MS, old).
 *
 * Verdicts by result and the model counters (cache, disagreements,
 * batch sizes, verdict latency, opinions by version and role: struct
 * model_counters of the pipeline's model set) are a pipeline's counters
 * and come with the feed, summed over the workers; reloads and the rules
 * and model versions are process-wide (struct metrics_reloads). */
#ifndef FP_SENSOR_METRICS_H
#define FP_SENSOR_METRICS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "metrics_http.h"
#include "sensor/decode.h"
#include "sensor/model_set.h"
#include "sensor/rules.h"
#include "sensor/stats.h"

struct pipeline;
struct kafka_stats;

#define FP_METRICS_MAX_AN	16
#define FP_METRICS_VERSION_MAX	64	/* label value kept, bytes */

/* fpsensor_verdicts_total's result label, in order. */
enum metrics_verdict {
	METRICS_CONSISTENT,
	METRICS_SPOOF,
	METRICS_UNKNOWN,
	METRICS_N_VERDICT
};

/* What one worker exposes, copied whole. */
struct sensor_counters {
	uint64_t	 packets, bytes, kernel_drops;
	uint64_t	 skipped[DECODE_N_STATUS];
	uint64_t	 flows_active, flows_evicted;
	uint64_t	 records_type[FP_REC_N_TYPES];
	uint64_t	 records_failed;	/* refused or too big */
	uint64_t	 anomalies[FP_METRICS_MAX_AN];	/* by an_names */
	uint64_t	 verdicts[METRICS_N_VERDICT];
	/* Models (struct model_counters, the worker's set's caches). */
	uint64_t	 model_cache_hits, model_cache_lookups;
	uint64_t	 model_compared[MODEL_N_ROLES];
	uint64_t	 model_disagree[MODEL_N_ROLES];	/* client family */
	uint64_t	 model_batch_hist[MODEL_SET_BATCH_BUCKETS + 1];
	uint64_t	 model_rows;
	uint64_t	 model_lat_hist[MODEL_SET_LAT_BUCKETS + 1];
	uint64_t	 model_lat_sum_ns;
	bool		 has_kafka;	/* the above are summed */
	uint64_t	 kafka_queue_depth, kafka_delivered, kafka_errors;
	uint64_t	 kafka_spool_bytes, kafka_spool_dropped;
	const char	*an_names[FP_METRICS_MAX_AN];	/* running analyzers */
	unsigned	 n_an;
	char		 model_version[FP_METRICS_VERSION_MAX];
	bool		 has_models;
	struct model_version_count model_versions[MODEL_SET_MAX_VERSIONS];
};

/* Where a worker's counters live; all borrowed, read by collect. */
struct metrics_source {
	const struct pipeline		*p;
	const struct kafka_stats	*ks;		/* NULL: no Kafka */
	const uint64_t			*kernel_drops;	/* or NULL */
};

/* The versions of the signature databases in use, copied by whoever
 * loads a set (a replay reads the rules between packets and frees the old
 * set at once: a scrape must not follow the pipeline's pointer). */
struct metrics_rules {
	pthread_mutex_t	 lock;
	bool		 has_rules;
	char		 version[RULES_N_DB][FP_METRICS_VERSION_MAX];
	/* The model versions in use by role (primary, candidate, shadow),
	 * "" where none: copied the same way by metrics_models_set(). */
	char		 model[MODEL_N_ROLES][FP_METRICS_VERSION_MAX];
};

void	metrics_rules_init(struct metrics_rules *mr);
/* Copy the versions of the model set ms (NULL: none) for the metrics:
 * call wherever a set is loaded or swapped in. */
void	metrics_models_set(struct metrics_rules *mr,
	    const struct model_set *ms);
void	metrics_rules_free(struct metrics_rules *mr);
/* The set r is in use now (NULL: none). */
void	metrics_rules_set(struct metrics_rules *mr, const struct rules *r);

/* The what label of fpsensor_reloads_total and
 * fpsensor_reload_duration_seconds, in order. */
enum metrics_reload_what {
	METRICS_RELOAD_GEOIP,
	METRICS_RELOAD_RULES,
	METRICS_RELOAD_MODELS,
	METRICS_N_RELOAD
};

extern const char *const metrics_reload_names[METRICS_N_RELOAD];

/* Reload counters (SIGHUP, a file changed) and the rules in use,
 * process-wide, read at each scrape.  NULL: not served. */
struct metrics_reloads {
	const _Atomic uint64_t	*geoip_ok;	/* databases reloaded */
	const _Atomic uint64_t	*geoip_failed;	/* databases kept */
	const _Atomic uint64_t	*rules;		/* rules reloads */
	const _Atomic uint64_t	*rules_failed;	/* rules kept */
	const _Atomic uint64_t	*models;	/* model reloads */
	const _Atomic uint64_t	*models_failed;	/* models kept */
	/* [METRICS_N_RELOAD]: how long the last reload of each took, ns
	 * (0: none yet). */
	const _Atomic uint64_t	*duration_ns;
	struct metrics_rules	*rules_info;
};

struct metrics_feed {
	atomic_uint		 seq;	/* odd: inside a packet */
	atomic_bool		 want;	/* a scrape asks for snap */
	atomic_uint		 n_pub;	/* snapshots published */
	pthread_mutex_t		 lock;	/* snap */
	struct sensor_counters	 snap;
	struct metrics_source	 src;
	unsigned		 worker;
	bool			 is_pushed;	/* live: see top */
};

void	metrics_feed_init(struct metrics_feed *f, unsigned worker,
	    const struct metrics_source *src);
void	metrics_feed_free(struct metrics_feed *f);

/* Copy the counters of src into c (packet thread, or a consistent read). */
void	metrics_collect(const struct metrics_source *src,
	    struct sensor_counters *c);

/* Publish a snapshot now, waiting for the lock (packet thread, outside the
 * packet path: at the end of the input). */
void	metrics_feed_publish(struct metrics_feed *f);

void	metrics_feed_slow_publish(struct metrics_feed *f);

static inline void
metrics_feed_enter(struct metrics_feed *f)
{
	unsigned s = atomic_load_explicit(&f->seq, memory_order_relaxed);

	atomic_store_explicit(&f->seq, s + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
}

static inline void
metrics_feed_leave(struct metrics_feed *f)
{
	unsigned s = atomic_load_explicit(&f->seq, memory_order_relaxed);

	atomic_store_explicit(&f->seq, s + 1, memory_order_release);
	if (atomic_load_explicit(&f->want, memory_order_relaxed))
		metrics_feed_slow_publish(f);
}

/* Kafka counters of an output that no packet thread uses (live capture's
 * output thread): that thread copies them with metrics_kafka_publish()
 * once per turn; a scrape reads the copy. */
struct metrics_kafka {
	pthread_mutex_t			 lock;	/* snap */
	const struct kafka_stats	*src;
	struct sensor_counters		 snap;	/* kafka_* only */
};

void	metrics_kafka_init(struct metrics_kafka *k,
	    const struct kafka_stats *src);
void	metrics_kafka_free(struct metrics_kafka *k);
void	metrics_kafka_publish(struct metrics_kafka *k);

/* Register fpsensor's collector for the workers feeds[0..n), the reload
 * counters rl and the Kafka counters kafka (NULL: in the feeds, or no
 * Kafka); all borrowed, must outlive the server. */
int	metrics_sensor_register(struct metrics_http *m,
	    struct metrics_feed *feeds, unsigned n,
	    const struct metrics_reloads *rl, struct metrics_kafka *kafka);

#endif

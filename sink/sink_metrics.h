/* sink/sink_metrics.h: fpsink's Prometheus metrics (names in fpsink(8)).
 *
 * The batch loop owns the counters; after each batch, each idle wait and
 * each retry it publishes a copy here under a mutex (held for a memcpy by
 * either side), and the metrics thread renders the copy. */
#ifndef FP_SINK_SINK_METRICS_H
#define FP_SINK_SINK_METRICS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "metrics_http.h"
#include "sink/consumer.h"
#include "sink/sink.h"

#define SINK_METRICS_MAX_PARTS	256
#define SINK_BATCH_BUCKETS	10

/* Batch sizes observed by the loop (fpsink_batch_size). */
struct sink_batch_hist {
	uint64_t	 counts[SINK_BATCH_BUCKETS + 1];
	double		 sum;
};

struct sink_metrics {
	pthread_mutex_t		 lock;
	struct sink_stats	 st;
	struct sink_batch_hist	 hist;
	struct consumer_lag	 lag[SINK_METRICS_MAX_PARTS];
	size_t			 n_lag;
};

void	sink_metrics_init(struct sink_metrics *m);
void	sink_metrics_free(struct sink_metrics *m);

/* Count one batch of n messages. */
void	sink_batch_observe(struct sink_batch_hist *h, size_t n);

/* Publish the loop's figures; kc may be NULL (no lag then). */
void	sink_metrics_publish(struct sink_metrics *m,
	    const struct sink_stats *st, const struct sink_batch_hist *h,
	    struct consumer *kc);

/* Add fpsink's collector to the endpoint (m must outlive it). */
int	sink_metrics_register(struct metrics_http *h,
	    struct sink_metrics *m);

#endif

/* sink/sink_metrics.c: fpsink's counters for Prometheus. */
#include "sink/sink_metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const double batch_bounds[SINK_BATCH_BUCKETS] = {
	1, 10, 50, 100, 250, 500, 1000, 5000, 10000, 100000,
};

void
sink_metrics_init(struct sink_metrics *m)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
}

void
sink_metrics_free(struct sink_metrics *m)
{
	pthread_mutex_destroy(&m->lock);
}

void
sink_batch_observe(struct sink_batch_hist *h, size_t n)
{
	h->counts[prom_bucket(batch_bounds, SINK_BATCH_BUCKETS,
	    (double)n)]++;
	h->sum += (double)n;
}

void
sink_metrics_publish(struct sink_metrics *m, const struct sink_stats *st,
    const struct sink_batch_hist *h, struct consumer *kc)
{
	static struct consumer_lag lag[SINK_METRICS_MAX_PARTS];
	size_t n = kc != NULL ? consumer_lag(kc, lag,
	    SINK_METRICS_MAX_PARTS) : 0;

	pthread_mutex_lock(&m->lock);
	m->st = *st;
	m->hist = *h;
	memcpy(m->lag, lag, n * sizeof(lag[0]));
	m->n_lag = n;
	pthread_mutex_unlock(&m->lock);
}

static void
counter(struct prom_buf *b, const char *name, const char *help, uint64_t v)
{
	prom_family(b, name, "counter", help);
	prom_u64(b, name, NULL, v);
}

static void
render(struct prom_buf *b, void *arg)
{
	struct sink_metrics *m = arg;
	char lab[400], topic[300], ver[64];

	pthread_mutex_lock(&m->lock);
	prom_family(b, "fpsink_build_info", "gauge",
	    "Version of this fpsink; the value is 1.");
	snprintf(lab, sizeof(lab), "version=\"%s\"",
	    prom_label(ver, sizeof(ver), PACKAGE_VERSION));
	prom_u64(b, "fpsink_build_info", lab, 1);
	prom_family(b, "fpsink_consumer_lag", "gauge",
	    "Messages of the partition not consumed yet.");
	for (size_t i = 0; i < m->n_lag; i++) {
		snprintf(lab, sizeof(lab), "topic=\"%s\",partition=\"%" PRId32
		    "\"", prom_label(topic, sizeof(topic), m->lag[i].topic),
		    m->lag[i].partition);
		prom_u64(b, "fpsink_consumer_lag", lab,
		    (uint64_t)m->lag[i].lag);
	}
	prom_family(b, "fpsink_batch_size", "histogram",
	    "Messages per batch read from Kafka.");
	prom_histogram(b, "fpsink_batch_size", batch_bounds, m->hist.counts,
	    SINK_BATCH_BUCKETS, m->hist.sum);
	counter(b, "fpsink_rows_written_total", "Rows inserted into Postgres.",
	    m->st.inserted);
	counter(b, "fpsink_dead_letters_total", "Messages sent to the "
	    "dead-letter topic.", m->st.dead_letters);
	counter(b, "fpsink_redis_errors_total", "Failed Redis operations.",
	    m->st.redis_errors);
	counter(b, "fpsink_postgres_errors_total", "Failed Postgres "
	    "connections and batch attempts.", m->st.pg_errors);
	pthread_mutex_unlock(&m->lock);
}

int
sink_metrics_register(struct metrics_http *h, struct sink_metrics *m)
{
	return metrics_http_register(h, render, m);
}

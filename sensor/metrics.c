/* sensor/metrics.c: fpsensor's counters for Prometheus. */
#include "sensor/metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "analyzers/analyzer.h"
#include "sensor/output_kafka.h"
#include "sensor/pipeline.h"

#define SCRAPE_WAIT_STEPS	50	/* of 2 ms: up to 100 ms */

void
metrics_feed_init(struct metrics_feed *f, unsigned worker,
    const struct metrics_source *src)
{
	memset(f, 0, sizeof(*f));
	atomic_init(&f->seq, 0);
	atomic_init(&f->want, false);
	atomic_init(&f->n_pub, 0);
	pthread_mutex_init(&f->lock, NULL);
	f->src = *src;
	f->worker = worker;
}

void
metrics_feed_free(struct metrics_feed *f)
{
	pthread_mutex_destroy(&f->lock);
}

/* The model_version label of a pipeline's verdicts: "none" while no model
 * takes part in them; the model's version once one does. */
static const char *
verdict_model_version(const struct verdict_ctx *v)
{
	(void)v;
	return "none";
}

/* The counters of the model set ms, its caches included. */
static void
collect_models(const struct model_set *ms, struct sensor_counters *c)
{
	struct model_counters t;

	memset(&t, 0, sizeof(t));
	model_counters_add(&t, ms->c, ms);
	c->has_models = true;
	c->model_cache_hits = t.cache_hits;
	c->model_cache_lookups = t.cache_lookups;
	memcpy(c->model_compared, t.compared, sizeof(c->model_compared));
	memcpy(c->model_disagree, t.disagree_client,
	    sizeof(c->model_disagree));
	memcpy(c->model_batch_hist, t.batch_hist,
	    sizeof(c->model_batch_hist));
	c->model_rows = t.rows;
	memcpy(c->model_lat_hist, t.lat_hist, sizeof(c->model_lat_hist));
	c->model_lat_sum_ns = t.lat_sum_ns;
	memcpy(c->model_versions, t.version, sizeof(c->model_versions));
}

/* A pipeline's verdict counters. */
static void
collect_verdicts(const struct pipeline *p, struct sensor_counters *c)
{
	const struct verdict_ctx *v = &p->verdict;

	if (v->models != NULL)
		collect_models(v->models, c);
	c->verdicts[METRICS_CONSISTENT] = v->n_consistent;
	c->verdicts[METRICS_SPOOF] = v->n_spoof;
	c->verdicts[METRICS_UNKNOWN] = v->n_unknown;
	snprintf(c->model_version, sizeof(c->model_version), "%s",
	    verdict_model_version(v));
}

void
metrics_rules_init(struct metrics_rules *mr)
{
	memset(mr, 0, sizeof(*mr));
	pthread_mutex_init(&mr->lock, NULL);
}

void
metrics_rules_free(struct metrics_rules *mr)
{
	pthread_mutex_destroy(&mr->lock);
}

void
metrics_rules_set(struct metrics_rules *mr, const struct rules *r)
{
	pthread_mutex_lock(&mr->lock);
	mr->has_rules = r != NULL;
	for (int d = 0; d < RULES_N_DB; d++)
		snprintf(mr->version[d], sizeof(mr->version[d]), "%s",
		    r != NULL && r->version[d] != NULL ? r->version[d] : "");
	pthread_mutex_unlock(&mr->lock);
}

void
metrics_models_set(struct metrics_rules *mr, const struct model_set *ms)
{
	pthread_mutex_lock(&mr->lock);
	for (int r = 0; r < MODEL_N_ROLES; r++) {
		const char *v = model_set_version(ms, (enum model_role)r);

		snprintf(mr->model[r], sizeof(mr->model[r]), "%s",
		    v != NULL ? v : "");
	}
	pthread_mutex_unlock(&mr->lock);
}

static void	collect_kafka(const struct kafka_stats *ks,
		    struct sensor_counters *c);

void
metrics_collect(const struct metrics_source *src, struct sensor_counters *c)
{
	const struct pipeline *p = src->p;
	const struct fp_stats *s = &p->stats;
	const struct kafka_stats *ks = src->ks;

	memset(c, 0, sizeof(*c));
	c->packets = s->packets;
	c->bytes = s->bytes;
	memcpy(c->skipped, s->skipped, sizeof(c->skipped));
	c->flows_active = p->flows->n_active;
	c->flows_evicted = p->flows->n_ended[FLOW_END_EVICTED];
	memcpy(c->records_type, s->records_type, sizeof(c->records_type));
	c->records_failed = s->records_failed + s->records_too_big;
	c->n_an = p->n_an < FP_METRICS_MAX_AN ? (unsigned)p->n_an :
	    FP_METRICS_MAX_AN;
	for (unsigned i = 0; i < c->n_an; i++) {
		c->an_names[i] = p->an_list[i]->name;
		c->anomalies[i] = p->an_anomalies[i];
	}
	if (src->kernel_drops != NULL)
		c->kernel_drops = *src->kernel_drops;
	collect_verdicts(p, c);
	if (ks != NULL)
		collect_kafka(ks, c);
}

/* The kafka_* fields of c from ks. */
static void
collect_kafka(const struct kafka_stats *ks, struct sensor_counters *c)
{
	c->has_kafka = true;
	c->kafka_delivered = ks->delivered;
	c->kafka_errors = ks->failed + ks->rejected;
	c->kafka_queue_depth = ks->produced > ks->delivered + ks->failed +
	    ks->rejected ? ks->produced - ks->delivered - ks->failed -
	    ks->rejected : 0;
	c->kafka_spool_bytes = ks->spool_bytes;
	c->kafka_spool_dropped = ks->spool_drops;
}

void
metrics_kafka_init(struct metrics_kafka *k, const struct kafka_stats *src)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
	k->src = src;
}

void
metrics_kafka_free(struct metrics_kafka *k)
{
	pthread_mutex_destroy(&k->lock);
}

/* The output thread's copy: the lock is held by a scrape only for a copy,
 * and this thread is not on the packet path. */
void
metrics_kafka_publish(struct metrics_kafka *k)
{
	struct sensor_counters c;

	memset(&c, 0, sizeof(c));
	collect_kafka(k->src, &c);
	pthread_mutex_lock(&k->lock);
	k->snap = c;
	pthread_mutex_unlock(&k->lock);
}

void
metrics_feed_publish(struct metrics_feed *f)
{
	struct sensor_counters c;

	metrics_collect(&f->src, &c);
	pthread_mutex_lock(&f->lock);
	f->snap = c;
	pthread_mutex_unlock(&f->lock);
	atomic_store_explicit(&f->want, false, memory_order_relaxed);
	atomic_fetch_add(&f->n_pub, 1);
}

/* The packet thread was asked for a snapshot: copy, unless the scrape
 * holds the lock right now (then again after the next packet). */
void
metrics_feed_slow_publish(struct metrics_feed *f)
{
	if (pthread_mutex_trylock(&f->lock) != 0)
		return;
	metrics_collect(&f->src, &f->snap);
	pthread_mutex_unlock(&f->lock);
	atomic_store_explicit(&f->want, false, memory_order_relaxed);
	atomic_fetch_add(&f->n_pub, 1);
}

/* A consistent copy of the live counters if the worker is between packets
 * for the whole copy.  Returns true then. */
static bool
read_live(struct metrics_feed *f, struct sensor_counters *c)
{
	unsigned s1 = atomic_load_explicit(&f->seq, memory_order_acquire), s2;

	if (s1 & 1)
		return false;
	metrics_collect(&f->src, c);
	atomic_thread_fence(memory_order_acquire);
	s2 = atomic_load_explicit(&f->seq, memory_order_relaxed);
	return s1 == s2;
}

static void
feed_read(struct metrics_feed *f, struct sensor_counters *c)
{
	unsigned n0 = atomic_load(&f->n_pub);
	struct timespec ts = { 0, 2 * 1000000 };

	if (f->is_pushed)
		goto snap;
	atomic_store_explicit(&f->want, true, memory_order_relaxed);
	for (int i = 0; i < SCRAPE_WAIT_STEPS; i++) {
		if (read_live(f, c))
			return;
		if (atomic_load(&f->n_pub) != n0)
			break;
		nanosleep(&ts, NULL);
	}
snap:
	pthread_mutex_lock(&f->lock);
	*c = f->snap;
	pthread_mutex_unlock(&f->lock);
}

struct sensor_metrics {
	struct metrics_feed		*feeds;
	unsigned			 n;
	const struct metrics_reloads	*rl;
	struct metrics_kafka		*kafka;
};

static void
family_per_worker(struct prom_buf *b, struct sensor_counters *c, unsigned n,
    const char *name, const char *help, size_t off)
{
	char lab[32];

	prom_family(b, name, "counter", help);
	for (unsigned w = 0; w < n; w++) {
		uint64_t v;

		memcpy(&v, (const char *)&c[w] + off, sizeof(v));
		snprintf(lab, sizeof(lab), "worker=\"%u\"", w);
		prom_u64(b, name, lab, v);
	}
}

static void
render_build(struct prom_buf *b)
{
	char lab[128], ver[64];

	prom_family(b, "fpsensor_build_info", "gauge",
	    "Version of this fpsensor; the value is 1.");
	snprintf(lab, sizeof(lab), "version=\"%s\",ja4plus=\"%s\"",
	    prom_label(ver, sizeof(ver), PACKAGE_VERSION),
#ifdef FP_JA4PLUS
	    "yes"
#else
	    "no"
#endif
	    );
	prom_u64(b, "fpsensor_build_info", lab, 1);
}

/* Sums over the workers of the families without a worker label. */
static void
render_totals(struct prom_buf *b, const struct sensor_counters *t)
{
	char lab[64];

	prom_family(b, "fpsensor_packets_skipped_total", "counter",
	    "Packets not analysed, by reason.");
	for (int i = 1; i < DECODE_N_STATUS; i++) {
		snprintf(lab, sizeof(lab), "reason=\"%s\"",
		    decode_status_name((enum decode_status)i));
		prom_u64(b, "fpsensor_packets_skipped_total", lab,
		    t->skipped[i]);
	}
	prom_family(b, "fpsensor_flows_active", "gauge",
	    "Flows in the flow tables.");
	prom_u64(b, "fpsensor_flows_active", NULL, t->flows_active);
	prom_family(b, "fpsensor_flows_evicted_total", "counter",
	    "Flows ended early because the flow table was full.");
	prom_u64(b, "fpsensor_flows_evicted_total", NULL, t->flows_evicted);
	prom_family(b, "fpsensor_records_total", "counter",
	    "Records written, by main analyzer.");
	for (int i = 0; i < FP_REC_N_TYPES; i++) {
		snprintf(lab, sizeof(lab), "type=\"%s\"",
		    stats_rec_type_name((enum fp_rec_type)i));
		prom_u64(b, "fpsensor_records_total", lab, t->records_type[i]);
	}
	prom_family(b, "fpsensor_records_failed_total", "counter",
	    "Records lost: refused by the output or too big.");
	prom_u64(b, "fpsensor_records_failed_total", NULL, t->records_failed);
	prom_family(b, "fpsensor_anomalies_total", "counter",
	    "Anomalies the analyzers named in records (oddities of the "
	    "protocol input), by analyzer.");
	for (unsigned i = 0; i < t->n_an; i++) {
		snprintf(lab, sizeof(lab), "analyzer=\"%s\"", t->an_names[i]);
		prom_u64(b, "fpsensor_anomalies_total", lab, t->anomalies[i]);
	}
}

/* Verdicts by result (the model version of worker 0); the signature
 * databases in use. */
static void
render_verdicts(struct prom_buf *b, const struct sensor_counters *t,
    const struct sensor_counters *w0, struct metrics_rules *mr)
{
	static const char *const result[METRICS_N_VERDICT] = {
	    "consistent", "spoof", "unknown" };
	char lab[FP_METRICS_VERSION_MAX * 2 + 64], ver[FP_METRICS_VERSION_MAX *
	    2];

	static const char *const role[MODEL_N_ROLES] = { "primary",
	    "candidate", "shadow" };

	prom_family(b, "fpsensor_verdicts_total", "counter",
	    "Verdicts written, by model version (none: rules only) and "
	    "result.");
	if (mr != NULL) {
		pthread_mutex_lock(&mr->lock);
		prom_label(ver, sizeof(ver), mr->model[MODEL_PRIMARY][0] ?
		    mr->model[MODEL_PRIMARY] : w0->model_version);
		pthread_mutex_unlock(&mr->lock);
	} else {
		prom_label(ver, sizeof(ver), w0->model_version);
	}
	for (int i = 0; i < METRICS_N_VERDICT; i++) {
		snprintf(lab, sizeof(lab), "model_version=\"%s\",result=\"%s\"",
		    ver, result[i]);
		prom_u64(b, "fpsensor_verdicts_total", lab, t->verdicts[i]);
	}
	if (mr == NULL)
		return;
	pthread_mutex_lock(&mr->lock);
	if (mr->model[MODEL_PRIMARY][0] != '\0')
		prom_family(b, "fpsensor_model_info", "gauge",
		    "Model versions in use by role; the value is 1.");
	for (int r = 0; r < MODEL_N_ROLES; r++) {
		if (mr->model[r][0] == '\0')
			continue;
		snprintf(lab, sizeof(lab), "role=\"%s\",version=\"%s\"",
		    role[r], prom_label(ver, sizeof(ver), mr->model[r]));
		prom_u64(b, "fpsensor_model_info", lab, 1);
	}
	if (mr->has_rules)
		prom_family(b, "fpsensor_rules_info", "gauge",
		    "Signature databases in use and their versions; the "
		    "value is 1.");
	for (int d = 0; mr->has_rules && d < RULES_N_DB; d++) {
		if (mr->version[d][0] == '\0')
			continue;
		snprintf(lab, sizeof(lab), "database=\"%s\",version=\"%s\"",
		    rules_db_names[d], prom_label(ver, sizeof(ver),
		    mr->version[d]));
		prom_u64(b, "fpsensor_rules_info", lab, 1);
	}
	pthread_mutex_unlock(&mr->lock);
}

static uint64_t
load0(const _Atomic uint64_t *v)
{
	return v != NULL ? atomic_load_explicit(v, memory_order_relaxed) : 0;
}

const char *const metrics_reload_names[METRICS_N_RELOAD] = { "geoip",
    "rules", "models" };

static void
render_reloads(struct prom_buf *b, const struct metrics_reloads *rl)
{
	uint64_t rules = load0(rl->rules), rules_failed =
	    load0(rl->rules_failed), models = load0(rl->models),
	    models_failed = load0(rl->models_failed);
	char lab[64];

	prom_family(b, "fpsensor_reloads_total", "counter",
	    "Reloads on SIGHUP or a file change, by what and result (GeoIP: "
	    "per database).");
	prom_u64(b, "fpsensor_reloads_total", "what=\"geoip\",result=\"ok\"",
	    load0(rl->geoip_ok));
	prom_u64(b, "fpsensor_reloads_total",
	    "what=\"geoip\",result=\"failed\"", load0(rl->geoip_failed));
	prom_u64(b, "fpsensor_reloads_total", "what=\"rules\",result=\"ok\"",
	    rules - (rules_failed < rules ? rules_failed : rules));
	prom_u64(b, "fpsensor_reloads_total",
	    "what=\"rules\",result=\"failed\"", rules_failed);
	if (rl->models != NULL) {
		prom_u64(b, "fpsensor_reloads_total",
		    "what=\"models\",result=\"ok\"", models -
		    (models_failed < models ? models_failed : models));
		prom_u64(b, "fpsensor_reloads_total",
		    "what=\"models\",result=\"failed\"", models_failed);
	}
	if (rl->duration_ns == NULL)
		return;
	prom_family(b, "fpsensor_reload_duration_seconds", "gauge",
	    "How long the last reload took, by what (0: none yet).");
	for (int i = 0; i < METRICS_N_RELOAD; i++) {
		uint64_t ns = load0(&rl->duration_ns[i]);

		snprintf(lab, sizeof(lab), "what=\"%s\"",
		    metrics_reload_names[i]);
		prom_printf(b, "fpsensor_reload_duration_seconds{%s} "
		    "%" PRIu64 ".%09" PRIu64 "\n", lab, ns / 1000000000,
		    ns % 1000000000);
	}
}

/* The version table of every worker, merged by name into t. */
static void
merge_versions(struct model_version_count *t,
    const struct sensor_counters *c, unsigned n)
{
	memset(t, 0, sizeof(*t) * MODEL_SET_MAX_VERSIONS);
	for (unsigned w = 0; w < n; w++)
		for (size_t i = 0; i < MODEL_SET_MAX_VERSIONS &&
		    c[w].model_versions[i].version[0] != '\0'; i++) {
			const struct model_version_count *v =
			    &c[w].model_versions[i];
			size_t k = 0;

			while (k < MODEL_SET_MAX_VERSIONS - 1 &&
			    t[k].version[0] != '\0' &&
			    strcmp(t[k].version, v->version) != 0)
				k++;
			memcpy(t[k].version, v->version, sizeof(v->version));
			for (int r = 0; r < MODEL_N_ROLES; r++)
				t[k].by_role[r] += v->by_role[r];
		}
}

/* Opinions by version and role, disagreements with the primary. */
static void
render_model_counts(struct prom_buf *b, const struct sensor_counters *t,
    const struct sensor_counters *c, unsigned n, struct metrics_rules *mr)
{
	static const char *const role[MODEL_N_ROLES] = { "primary",
	    "candidate", "shadow" };
	struct model_version_count v[MODEL_SET_MAX_VERSIONS];
	char lab[FP_METRICS_VERSION_MAX * 4 + 64];
	char a[FP_METRICS_VERSION_MAX * 2], o[FP_METRICS_VERSION_MAX * 2];

	merge_versions(v, c, n);
	prom_family(b, "fpsensor_model_scored_total", "counter",
	    "Flows a model gave its opinion on, by version and role "
	    "(primary and candidate decide, shadow is scored beside).");
	for (size_t i = 0; i < MODEL_SET_MAX_VERSIONS &&
	    v[i].version[0] != '\0'; i++)
		for (int r = 0; r < MODEL_N_ROLES; r++) {
			if (v[i].by_role[r] == 0)
				continue;
			snprintf(lab, sizeof(lab), "version=\"%s\",role=\"%s\"",
			    prom_label(a, sizeof(a), v[i].version), role[r]);
			prom_u64(b, "fpsensor_model_scored_total", lab,
			    v[i].by_role[r]);
		}
	if (mr == NULL)
		return;
	prom_family(b, "fpsensor_model_disagreements_total", "counter",
	    "Flows where the candidate or shadow model named another client "
	    "family than the primary, by both versions in use.");
	pthread_mutex_lock(&mr->lock);
	prom_label(a, sizeof(a), mr->model[MODEL_PRIMARY]);
	for (int r = MODEL_CANDIDATE; r < MODEL_N_ROLES; r++) {
		if (mr->model[r][0] == '\0')
			continue;
		snprintf(lab, sizeof(lab), "primary=\"%s\",other=\"%s\"", a,
		    prom_label(o, sizeof(o), mr->model[r]));
		prom_u64(b, "fpsensor_model_disagreements_total", lab,
		    t->model_disagree[r]);
	}
	pthread_mutex_unlock(&mr->lock);
}

/* The model families, summed over the workers. */
static void
render_models(struct prom_buf *b, const struct sensor_counters *t,
    const struct sensor_counters *c, unsigned n, struct metrics_rules *mr)
{
	prom_family(b, "fpsensor_verdict_cache_lookups_total", "counter",
	    "Model verdict cache lookups (one per model asked per flow).");
	prom_u64(b, "fpsensor_verdict_cache_lookups_total", NULL,
	    t->model_cache_lookups);
	prom_family(b, "fpsensor_verdict_cache_hits_total", "counter",
	    "Model verdict cache lookups that found the answer.");
	prom_u64(b, "fpsensor_verdict_cache_hits_total", NULL,
	    t->model_cache_hits);
	prom_family(b, "fpsensor_inference_batch_size", "histogram",
	    "Rows per XGBoost scoring call (both heads score the same "
	    "rows).");
	prom_histogram(b, "fpsensor_inference_batch_size",
	    model_set_batch_bounds, t->model_batch_hist,
	    MODEL_SET_BATCH_BUCKETS, (double)t->model_rows);
	prom_family(b, "fpsensor_verdict_latency_seconds", "histogram",
	    "From a flow's end to its verdict being made, model scoring "
	    "included.");
	prom_histogram(b, "fpsensor_verdict_latency_seconds",
	    model_set_lat_bounds, t->model_lat_hist, MODEL_SET_LAT_BUCKETS,
	    (double)t->model_lat_sum_ns / 1e9);
	render_model_counts(b, t, c, n, mr);
}

static void
render_kafka(struct prom_buf *b, const struct sensor_counters *t)
{
	static const struct {
		const char	*name, *type, *help;
		size_t		 off;
	} k[] = {
		{ "fpsensor_kafka_queue_depth", "gauge", "Records handed to "
		    "librdkafka and not yet acknowledged.",
		    offsetof(struct sensor_counters, kafka_queue_depth) },
		{ "fpsensor_kafka_delivered_total", "counter", "Records the "
		    "broker acknowledged.",
		    offsetof(struct sensor_counters, kafka_delivered) },
		{ "fpsensor_kafka_delivery_errors_total", "counter", "Failed "
		    "or refused deliveries.",
		    offsetof(struct sensor_counters, kafka_errors) },
		{ "fpsensor_kafka_spool_bytes", "gauge", "Bytes in the "
		    "spool.",
		    offsetof(struct sensor_counters, kafka_spool_bytes) },
		{ "fpsensor_kafka_spool_dropped_total", "counter", "Records "
		    "lost because the spool was full or unwritable.",
		    offsetof(struct sensor_counters, kafka_spool_dropped) },
	};

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		uint64_t v;

		memcpy(&v, (const char *)t + k[i].off, sizeof(v));
		prom_family(b, k[i].name, k[i].type, k[i].help);
		prom_u64(b, k[i].name, NULL, v);
	}
}

static void	sum_kafka(struct sensor_counters *t,
		    const struct sensor_counters *c);

static void
sum_into(struct sensor_counters *t, const struct sensor_counters *c)
{
	const uint64_t *src = (const uint64_t *)(const void *)c;
	uint64_t *dst = (uint64_t *)(void *)t;
	size_t n = offsetof(struct sensor_counters, has_kafka) /
	    sizeof(uint64_t);

	for (size_t i = 0; i < n; i++)
		dst[i] += src[i];
	t->n_an = c->n_an;		/* every worker runs the same ones */
	t->has_models |= c->has_models;
	memcpy(t->an_names, c->an_names, sizeof(t->an_names));
	sum_kafka(t, c);
}

static void
sum_kafka(struct sensor_counters *t, const struct sensor_counters *c)
{
	t->has_kafka |= c->has_kafka;
	t->kafka_queue_depth += c->kafka_queue_depth;
	t->kafka_delivered += c->kafka_delivered;
	t->kafka_errors += c->kafka_errors;
	t->kafka_spool_bytes += c->kafka_spool_bytes;
	t->kafka_spool_dropped += c->kafka_spool_dropped;
}

static void
render(struct prom_buf *b, void *arg)
{
	struct sensor_metrics *sm = arg;
	struct sensor_counters c[64], t;
	unsigned n = sm->n < 64 ? sm->n : 64;

	memset(&t, 0, sizeof(t));
	for (unsigned w = 0; w < n; w++) {
		feed_read(&sm->feeds[w], &c[w]);
		sum_into(&t, &c[w]);
	}
	render_build(b);
	family_per_worker(b, c, n, "fpsensor_packets_total",
	    "Frames read.", offsetof(struct sensor_counters, packets));
	family_per_worker(b, c, n, "fpsensor_bytes_total",
	    "Wire bytes of the frames read.",
	    offsetof(struct sensor_counters, bytes));
	family_per_worker(b, c, n, "fpsensor_kernel_drops_total",
	    "Frames the kernel dropped before fpsensor read them.",
	    offsetof(struct sensor_counters, kernel_drops));
	render_totals(b, &t);
	render_verdicts(b, &t, &c[0], sm->rl->rules_info);
	if (t.has_models)
		render_models(b, &t, c, n, sm->rl->rules_info);
	render_reloads(b, sm->rl);
	if (sm->kafka != NULL) {
		pthread_mutex_lock(&sm->kafka->lock);
		sum_kafka(&t, &sm->kafka->snap);
		pthread_mutex_unlock(&sm->kafka->lock);
	}
	if (t.has_kafka)
		render_kafka(b, &t);
}

int
metrics_sensor_register(struct metrics_http *m, struct metrics_feed *feeds,
    unsigned n, const struct metrics_reloads *rl, struct metrics_kafka *kafka)
{
	static struct sensor_metrics sm;

	sm.feeds = feeds;
	sm.n = n;
	sm.rl = rl;
	sm.kafka = kafka;
	return metrics_http_register(m, render, &sm);
}

/* sensor/live.c: live capture workers, their queues and the output
 * thread. */
#include "sensor/live.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyzers/tls_fp.h"
#include "log.h"
#include "mix.h"
#include "sensor/decode.h"
#include "sensor/stats.h"

#define LIVE_TICK_LAG_US	1000000	/* wall clock minus this: packets
					 * still in an unretired ring block
					 * are not made to go back in time */
#define LIVE_OUT_NAP_NS		1000000L
#define LIVE_OUT_BATCH		256	/* records per queue per turn */
#define LIVE_OUT_IDLE_FLUSH	100	/* idle naps between flushes */
#define LIVE_STATS_KEYS		256
#define LIVE_DRAIN_MS		25	/* > the ring's block retire time */
#define LIVE_DRAIN_ROUNDS	8
#define LIVE_HOLD_NS		5000000	/* records held for a model batch */
#define LIVE_HOLD_EVERY		32	/* packets between looks at them */
#define LIVE_FEED_BYTES		(8u << 20)	/* replay: input queue */
#define LIVE_FEED_BATCH		256	/* replay: packets per turn */
#define LIVE_FEED_NAP_NS	100000L	/* replay: input queue empty */
#define LIVE_FEED_IS_TICK	UINT32_MAX	/* caplen of a tick */

/* An entry of a worker's input queue (replay from a stream): a packet,
 * its bytes after the entry, or a tick (caplen LIVE_FEED_IS_TICK): time is
 * ts_us. */
struct feed_hdr {
	uint64_t	 ts_us;
	uint32_t	 caplen;
	uint32_t	 wire_len;
	int32_t		 dlt;
	uint32_t	 pad;
};

static uint64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
parse_cpu(const char **p, int *cpu)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(*p, &end, 10);
	if (end == *p || errno != 0 || v < 0 || v >= CPU_SETSIZE)
		return -1;
	*cpu = (int)v;
	*p = end;
	return 0;
}

int
live_parse_cpus(struct live_config *cfg, const char *list, char *err,
    size_t errsz)
{
	const char *p = list;
	int lo, hi;

	cfg->n_cpus = 0;
	while (*p != '\0') {
		if (parse_cpu(&p, &lo) != 0)
			goto bad;
		hi = lo;
		if (*p == '-' && (p++, parse_cpu(&p, &hi) != 0 || hi < lo))
			goto bad;
		for (int c = lo; c <= hi; c++) {
			if (cfg->n_cpus == LIVE_MAX_WORKERS)
				goto bad;
			cfg->cpus[cfg->n_cpus++] = c;
		}
		if (*p == ',' && p[1] != '\0')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	if (cfg->n_cpus > 0)
		return 0;
bad:
	snprintf(err, errsz, "--cpu-pin: '%s' is not a CPU list (e.g. "
	    "0,1 or 2-5; at most %d CPUs)", list, LIVE_MAX_WORKERS);
	return -1;
}

static int
open_worker(struct live *l, struct live_worker *w,
    const struct live_config *cfg, struct pipeline_config pc,
    struct enrich_set *es, const struct enrich_settings *en, char *err,
    size_t errsz)
{
	if (cfg->replay == NULL &&
	    capture_live_open(&w->cap, &cfg->cap, err, errsz) != 0)
		return -1;
	if (l->is_each) {
		if (capture_open_offline(&w->rcap, cfg->replay->path,
		    cfg->cap.bpf) != 0) {
			snprintf(err, errsz, "%s", w->rcap.err);
			return -1;
		}
		/* In place, no copy; no thread: the workers have the CPUs.
		 * One map for all, its pages populated once. */
		if (w->index == 0 || !capture_map_share(&w->rcap,
		    &l->w[0].rcap))
			(void)capture_map(&w->rcap);
		w->has_rcap = true;
	} else if (cfg->replay != NULL &&
	    recq_init(&w->in, LIVE_FEED_BYTES) != 0) {
		snprintf(err, errsz, "input queue: %s", strerror(errno));
		return -1;
	}
	/* Worker w of n numbers its flows w + 1, w + 1 + n, ...: a flow id
	 * (and "flow N" in a verdict) names one flow of the run.  Its own
	 * run id keeps the event ids (run id, flow number) apart too. */
	pc.run_id += w->index;
	pc.flow.id_first = w->index + 1;
	pc.flow.id_step = l->n;
	if (w->index > 0) {
		if (enrich_worker_init(&w->en, es, en, err, errsz) != 0)
			return -1;
		pc.ndpi = w->en.ndpi;
		pc.enrich = &w->en.enrich;
	}
	if (recq_init(&w->q, cfg->queue_bytes ? cfg->queue_bytes :
	    RECQ_DEFAULT_BYTES) != 0) {
		snprintf(err, errsz, "record queue: %s", strerror(errno));
		return -1;
	}
	recq_output_init(&w->qout, &w->q);
	atomic_init(&w->models_next, NULL);
	if (cfg->models != NULL) {
		char e[768];

		if ((w->models = calloc(1, sizeof(*w->models))) == NULL ||
		    model_set_load(w->models, cfg->models, &w->mcount, e,
		    sizeof(e)) != 0) {
			snprintf(err, errsz, "worker %u: model: %s", w->index,
			    w->models == NULL ? strerror(errno) : e);
			free(w->models);
			w->models = NULL;
			return -1;
		}
	}
	pc.models = w->models;
	if (pipeline_init(&w->p, &pc, &w->qout) != 0) {
		snprintf(err, errsz, "worker %u: cannot allocate %u flows: %s",
		    w->index, pc.flow.max_flows, strerror(errno));
		return -1;
	}
	w->has_pipeline = true;
	w->feed = &l->feeds[w->index];
	metrics_feed_init(w->feed, w->index, &(struct metrics_source){
	    .p = &w->p, .kernel_drops = &w->cap.k_drops });
	w->feed->is_pushed = true;
	w->live = l;
	atomic_init(&w->quiescent, 0);
	return 0;
}

int
live_open(struct live *l, const struct live_config *cfg,
    const struct pipeline_config *pc, struct enrich_set *es,
    const struct enrich_settings *en, struct output *out, char *err,
    size_t errsz)
{
	unsigned n = cfg->cap.n_workers ? cfg->cap.n_workers : 1;

	memset(l, 0, sizeof(*l));
	atomic_init(&l->stop, false);
	atomic_init(&l->epoch, 1);
	atomic_init(&l->n_running, 0);
	atomic_init(&l->n_set_up, 0);
	atomic_init(&l->rules, pc->rules);
	l->out = out;
	l->replay = cfg->replay;
	l->replay_stop = cfg->replay_stop;
	if (cfg->replay != NULL) {
		struct stat st;

		l->is_each = strcmp(cfg->replay->path, "-") != 0 &&
		    stat(cfg->replay->path, &st) == 0 && S_ISREG(st.st_mode);
	}
	memcpy(l->cpus, cfg->cpus, sizeof(l->cpus));
	l->n_cpus = cfg->n_cpus;
	if ((l->w = calloc(n, sizeof(*l->w))) == NULL ||
	    (l->feeds = calloc(n, sizeof(*l->feeds))) == NULL) {
		free(l->w);
		l->w = NULL;
		snprintf(err, errsz, "workers: %s", strerror(errno));
		return -1;
	}
	l->n = n;
	for (unsigned i = 0; i < n; i++) {
		l->w[i].index = i;
		l->w[i].cap.af.fd = -1;
	}
	for (unsigned i = 0; i < n; i++)
		if (open_worker(l, &l->w[i], cfg, *pc, es, en, err,
		    errsz) != 0) {
			live_close(l);
			return -1;
		}
	return 0;
}

/* A long read of the ring: records held for a model batch wait
 * LIVE_HOLD_NS at most (the clock read every LIVE_HOLD_EVERY packets). */
static void
check_held(struct live_worker *w)
{
	if (++w->n_unchecked >= LIVE_HOLD_EVERY) {
		w->n_unchecked = 0;
		if (pipeline_held_ns(&w->p) >= LIVE_HOLD_NS)
			pipeline_flush(&w->p);
	}
}

static void
on_packet(void *arg, int dlt, uint64_t ts_us, const uint8_t *data,
    uint32_t caplen, uint32_t wire_len)
{
	struct live_worker *w = arg;

	pipeline_packet(&w->p, dlt, ts_us, data, caplen, wire_len);
	check_held(w);
}

#define ST_SET(f, v)	atomic_store_explicit(&w->st.f, (v), \
			    memory_order_relaxed)

static void
publish_stats(struct live_worker *w, bool with_kernel)
{
	ST_SET(packets, w->p.stats.packets);
	ST_SET(bytes, w->p.stats.bytes);
	ST_SET(records, w->p.stats.records);
	ST_SET(flows_active, w->p.flows->n_active);
	ST_SET(flows_evicted, w->p.flows->n_ended[FLOW_END_EVICTED]);
	ST_SET(queue_waits, atomic_load_explicit(&w->q.n_full_waits,
	    memory_order_relaxed));
	if (with_kernel) {
		capture_live_update_stats(&w->cap);
		ST_SET(kernel_packets, w->cap.k_packets);
		ST_SET(kernel_drops, w->cap.k_drops);
		ST_SET(kernel_freezes, w->cap.k_freezes);
		ST_SET(if_drops, w->cap.if_drops);
	}
	/* The metrics snapshot: skipped now and then if a scrape is
	 * copying it, never waited for. */
	metrics_feed_slow_publish(w->feed);
}

/* Pin the calling worker to cpu (-1: leave it). */
static void
pin_self(unsigned index, int cpu)
{
#ifdef __linux__
	cpu_set_t set;
	int rc;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if ((rc = pthread_setaffinity_np(pthread_self(), sizeof(set),
	    &set)) != 0)
		log_warnx("worker %u: cannot pin to CPU %d: %s", index, cpu,
		    strerror(rc));
#else
	if (cpu >= 0)
		log_warnx("worker %u: --cpu-pin needs Linux", index);
#endif
}

/* Name the calling thread, as ps and top show it. */
static void
name_self(const char *name)
{
#ifdef __linux__
	pthread_setname_np(pthread_self(), name);	/* 15 characters */
#else
	(void)name;
#endif
}

/* A model set handed over by live_set_models(): swapped in, the old one
 * freed (its cache counters folded into the worker's). */
static void
take_models(struct live_worker *w)
{
	struct model_set *n = atomic_exchange(&w->models_next, NULL);

	if (n == NULL)
		return;
	w->p.verdict.models = n;
	if (w->models != NULL) {
		model_set_free(w->models);
		free(w->models);
	}
	w->models = n;
}

/* A worker's start: its thread named, pinned if asked. */
static void
start_self(struct live_worker *w)
{
	struct live *l = w->live;
	char name[32];

	snprintf(name, sizeof(name), "fpsensor-w%u", w->index);
	name_self(name);
	pin_self(w->index, l->n_cpus > 0 ? l->cpus[w->index % l->n_cpus] :
	    -1);
	atomic_fetch_add(&l->n_set_up, 1);
}

/* A quiescent point: the rules and models a reload handed over are
 * taken, and the epoch seen is published (live_grace()). */
static void
quiesce(struct live_worker *w)
{
	struct live *l = w->live;
	uint64_t epoch = atomic_load(&l->epoch);
	const struct rules *rules = atomic_load(&l->rules);

	/* Records held for a model batch are judged by the sets in use. */
	if (rules != w->p.verdict.rules ||
	    atomic_load(&w->models_next) != NULL)
		pipeline_flush(&w->p);
	w->p.verdict.rules = rules;
	take_models(w);
	atomic_store(&w->quiescent, epoch);
}

/* A worker's end, its flows ended: the last figures out, its queue
 * closed. */
static void
exit_self(struct live_worker *w)
{
	publish_stats(w, w->live->replay == NULL);
	metrics_feed_publish(w->feed);		/* the final figures */
	output_close(&w->qout);		/* closes the queue */
	atomic_store(&w->quiescent, UINT64_MAX);
	atomic_fetch_sub(&w->live->n_running, 1);
	tls_fp_thread_cleanup();
}

static void *
worker_main(void *arg)
{
	struct live_worker *w = arg;
	struct live *l = w->live;
	uint64_t last_kstats = 0, now;
	char err[512];
	int n;

	start_self(w);
	while (!atomic_load_explicit(&l->stop, memory_order_acquire)) {
		quiesce(w);
		n = capture_live_poll(&w->cap, LIVE_POLL_MS, on_packet, w, err,
		    sizeof(err));
		if (n < 0) {
			log_errx("worker %u: %s", w->index, err);
			w->has_failed = true;
			break;
		}
		now = wall_us();
		if (n == 0 && now > LIVE_TICK_LAG_US)
			pipeline_tick(&w->p, now - LIVE_TICK_LAG_US);
		pipeline_flush(&w->p);	/* the records held for a batch */
		publish_stats(w, now - last_kstats >= 1000000);
		if (now - last_kstats >= 1000000)
			last_kstats = now;
	}
	/* What the kernel queued before the stop is read, not left behind
	 * uncounted: the blocks ready within a retire period, a few rounds
	 * at most on a busy link. */
	for (int i = 0; i < LIVE_DRAIN_ROUNDS && !w->has_failed &&
	    capture_live_poll(&w->cap, LIVE_DRAIN_MS, on_packet, w, err,
	    sizeof(err)) > 0; i++)
		continue;
	pipeline_shutdown(&w->p);
	exit_self(w);
	return NULL;
}

/* Replay: hand up to LIVE_FEED_BATCH entries of the input queue to the
 * pipeline; returns how many. */
static unsigned
feed_batch(struct live_worker *w)
{
	struct feed_hdr h;
	const uint8_t *e;
	size_t len;
	unsigned n;

	for (n = 0; n < LIVE_FEED_BATCH &&
	    (e = recq_peek(&w->in, &len)) != NULL; n++) {
		memcpy(&h, e, sizeof(h));
		if (h.caplen != LIVE_FEED_IS_TICK)
			on_packet(w, h.dlt, h.ts_us, e + sizeof(h), h.caplen,
			    h.wire_len);
		else
			pipeline_tick(&w->p, h.ts_us);
		recq_pop(&w->in);
	}
	return n;
}

/* Replay: a worker reads its input queue until the reader closed it and
 * it is empty (see sensor/live.h); the stop flag is the reader's. */
static void *
replay_worker_main(void *arg)
{
	struct live_worker *w = arg;
	struct timespec nap = { 0, LIVE_FEED_NAP_NS };
	unsigned turns = 0;

	start_self(w);
	for (;;) {
		quiesce(w);
		if (feed_batch(w) > 0) {
			if (++turns % 16 == 0)
				publish_stats(w, false);
			continue;
		}
		pipeline_flush(&w->p);	/* the reader is behind, or done */
		if (recq_is_done(&w->in))
			break;
		publish_stats(w, false);
		nanosleep(&nap, NULL);
	}
	pipeline_finish(&w->p);
	exit_self(w);
	return NULL;
}

static unsigned pick(const struct live *, const struct packet *);
static unsigned pick_early(const struct live *, int, const uint8_t *,
    uint32_t);
#define PICK_UNKNOWN	UINT_MAX

/* Replay, each worker reading: a packet of the file, analysed if it
 * hashes to this worker (decoded once); the others only move time on. */
static void
own_packet(void *arg, int dlt, uint64_t ts_us, const uint8_t *data,
    uint32_t caplen, uint32_t wire_len)
{
	struct live_worker *w = arg;
	struct packet pkt;
	enum decode_status st = DECODE_OK;
	unsigned who = pick_early(w->live, dlt, data, caplen);

	pkt.ts_us = ts_us;
	pkt.wire_len = wire_len;
	if (who == PICK_UNKNOWN) {
		st = decode_packet(dlt, data, caplen, &pkt);
		who = pick(w->live, &pkt);
	} else if (who == w->index) {
		st = decode_packet(dlt, data, caplen, &pkt);
	}
	if (who == w->index) {
		pipeline_decoded(&w->p, &pkt, st);
		check_held(w);
	}
	/* Now and then, whoever's packet it was: the clock (for a worker
	 * that sees few of its own), a quiescent point, the counters. */
	if (++w->n_seen % LIVE_FEED_TICK == 0) {
		pipeline_tick(&w->p, ts_us);
		quiesce(w);
		publish_stats(w, false);
	}
}

static void *
each_worker_main(void *arg)
{
	struct live_worker *w = arg;
	enum capture_result res;

	start_self(w);
	quiesce(w);
	res = capture_run(&w->rcap, own_packet, w, w->live->replay_stop);
	if (w->index == 0) {
		w->live->replay_res = res;
		memcpy(w->live->replay->err, w->rcap.err,
		    sizeof(w->rcap.err));
		w->live->replay->n_read = w->rcap.n_read;
	}
	pipeline_finish(&w->p);
	exit_self(w);
	return NULL;
}

/* Replay: the worker a decoded packet goes to, by a symmetric hash of
 * its innermost IP addresses (worker 0 for what has none). */
static unsigned
pick_addrs(const struct live *l, const uint8_t src[16],
    const uint8_t dst[16])
{
	uint64_t a[2], b[2], h;

	memcpy(a, src, sizeof(a));
	memcpy(b, dst, sizeof(b));
	h = mix64(a[0] ^ mix64(a[1])) + mix64(b[0] ^ mix64(b[1]));
	return (unsigned)(((h >> 32) * l->n) >> 32);
}

static unsigned
pick(const struct live *l, const struct packet *pkt)
{
	return pkt->ip_version == 0 ? 0 : pick_addrs(l, pkt->src, pkt->dst);
}

/* pick() without decoding, for the common case it can settle from fixed
 * offsets: Ethernet, IPv4, TCP, whose addresses are the innermost ones
 * (nothing is tunnelled in TCP).  PICK_UNKNOWN for anything else. */
static unsigned
pick_early(const struct live *l, int dlt, const uint8_t *d, uint32_t caplen)
{
	uint8_t src[16] = { 0 }, dst[16] = { 0 };

	if (dlt != DLT_EN10MB || caplen < 14 + 20 || d[12] != 0x08 ||
	    d[13] != 0x00 || (d[14] >> 4) != 4 || (d[14] & 0x0f) < 5 ||
	    caplen < 14 + (uint32_t)(d[14] & 0x0f) * 4 || d[14 + 9] != 6)
		return PICK_UNKNOWN;
	memcpy(src, d + 14 + 12, 4);
	memcpy(dst, d + 14 + 16, 4);
	return pick_addrs(l, src, dst);
}

/* The same for a frame not decoded yet. */
static unsigned
feed_pick(const struct live *l, int dlt, const uint8_t *data,
    uint32_t caplen)
{
	struct packet pkt;
	unsigned who = pick_early(l, dlt, data, caplen);

	if (who != PICK_UNKNOWN)
		return who;
	pkt.ts_us = 0;
	pkt.wire_len = 0;
	(void)decode_packet(dlt, data, caplen, &pkt);
	return pick(l, &pkt);
}

/* Replay from a stream: one packet from the capture into its worker's
 * input queue, and every LIVE_FEED_TICK packets the time to every worker. */
static void
feed_packet(void *arg, int dlt, uint64_t ts_us, const uint8_t *data,
    uint32_t caplen, uint32_t wire_len)
{
	struct live *l = arg;
	struct feed_hdr h = { .ts_us = ts_us, .caplen = caplen,
	    .wire_len = wire_len, .dlt = dlt };

	if (recq_push2(&l->w[feed_pick(l, dlt, data, caplen)].in, &h,
	    sizeof(h), data, caplen) != 0)
		l->n_too_long++;	/* more than a quarter of a queue */
	if (++l->n_fed % LIVE_FEED_TICK != 0)
		return;
	h.caplen = LIVE_FEED_IS_TICK;
	for (unsigned i = 0; i < l->n; i++)
		(void)recq_push(&l->w[i].in, &h, sizeof(h));
}

static void *
reader_main(void *arg)
{
	struct live *l = arg;

	name_self("fpsensor-rd");
	atomic_fetch_add(&l->n_set_up, 1);
	l->replay_res = capture_run(l->replay, feed_packet, l,
	    l->replay_stop);
	for (unsigned i = 0; i < l->n; i++)
		recq_close(&l->w[i].in);
	tls_fp_thread_cleanup();
	return NULL;
}

/* Write up to LIVE_OUT_BATCH records of q; returns how many. */
static unsigned
drain_queue(struct live *l, struct recq *q)
{
	const void *rec;
	size_t len;
	unsigned n = 0;

	while (n < LIVE_OUT_BATCH && (rec = recq_peek(q, &len)) != NULL) {
		if (output_write(l->out, rec, len) != 0)
			l->n_write_errors++;
		else
			l->n_written++;
		recq_pop(q);
		n++;
	}
	return n;
}

static void *
output_main(void *arg)
{
	struct live *l = arg;
	struct timespec nap = { 0, LIVE_OUT_NAP_NS };
	bool is_dirty = false;
	unsigned idle = 0;

	name_self("fpsensor-out");
	atomic_fetch_add(&l->n_set_up, 1);
	for (;;) {
		bool all_done = true;
		unsigned n = 0;

		for (unsigned i = 0; i < l->n; i++) {
			n += drain_queue(l, &l->w[i].q);
			if (!recq_is_done(&l->w[i].q))
				all_done = false;
		}
		if (l->kafka != NULL)
			metrics_kafka_publish(l->kafka);
		if (n > 0) {
			is_dirty = true;
			continue;
		}
		/* Idle too, now and then: Kafka's delivery reports and spool
		 * are served from flush. */
		if ((is_dirty || ++idle % LIVE_OUT_IDLE_FLUSH == 0) &&
		    output_flush(l->out) != 0)
			l->n_write_errors++;
		is_dirty = false;
		if (all_done)
			break;
		nanosleep(&nap, NULL);
	}
	tls_fp_thread_cleanup();
	return NULL;
}

int
live_start(struct live *l, char *err, size_t errsz)
{
	sigset_t all, old;
	unsigned n_started = 0;
	int rc = 0;

	/* Threads inherit the mask: signals go to the caller's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (unsigned i = 0; i < l->n && rc == 0; i++) {
		struct live_worker *w = &l->w[i];

		atomic_fetch_add(&l->n_running, 1);
		if ((rc = pthread_create(&w->thread, NULL, l->is_each ?
		    each_worker_main : l->replay != NULL ?
		    replay_worker_main : worker_main, w)) != 0) {
			atomic_fetch_sub(&l->n_running, 1);
			snprintf(err, errsz, "worker %u: %s", i, strerror(rc));
		} else {
			w->is_started = true;
			n_started++;
		}
	}
	if (rc == 0 && (rc = pthread_create(&l->out_thread, NULL, output_main,
	    l)) != 0)
		snprintf(err, errsz, "output thread: %s", strerror(rc));
	else if (rc == 0) {
		l->is_out_started = true;
		n_started++;
	}
	if (rc == 0 && l->replay != NULL && !l->is_each && (rc = pthread_create(
	    &l->rd_thread, NULL, reader_main, l)) != 0)
		snprintf(err, errsz, "reader thread: %s", strerror(rc));
	else if (rc == 0 && l->replay != NULL && !l->is_each) {
		l->is_rd_started = true;
		n_started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Each thread names itself (and a worker pins itself) first thing. */
	while (atomic_load(&l->n_set_up) < n_started)
		nanosleep(&(struct timespec){ 0, 100000 }, NULL);
	return rc == 0 ? 0 : -1;
}

void
live_stop(struct live *l)
{
	atomic_store(&l->stop, true);
}

unsigned
live_running(struct live *l)
{
	return atomic_load(&l->n_running);
}

void
live_grace(struct live *l)
{
	struct timespec nap = { 0, 5000000L };
	uint64_t e = atomic_fetch_add(&l->epoch, 1) + 1;

	for (unsigned i = 0; i < l->n; i++) {
		if (!l->w[i].is_started)
			continue;
		while (atomic_load(&l->w[i].quiescent) < e)
			nanosleep(&nap, NULL);
	}
}

static void
free_set(struct model_set *ms)
{
	if (ms == NULL)
		return;
	model_set_free(ms);
	free(ms);
}

int
live_set_models(struct live *l, const struct model_set_config *cfg,
    struct metrics_rules *mr, char *err, size_t errsz)
{
	struct model_set **n;
	unsigned i;

	if ((n = calloc(l->n, sizeof(*n))) == NULL) {
		snprintf(err, errsz, "models: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < l->n; i++)
		if ((n[i] = calloc(1, sizeof(*n[i]))) == NULL ||
		    model_set_load(n[i], cfg, &l->w[i].mcount, err,
		    errsz) != 0) {
			if (n[i] == NULL)
				snprintf(err, errsz, "models: %s",
				    strerror(errno));
			free(n[i]);
			n[i] = NULL;
			break;
		}
	if (i < l->n) {
		while (i-- > 0)
			free_set(n[i]);
		free(n);
		return -1;
	}
	if (mr != NULL)
		metrics_models_set(mr, n[0]);
	/* One not taken yet (the worker waits for packets on a stopped
	 * capture): never used, freed here. */
	for (i = 0; i < l->n; i++)
		free_set(atomic_exchange(&l->w[i].models_next, n[i]));
	free(n);
	return 0;
}

void
live_model_counters(struct live *l, struct model_counters *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < l->n; i++)
		model_counters_add(c, &l->w[i].mcount, l->w[i].models);
}

void
live_set_rules(struct live *l, const struct rules *rules)
{
	atomic_store(&l->rules, rules);
	live_grace(l);
}

unsigned
live_join(struct live *l)
{
	unsigned n_failed = 0;

	live_stop(l);
	if (l->is_rd_started)
		pthread_join(l->rd_thread, NULL);
	else if (l->replay != NULL && !l->is_each)	/* never ran */
		for (unsigned i = 0; i < l->n; i++)
			recq_close(&l->w[i].in);
	l->is_rd_started = false;
	for (unsigned i = 0; i < l->n; i++) {
		struct live_worker *w = &l->w[i];

		if (w->is_started)
			pthread_join(w->thread, NULL);
		else
			recq_close(&w->q);	/* never ran: nothing queued */
		w->is_started = false;
		n_failed += w->has_failed;
	}
	if (l->is_out_started)
		pthread_join(l->out_thread, NULL);
	l->is_out_started = false;
	return n_failed;
}

/* The pipeline's --stats lines of every worker, summed key by key (every
 * worker prints the same keys in the same order). */
static void
print_totals(FILE *fp, struct live *l)
{
	char *key[LIVE_STATS_KEYS];
	uint64_t sum[LIVE_STATS_KEYS];
	size_t n_keys = 0;

	for (unsigned i = 0; i < l->n; i++) {
		char *buf = NULL, *line, *save = NULL;
		size_t len = 0, k = 0;
		FILE *m = open_memstream(&buf, &len);

		if (m == NULL)
			return;
		stats_print(m, &l->w[i].p);
		fclose(m);
		for (line = strtok_r(buf, "\n", &save); line != NULL &&
		    k < LIVE_STATS_KEYS; line = strtok_r(NULL, "\n", &save)) {
			char *eq = strchr(line, '=');

			if (eq == NULL)
				continue;
			*eq = '\0';
			if (i == 0) {
				key[k] = strdup(line);
				sum[k] = 0;
				n_keys = k + 1;
			}
			if (k < n_keys && key[k] != NULL &&
			    strcmp(key[k], line) == 0)
				sum[k] += strtoull(eq + 1, NULL, 10);
			k++;
		}
		free(buf);
	}
	for (size_t k = 0; k < n_keys; k++) {
		if (key[k] != NULL)
			fprintf(fp, "%s=%" PRIu64 "\n", key[k], sum[k]);
		free(key[k]);
	}
}

void
live_stats_print(FILE *fp, struct live *l)
{
	static const char *const names[] = { "packets", "bytes", "records",
	    "kernel_packets", "kernel_drops", "kernel_freezes", "if_drops",
	    "queue_waits", "flows_active", "flows_evicted" };
	uint64_t total[sizeof(names) / sizeof(*names)] = { 0 };

	print_totals(fp, l);
	for (unsigned i = 0; i < l->n; i++) {
		const struct live_worker_stats *st = &l->w[i].st;
		const _Atomic uint64_t *v[] = { &st->packets, &st->bytes,
		    &st->records, &st->kernel_packets, &st->kernel_drops,
		    &st->kernel_freezes, &st->if_drops, &st->queue_waits,
		    &st->flows_active, &st->flows_evicted };

		for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++) {
			uint64_t x = atomic_load(v[k]);

			if (l->replay != NULL && k >= 3 && k <= 6)
				continue;	/* no kernel in a replay */
			fprintf(fp, "worker%u_%s=%" PRIu64 "\n", i, names[k],
			    x);
			total[k] += x;
		}
	}
	for (size_t k = l->replay != NULL ? 7 : 3; k < 8; k++)
		fprintf(fp, "%s=%" PRIu64 "\n", names[k], total[k]);
	if (l->replay != NULL)
		fprintf(fp, "replay_too_long=%" PRIu64 "\n", l->n_too_long);
	fprintf(fp, "workers=%u\n", l->n);
	fprintf(fp, "records_written=%" PRIu64 "\n", l->n_written);
	fprintf(fp, "records_write_errors=%" PRIu64 "\n", l->n_write_errors);
}

void
live_close(struct live *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		struct live_worker *w = &l->w[i];

		if (w->has_pipeline)
			pipeline_free(&w->p);
		free_set(w->models);
		free_set(atomic_exchange(&w->models_next, NULL));
		w->models = NULL;
		if (w->feed != NULL)
			metrics_feed_free(w->feed);
		recq_free(&w->q);
		recq_free(&w->in);
		if (w->has_rcap)
			capture_close(&w->rcap);
		enrich_worker_free(&w->en);
		capture_live_close(&w->cap);
	}
	free(l->w);
	free(l->feeds);
	l->w = NULL;
	l->feeds = NULL;
	l->n = 0;
}

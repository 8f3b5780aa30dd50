/* sensor/output_kafka.c: the Kafka output (librdkafka) and its spool. */
#include "config.h"

#include "sensor/output_kafka.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sensor/spool.h"

int
kafka_config_add(struct kafka_config *cfg, const char *kv, char *err,
    size_t errlen)
{
	const char *eq = strchr(kv, '=');

	if (eq == NULL || eq == kv) {
		snprintf(err, errlen, "--kafka-conf '%s': expected KEY=VALUE",
		    kv);
		return -1;
	}
	if (cfg->n_conf == KAFKA_MAX_CONF) {
		snprintf(err, errlen, "--kafka-conf '%s': more than %d "
		    "settings", kv, KAFKA_MAX_CONF);
		return -1;
	}
	cfg->conf[cfg->n_conf++] = kv;
	return 0;
}

size_t
kafka_record_key(const char *rec, size_t len, char *dst, size_t dstsz)
{
	static const char pat[] = "\"client\":{\"ip\":\"";
	const char *p, *end = rec + len;
	size_t n = 0;

	/* The pipeline writes "client" before any analyzer output, and a
	 * quote inside a string value is escaped, so the first match is the
	 * record's own client endpoint. */
	if (dstsz == 0)
		return 0;
	dst[0] = '\0';
	p = memmem(rec, len, pat, sizeof(pat) - 1);
	if (p == NULL)
		return 0;
	p += sizeof(pat) - 1;
	while (p < end && *p != '"' && *p != '\\' && n + 1 < dstsz)
		dst[n++] = *p++;
	if (p == end || *p != '"') {
		dst[0] = '\0';
		return 0;
	}
	dst[n] = '\0';
	return n;
}

void
kafka_stats_print(FILE *fp, const struct kafka_stats *st)
{
#define P(name, v) fprintf(fp, "kafka_%s=%" PRIu64 "\n", name, (uint64_t)(v))
	P("produced", st->produced);
	P("delivered", st->delivered);
	P("failed", st->failed);
	P("rejected", st->rejected);
	P("spooled", st->spooled);
	P("spool_replayed", st->spool_replayed);
	P("spool_drops", st->spool_drops);
	P("spool_records", st->spool_records);
	P("spool_bytes", st->spool_bytes);
	P("spool_truncated", st->spool_truncated);
#undef P
}

#ifdef HAVE_RDKAFKA

#include <librdkafka/rdkafka.h>

#include "kafka_conf.h"

#define KAFKA_WINDOW_MAX	1024		/* spool records in flight */
#define KAFKA_WINDOW_BYTES	(8u << 20)
#define KAFKA_BACKOFF_MIN_MS	250
#define KAFKA_BACKOFF_MAX_MS	30000
#define KAFKA_KEY_MAX		64
#define KAFKA_POLL_EVERY	32	/* writes between report polls */

enum slot_state { SLOT_PENDING, SLOT_OK, SLOT_FAILED };

struct kafka_slot {
	struct spool_pos pos;
	enum slot_state	 state;
};

struct output_kafka {
	rd_kafka_t	*rk;
	rd_kafka_topic_t *rkt;
	struct spool	*spool;		/* NULL without --spool-dir */
	struct kafka_stats *st;		/* borrowed */
	char		 sensor_id[256];
	char		 model_version[64];
	char		 spool_dir[256];
	uint32_t	 flush_timeout_ms;
	bool		 spooling;	/* new records go behind the spool */
	bool		 warned_down;
	/* The spool window: records read from the spool and produced. */
	struct kafka_slot win[KAFKA_WINDOW_MAX];
	size_t		 win_n;
	size_t		 win_pending;
	/* Records past the acknowledged position that were delivered by a
	 * window that failed further back: not sent again. */
	uint8_t		 done[KAFKA_WINDOW_MAX];
	uint64_t	 done_base;
	uint64_t	 retry_at_ms;
	uint32_t	 backoff_ms;
	uint64_t	 n_writes;
	uint64_t	 last_poll_ms;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Errors that sending again cannot fix: the record is counted as rejected
 * and not spooled, or it would block the spool for ever. */
static bool
is_permanent(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
	case RD_KAFKA_RESP_ERR_INVALID_RECORD:
	case RD_KAFKA_RESP_ERR_INVALID_MSG:
	case RD_KAFKA_RESP_ERR__INVALID_ARG:
		return true;
	default:
		return false;
	}
}

static void
update_spool_gauges(struct output_kafka *ko)
{
	const struct spool_stats *ss;

	if (ko->spool == NULL)
		return;
	ss = spool_stats(ko->spool);
	ko->st->spool_records = ss->records;
	ko->st->spool_bytes = ss->bytes;
	ko->st->spool_truncated = ss->n_truncated;
}

/* Put a record in the spool.  Returns 0, or -1 when it is lost. */
static int
spool_put(struct output_kafka *ko, const void *rec, size_t len)
{
	int rc;

	if (ko->spool == NULL) {
		ko->st->spool_drops++;
		log_warnx("kafka: a record could not be delivered and there "
		    "is no --spool-dir: record lost");
		return -1;
	}
	if ((rc = spool_append(ko->spool, rec, len)) != 0) {
		ko->st->spool_drops++;
		if (rc == -ENOSPC)
			log_warnx("kafka: spool %s is full: record dropped",
			    ko->spool_dir);
		else
			log_warnx("kafka: spool %s: %s: record dropped",
			    ko->spool_dir, strerror(-rc));
		return -1;
	}
	ko->st->spooled++;
	update_spool_gauges(ko);
	return 0;
}

static void
start_spooling(struct output_kafka *ko, const char *why)
{
	if (ko->spooling || ko->spool == NULL)
		return;
	ko->spooling = true;
	log_warnx("kafka: %s: records go to spool %s until the broker "
	    "takes them", why, ko->spool_dir);
}

/* Delivery report, called from rd_kafka_poll() in this thread. */
static void
on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct output_kafka *ko = opaque;
	struct kafka_slot *slot = m->_private;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		ko->st->delivered++;
		if (slot != NULL) {
			slot->state = SLOT_OK;
			ko->st->spool_replayed++;
			ko->win_pending--;
		}
		return;
	}
	ko->st->failed++;
	if (is_permanent(m->err)) {
		ko->st->rejected++;
		log_warnx("kafka: broker refused a record for good: %s",
		    rd_kafka_err2str(m->err));
		if (slot != NULL) {
			slot->state = SLOT_OK;	/* nothing more to do */
			ko->win_pending--;
		}
		return;
	}
	if (slot != NULL) {
		slot->state = SLOT_FAILED;	/* still in the spool */
		ko->win_pending--;
		return;
	}
	start_spooling(ko, rd_kafka_err2str(m->err));
	spool_put(ko, m->payload, m->len);
}

static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void)opaque;
	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		char buf[512];

		rd_kafka_fatal_error(rk, buf, sizeof(buf));
		log_errx("kafka: fatal producer error: %s", buf);
	} else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		log_warnx("kafka: %s", reason);
	else
		log_info("kafka: %s: %s", rd_kafka_err2name(err), reason);
}

/* librdkafka's own log lines: connection failures repeat every second while
 * the broker is away, so they are info, below the default level. */
static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= 2)
		log_warnx("kafka: %s: %s", fac, buf);
	else if (level <= 6)
		log_info("kafka: %s: %s", fac, buf);
	else
		log_debug("kafka: %s: %s", fac, buf);
}

/* "schema_version" is the first member of every record. */
static size_t
record_schema_version(const char *rec, size_t len, char *dst, size_t dstsz)
{
	static const char pat[] = "{\"schema_version\":";
	size_t n = 0, i = sizeof(pat) - 1;

	if (len > i && memcmp(rec, pat, i) == 0)
		while (i < len && rec[i] >= '0' && rec[i] <= '9' &&
		    n + 1 < dstsz)
			dst[n++] = rec[i++];
	dst[n] = '\0';
	return n;
}

static rd_kafka_resp_err_t
produce(struct output_kafka *ko, const char *rec, size_t len,
    struct kafka_slot *slot)
{
	char key[KAFKA_KEY_MAX], ver[16];
	size_t klen = kafka_record_key(rec, len, key, sizeof(key));

	if (record_schema_version(rec, len, ver, sizeof(ver)) == 0)
		strcpy(ver, "unknown");
	return rd_kafka_producev(ko->rk,
	    RD_KAFKA_V_RKT(ko->rkt),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_VALUE((void *)(uintptr_t)rec, len),
	    RD_KAFKA_V_KEY(klen ? key : NULL, klen),
	    RD_KAFKA_V_HEADER("schema_version", ver, -1),
	    RD_KAFKA_V_HEADER("sensor_id", ko->sensor_id, -1),
	    RD_KAFKA_V_HEADER("model_version", ko->model_version, -1),
	    RD_KAFKA_V_OPAQUE(slot),
	    RD_KAFKA_V_END);
}

/* A window has all its reports: acknowledge the delivered prefix; on a
 * failure remember what was delivered past it and back off. */
static void
window_done(struct output_kafka *ko, uint64_t now)
{
	size_t k = 0;
	int rc;

	while (k < ko->win_n && ko->win[k].state == SLOT_OK)
		k++;
	if (k > 0 && (rc = spool_ack(ko->spool, &ko->win[k - 1].pos)) != 0)
		log_warnx("kafka: spool %s: cannot save the position: %s",
		    ko->spool_dir, strerror(-rc));
	if (k == ko->win_n) {
		ko->backoff_ms = 0;
		ko->win_n = 0;
		memset(ko->done, 0, sizeof(ko->done));
		if (ko->warned_down) {
			log_warnx("kafka: broker reachable again, spool "
			    "%s: %" PRIu64 " records left", ko->spool_dir,
			    spool_pending(ko->spool));
			ko->warned_down = false;
		}
		update_spool_gauges(ko);
		return;
	}
	memset(ko->done, 0, sizeof(ko->done));
	ko->done_base = ko->win[k].pos.ordinal;
	for (size_t j = k + 1; j < ko->win_n; j++)
		if (ko->win[j].state == SLOT_OK)
			ko->done[ko->win[j].pos.ordinal - ko->done_base] = 1;
	ko->win_n = 0;
	spool_rewind(ko->spool);
	ko->backoff_ms = ko->backoff_ms == 0 ? KAFKA_BACKOFF_MIN_MS :
	    ko->backoff_ms * 2;
	if (ko->backoff_ms > KAFKA_BACKOFF_MAX_MS)
		ko->backoff_ms = KAFKA_BACKOFF_MAX_MS;
	ko->retry_at_ms = now + ko->backoff_ms;
	if (!ko->warned_down) {
		log_warnx("kafka: cannot deliver the spool yet, retrying in "
		    "the background (%" PRIu64 " records in %s)",
		    spool_pending(ko->spool), ko->spool_dir);
		ko->warned_down = true;
	}
	update_spool_gauges(ko);
}

/* Move the spool along: finish a window whose reports are in, start the
 * next one when the backoff allows, leave spooling mode once empty. */
static void
drain(struct output_kafka *ko)
{
	uint64_t now = now_ms();
	size_t bytes = 0;

	if (ko->spool == NULL)
		return;
	if (ko->win_n > 0) {
		if (ko->win_pending > 0)
			return;
		window_done(ko, now);
	}
	if (now < ko->retry_at_ms)
		return;
	while (ko->win_n < KAFKA_WINDOW_MAX && bytes < KAFKA_WINDOW_BYTES) {
		struct kafka_slot *slot = &ko->win[ko->win_n];
		const void *rec;
		size_t len;
		uint64_t rel;
		int rc = spool_read(ko->spool, &rec, &len, &slot->pos);

		if (rc == 0)
			break;
		if (rc < 0) {
			log_warnx("kafka: spool %s: %s", ko->spool_dir,
			    strerror(-rc));
			ko->retry_at_ms = now + KAFKA_BACKOFF_MAX_MS;
			break;
		}
		ko->win_n++;
		rel = slot->pos.ordinal - ko->done_base;
		if (slot->pos.ordinal >= ko->done_base &&
		    rel < KAFKA_WINDOW_MAX && ko->done[rel]) {
			slot->state = SLOT_OK;	/* delivered last time */
			continue;
		}
		if (produce(ko, rec, len, slot) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			/* Queue full (or worse): this one is sent again. */
			slot->state = SLOT_FAILED;
			break;
		}
		slot->state = SLOT_PENDING;
		ko->win_pending++;
		ko->st->produced++;
		bytes += len;
	}
	if (ko->win_n > 0 && ko->win_pending == 0)
		window_done(ko, now);
	if (ko->win_n == 0 && spool_pending(ko->spool) == 0 && ko->spooling) {
		ko->spooling = false;
		log_info("kafka: spool %s is empty, sending directly again",
		    ko->spool_dir);
	}
}

static int
kafka_write(struct output *o, const char *rec, size_t len)
{
	struct output_kafka *ko = o->impl;
	rd_kafka_resp_err_t err;
	uint64_t now;

	if (len > 0 && rec[len - 1] == '\n')
		len--;
	/* Delivery reports every KAFKA_POLL_EVERY records or 100 ms: they
	 * wait in a queue meanwhile, and a poll costs a lock round trip. */
	now = now_ms();
	if (++ko->n_writes % KAFKA_POLL_EVERY == 0 || ko->spooling ||
	    now - ko->last_poll_ms >= 100) {
		ko->last_poll_ms = now;
		rd_kafka_poll(ko->rk, 0);
		drain(ko);
	}
	if (ko->spooling)
		return spool_put(ko, rec, len);
	err = produce(ko, rec, len, NULL);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		ko->st->produced++;
		return 0;
	}
	if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
		ko->st->rejected++;
		log_warnx("kafka: record of %zu bytes is larger than "
		    "message.max.bytes: dropped", len);
		return -1;
	}
	start_spooling(ko, rd_kafka_err2str(err));
	return spool_put(ko, rec, len);
}

/* Idle (live capture): serve delivery reports and send the spool, at most
 * every 100 ms. */
static int
kafka_flush(struct output *o)
{
	struct output_kafka *ko = o->impl;
	uint64_t now = now_ms();

	if (now - ko->last_poll_ms >= 100) {
		ko->last_poll_ms = now;
		rd_kafka_poll(ko->rk, 0);
		drain(ko);
	}
	return 0;
}

/* Wait (bounded) for the queue and the spool to empty; then whatever is
 * still queued is purged, its reports putting it in the spool. */
static int
kafka_close(struct output *o)
{
	struct output_kafka *ko = o->impl;
	uint64_t deadline = now_ms() + ko->flush_timeout_ms;
	int rc = 0;

	for (;;) {
		rd_kafka_poll(ko->rk, 20);
		drain(ko);
		if (rd_kafka_outq_len(ko->rk) == 0 && ko->win_n == 0 &&
		    (ko->spool == NULL || spool_pending(ko->spool) == 0))
			break;
		if (now_ms() >= deadline)
			break;
	}
	if (rd_kafka_outq_len(ko->rk) > 0) {
		uint64_t until = now_ms() + 5000;

		rd_kafka_purge(ko->rk, RD_KAFKA_PURGE_F_QUEUE |
		    RD_KAFKA_PURGE_F_INFLIGHT);
		while (rd_kafka_outq_len(ko->rk) > 0 && now_ms() < until)
			rd_kafka_poll(ko->rk, 20);
		rd_kafka_poll(ko->rk, 0);
	}
	if (ko->spool != NULL && ko->win_n > 0 && ko->win_pending == 0)
		window_done(ko, now_ms());
	update_spool_gauges(ko);
	if (ko->spool != NULL && spool_close(ko->spool) != 0) {
		log_warnx("kafka: spool %s: cannot sync", ko->spool_dir);
		rc = -1;
	}
	rd_kafka_topic_destroy(ko->rkt);
	rd_kafka_destroy(ko->rk);
	free(ko);
	o->impl = NULL;
	return rc;
}

static rd_kafka_conf_t *
make_conf(const struct kafka_config *cfg, struct output_kafka *ko,
    char *err, size_t errlen)
{
	static const char *const defaults[][2] = {
		{ "client.id", "fpsensor" },
		{ "enable.idempotence", "true" },
		{ "acks", "all" },
		{ "compression.codec", "lz4" },
		{ "message.timeout.ms", "10000" },
		/* The broker thread only times messages out when it is
		 * awake: keep its reconnect sleeps short. */
		{ "reconnect.backoff.max.ms", "1000" },
		{ "linger.ms", "5" },
		{ "socket.keepalive.enable", "true" },
		{ "log.connection.close", "false" },
	};
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	if (kafka_conf_set(conf, "bootstrap.servers", cfg->brokers, err,
	    errlen) != 0 ||
	    kafka_conf_apply(conf, defaults, sizeof(defaults) /
	    sizeof(defaults[0]), cfg->conf, cfg->n_conf, err, errlen) != 0)
		goto fail;
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_opaque(conf, ko);
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

int
output_kafka_open(struct output *o, const struct kafka_config *cfg,
    struct kafka_stats *stats, char *err, size_t errlen)
{
	struct output_kafka *ko;
	rd_kafka_conf_t *conf;
	char why[512];

	memset(o, 0, sizeof(*o));
	memset(stats, 0, sizeof(*stats));
	if (cfg->brokers == NULL || cfg->topic == NULL) {
		snprintf(err, errlen, "Kafka output needs brokers and a topic");
		return -1;
	}
	if ((ko = calloc(1, sizeof(*ko))) == NULL) {
		snprintf(err, errlen, "Kafka output: %s", strerror(errno));
		return -1;
	}
	ko->st = stats;
	ko->flush_timeout_ms = cfg->flush_timeout_ms;
	if (cfg->sensor_id != NULL)
		snprintf(ko->sensor_id, sizeof(ko->sensor_id), "%s",
		    cfg->sensor_id);
	else if (gethostname(ko->sensor_id, sizeof(ko->sensor_id) - 1) != 0)
		strcpy(ko->sensor_id, "unknown");
	snprintf(ko->model_version, sizeof(ko->model_version), "%s",
	    cfg->model_version ? cfg->model_version : "none");
	if ((conf = make_conf(cfg, ko, err, errlen)) == NULL)
		goto fail;
	if ((ko->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why,
	    sizeof(why))) == NULL) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "kafka settings: %s", why);
		goto fail;
	}
	if ((ko->rkt = rd_kafka_topic_new(ko->rk, cfg->topic, NULL)) == NULL) {
		snprintf(err, errlen, "kafka topic %s: %s", cfg->topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}
	if (cfg->spool_dir != NULL) {
		struct spool_config sc = {
			.dir = cfg->spool_dir,
			.max_bytes = cfg->spool_max_bytes,
			.segment_bytes = cfg->spool_segment_bytes,
		};

		snprintf(ko->spool_dir, sizeof(ko->spool_dir), "%s",
		    cfg->spool_dir);
		if ((ko->spool = spool_open(&sc, err, errlen)) == NULL)
			goto fail;
		update_spool_gauges(ko);
		if (spool_pending(ko->spool) > 0) {
			ko->spooling = true;
			log_warnx("kafka: spool %s holds %" PRIu64 " records "
			    "from an earlier run: sending them first",
			    ko->spool_dir, spool_pending(ko->spool));
		}
	} else
		log_info("kafka: no --spool-dir: records the broker does not "
		    "take in time are lost");
	o->name = "kafka";
	o->impl = ko;
	o->write = kafka_write;
	o->close = kafka_close;
	o->flush = kafka_flush;
	return 0;
fail:
	if (ko->rkt != NULL)
		rd_kafka_topic_destroy(ko->rkt);
	if (ko->rk != NULL)
		rd_kafka_destroy(ko->rk);
	free(ko);
	return -1;
}

bool
output_kafka_available(void)
{
	return true;
}

#else /* !HAVE_RDKAFKA */

int
output_kafka_open(struct output *o, const struct kafka_config *cfg,
    struct kafka_stats *stats, char *err, size_t errlen)
{
	(void)cfg;
	memset(o, 0, sizeof(*o));
	memset(stats, 0, sizeof(*stats));
	snprintf(err, errlen, "this fpsensor was built without librdkafka: "
	    "the Kafka output (--kafka-brokers) is not available");
	return -1;
}

bool
output_kafka_available(void)
{
	return false;
}

#endif

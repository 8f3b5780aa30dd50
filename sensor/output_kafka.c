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

int
kafka_spool_mode_parse(const char *s, enum kafka_spool_mode *mode)
{
	if (strcmp(s, "wal") == 0)
		*mode = KAFKA_SPOOL_WAL;
	else if (strcmp(s, "overflow") == 0)
		*mode = KAFKA_SPOOL_OVERFLOW;
	else
		return -1;
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
	P("wal_records", st->wal_records);
	P("unlogged", st->unlogged);
#undef P
}

#ifdef HAVE_RDKAFKA

#include <librdkafka/rdkafka.h>

#include "kafka_conf.h"

#define KAFKA_WINDOW_MAX	1024	/* spool records in flight while
					   the broker is being probed */
#define KAFKA_RING_OVERFLOW	4096	/* records in flight from the spool */
#define KAFKA_RING_WAL		(1u << 17)	/* all records in flight */
#define KAFKA_BACKOFF_MIN_MS	250
#define KAFKA_BACKOFF_MAX_MS	30000
#define KAFKA_KEY_MAX		64
#define KAFKA_POLL_EVERY	64	/* writes between report polls */
#define KAFKA_TICK_MS		100	/* and at least this often */
#define KAFKA_POS_SAVE_MS	200	/* spool.pos written at most so often */
#define KAFKA_WAL_SEG_BYTES	(4u << 20)	/* segments reused sooner */

enum slot_state { SLOT_PENDING, SLOT_OK, SLOT_FAILED };

/* A record of the spool handed to librdkafka; its delivery report finds it
 * through the message's opaque pointer. */
struct kafka_slot {
	struct spool_pos pos;
	enum slot_state	 state;
	bool		 from_disk;	/* read back, not sent at write */
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
	bool		 wal;		/* every record written ahead */
	bool		 spooling;	/* overflow: new records go behind
					   the spool */
	bool		 warned_down;
	/*
	 * Spool records in flight, by ordinal (spool_pos.ordinal) modulo
	 * ring_cap: [ack_ord, next_ord) were produced (or found delivered
	 * before), each PENDING, OK or FAILED; ack_ord is the first one not
	 * acknowledged in the spool.  After a failure nothing more is
	 * produced until every report is in; then the spool is rewound to
	 * ack_ord and sent again from there, the records below known_end
	 * that were delivered (OK) skipped.
	 */
	struct kafka_slot *ring;
	size_t		 ring_cap;	/* a power of two */
	uint64_t	 ack_ord;
	uint64_t	 next_ord;
	uint64_t	 known_end;
	size_t		 pending;	/* PENDING slots */
	bool		 failed;	/* a FAILED slot since the rewind */
	uint64_t	 retry_at_ms;
	uint32_t	 backoff_ms;
	uint64_t	 n_writes;
	uint64_t	 last_poll_ms;
	uint64_t	 last_save_ms;
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

static struct kafka_slot *
slot_of(struct output_kafka *ko, uint64_t ordinal)
{
	return &ko->ring[ordinal & (ko->ring_cap - 1)];
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

static void
log_spool_error(struct output_kafka *ko, int rc)
{
	if (rc == -ENOSPC)
		log_warnx("kafka: spool %s is full: record dropped",
		    ko->spool_dir);
	else
		log_warnx("kafka: spool %s: %s: record dropped",
		    ko->spool_dir, strerror(-rc));
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
		log_spool_error(ko, rc);
		return -1;
	}
	ko->st->spooled++;
	update_spool_gauges(ko);
	return 0;
}

static void
start_spooling(struct output_kafka *ko, const char *why)
{
	if (ko->spooling || ko->spool == NULL || ko->wal)
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
	bool ok = m->err == RD_KAFKA_RESP_ERR_NO_ERROR;

	(void)rk;
	if (ok)
		ko->st->delivered++;
	else
		ko->st->failed++;
	if (!ok && is_permanent(m->err)) {
		ko->st->rejected++;
		log_warnx("kafka: broker refused a record for good: %s",
		    rd_kafka_err2str(m->err));
		ok = true;			/* nothing more to do */
	}
	if (slot != NULL) {
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && slot->from_disk)
			ko->st->spool_replayed++;
		slot->state = ok ? SLOT_OK : SLOT_FAILED;
		ko->failed |= !ok;
		ko->pending--;
		return;
	}
	if (ok)
		return;
	/* Sent without a spool copy (overflow mode, or the spool was full):
	 * it goes there now. */
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
	rd_kafka_resp_err_t err;

	if (record_schema_version(rec, len, ver, sizeof(ver)) == 0)
		strcpy(ver, "unknown");
	err = rd_kafka_producev(ko->rk,
	    RD_KAFKA_V_RKT(ko->rkt),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_VALUE((void *)(uintptr_t)rec, len),
	    RD_KAFKA_V_KEY(klen ? key : NULL, klen),
	    RD_KAFKA_V_HEADER("schema_version", ver, -1),
	    RD_KAFKA_V_HEADER("sensor_id", ko->sensor_id, -1),
	    RD_KAFKA_V_HEADER("model_version", ko->model_version, -1),
	    RD_KAFKA_V_OPAQUE(slot),
	    RD_KAFKA_V_END);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
		ko->st->produced++;
	return err;
}

/* Produce the spool record at slot->pos.  A record librdkafka does not
 * take (queue full) is FAILED: sent again after the rewind. */
static void
produce_slot(struct output_kafka *ko, struct kafka_slot *slot,
    const char *rec, size_t len)
{
	rd_kafka_resp_err_t err = produce(ko, rec, len, slot);

	ko->next_ord = slot->pos.ordinal + 1;
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		slot->state = SLOT_PENDING;
		ko->pending++;
		return;
	}
	if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
		ko->st->rejected++;
		log_warnx("kafka: record of %zu bytes is larger than "
		    "message.max.bytes: dropped", len);
		slot->state = SLOT_OK;
		return;
	}
	slot->state = SLOT_FAILED;
	ko->failed = true;
}

/* Acknowledge in the spool the delivered prefix of the records in flight. */
static void
advance(struct output_kafka *ko)
{
	uint64_t k = ko->ack_ord;
	int rc;

	while (k < ko->next_ord && slot_of(ko, k)->state == SLOT_OK)
		k++;
	if (k == ko->ack_ord)
		return;
	if ((rc = spool_advance(ko->spool, &slot_of(ko, k - 1)->pos)) != 0)
		log_warnx("kafka: spool %s: cannot move past delivered "
		    "records: %s", ko->spool_dir, strerror(-rc));
	ko->ack_ord = k;
	update_spool_gauges(ko);
}

/* Every report of a failed round is in: send again from the first record
 * not delivered, after a pause that doubles each time. */
static void
rewind_spool(struct output_kafka *ko, uint64_t now)
{
	if (ko->next_ord > ko->known_end)
		ko->known_end = ko->next_ord;
	ko->next_ord = ko->ack_ord;
	ko->failed = false;
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
	if (ko->wal)
		spool_sync(ko->spool);	/* it may hold them a while */
}

/* A round that had failed went through whole: back to full speed. */
static void
recovered(struct output_kafka *ko)
{
	ko->backoff_ms = 0;
	if (ko->warned_down) {
		log_warnx("kafka: broker reachable again, spool %s: %" PRIu64
		    " records left", ko->spool_dir, spool_pending(ko->spool));
		ko->warned_down = false;
	}
}

/* How many more spool records may be in flight now. */
static uint64_t
room(const struct output_kafka *ko)
{
	uint64_t cap = ko->backoff_ms > 0 ? KAFKA_WINDOW_MAX : ko->ring_cap;
	uint64_t used = ko->next_ord - ko->ack_ord;

	return used >= cap ? 0 : cap - used;
}

/* Read spool records not sent yet and produce them, as room allows. */
static void
send_from_spool(struct output_kafka *ko, uint64_t now)
{
	uint64_t n = room(ko);

	while (n-- > 0 && !ko->failed) {
		struct kafka_slot tmp, *slot;
		const void *rec = NULL;
		size_t len = 0;
		int rc = spool_read(ko->spool, &rec, &len, &tmp.pos);

		if (rc == 0)
			break;
		if (rc < 0) {
			log_warnx("kafka: spool %s: %s", ko->spool_dir,
			    strerror(-rc));
			ko->retry_at_ms = now + KAFKA_BACKOFF_MAX_MS;
			break;
		}
		slot = slot_of(ko, tmp.pos.ordinal);
		if (tmp.pos.ordinal < ko->known_end &&
		    slot->state == SLOT_OK) {
			slot->pos = tmp.pos;	/* delivered last round */
			ko->next_ord = tmp.pos.ordinal + 1;
			continue;
		}
		slot->pos = tmp.pos;
		slot->from_disk = true;
		produce_slot(ko, slot, rec, len);
	}
}

/* Move the spool along: acknowledge what was delivered, rewind after a
 * failure once every report is in, send what waits in the spool when the
 * backoff allows, and leave overflow spooling once the spool is empty. */
static void
drain(struct output_kafka *ko)
{
	uint64_t now = now_ms();

	if (ko->spool == NULL)
		return;
	advance(ko);
	if (ko->failed) {
		if (ko->pending > 0)
			return;
		rewind_spool(ko, now);
	} else if (ko->backoff_ms > 0 && ko->ack_ord >= ko->known_end)
		recovered(ko);
	if (now >= ko->retry_at_ms)
		send_from_spool(ko, now);
	if (now - ko->last_save_ms >= KAFKA_POS_SAVE_MS) {
		int rc = spool_save_pos(ko->spool);

		if (rc != 0)
			log_warnx("kafka: spool %s: cannot save the "
			    "position: %s", ko->spool_dir, strerror(-rc));
		ko->last_save_ms = now;
	}
	if (ko->spooling && ko->next_ord == ko->ack_ord &&
	    spool_pending(ko->spool) == 0) {
		ko->spooling = false;
		log_info("kafka: spool %s is empty, sending directly again",
		    ko->spool_dir);
	}
}

/* Records in the spool that are not in flight. */
static uint64_t
unsent(const struct output_kafka *ko)
{
	if (ko->spool == NULL)
		return 0;
	return spool_pending(ko->spool) - (ko->next_ord - ko->ack_ord);
}

/* Write-ahead: the record goes to the spool first (page cache: it survives
 * the process being killed), then to librdkafka from memory when nothing
 * older waits in the spool; otherwise it is read back in its turn. */
static int
wal_write(struct output_kafka *ko, const char *rec, size_t len)
{
	struct kafka_slot tmp;
	int rc = spool_append(ko->spool, rec, len);

	if (rc != 0) {
		/* No room on disk: sent without its copy if nothing waits
		 * in the spool (so in order); lost otherwise. */
		if (!ko->failed && ko->backoff_ms == 0 &&
		    spool_pending(ko->spool) == ko->next_ord - ko->ack_ord &&
		    produce(ko, rec, len, NULL) == RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (ko->st->unlogged++ == 0)
				log_warnx("kafka: spool %s: %s: records are "
				    "sent without their copy there (lost if "
				    "fpsensor is killed before delivery)",
				    ko->spool_dir, strerror(-rc));
			return 0;
		}
		ko->st->spool_drops++;
		log_spool_error(ko, rc);
		return -1;
	}
	ko->st->wal_records++;
	if (!ko->failed && room(ko) > 0 && spool_take(ko->spool, &tmp.pos)) {
		struct kafka_slot *slot = slot_of(ko, tmp.pos.ordinal);

		slot->pos = tmp.pos;
		slot->from_disk = false;
		produce_slot(ko, slot, rec, len);
		return 0;
	}
	ko->st->spooled++;		/* waits its turn in the spool */
	return 0;
}

static int
kafka_write(struct output *o, const char *rec, size_t len)
{
	struct output_kafka *ko = o->impl;
	rd_kafka_resp_err_t err;
	uint64_t now;

	if (len > 0 && rec[len - 1] == '\n')
		len--;
	/* Delivery reports every KAFKA_POLL_EVERY records or KAFKA_TICK_MS:
	 * they wait in a queue meanwhile, and a poll costs a lock round
	 * trip. */
	now = now_ms();
	if (++ko->n_writes % KAFKA_POLL_EVERY == 0 || ko->spooling ||
	    now - ko->last_poll_ms >= KAFKA_TICK_MS ||
	    (ko->wal && unsent(ko) > 0)) {
		ko->last_poll_ms = now;
		rd_kafka_poll(ko->rk, 0);
		drain(ko);
	}
	if (ko->wal)
		return wal_write(ko, rec, len);
	if (ko->spooling)
		return spool_put(ko, rec, len);
	err = produce(ko, rec, len, NULL);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
		return 0;
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
 * still queued is purged, its reports putting it in the spool (write-ahead:
 * leaving it there). */
static int
kafka_close(struct output *o)
{
	struct output_kafka *ko = o->impl;
	uint64_t deadline = now_ms() + ko->flush_timeout_ms;
	int rc = 0;

	for (;;) {
		rd_kafka_poll(ko->rk, 20);
		drain(ko);
		if (rd_kafka_outq_len(ko->rk) == 0 &&
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
	if (ko->spool != NULL)
		advance(ko);
	update_spool_gauges(ko);
	if (ko->spool != NULL && spool_close(ko->spool) != 0) {
		log_warnx("kafka: spool %s: cannot sync", ko->spool_dir);
		rc = -1;
	}
	rd_kafka_topic_destroy(ko->rkt);
	rd_kafka_destroy(ko->rk);
	free(ko->ring);
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
	ko->wal = cfg->spool_dir != NULL &&
	    cfg->spool_mode == KAFKA_SPOOL_WAL;
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
			.segment_bytes = cfg->spool_segment_bytes ?
			    cfg->spool_segment_bytes : ko->wal ?
			    KAFKA_WAL_SEG_BYTES : 0,
			/* Delivered and deleted long before the kernel
			 * writes them back, most of the time. */
			.no_sync_on_roll = ko->wal,
		};

		snprintf(ko->spool_dir, sizeof(ko->spool_dir), "%s",
		    cfg->spool_dir);
		ko->ring_cap = ko->wal ? KAFKA_RING_WAL : KAFKA_RING_OVERFLOW;
		if ((ko->ring = calloc(ko->ring_cap,
		    sizeof(*ko->ring))) == NULL) {
			snprintf(err, errlen, "Kafka output: %s",
			    strerror(errno));
			goto fail;
		}
		if ((ko->spool = spool_open(&sc, err, errlen)) == NULL)
			goto fail;
		update_spool_gauges(ko);
		if (spool_pending(ko->spool) > 0) {
			ko->spooling = !ko->wal;
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
	free(ko->ring);
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

/* sink/consumer.c: the consumer group and the dead-letter producer. */
#include "sink/consumer.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "kafka_conf.h"

#define DLQ_VALUE_MAX	(64u * 1024)	/* oversized messages are cut */

struct consumer {
	rd_kafka_t	*rk;
	rd_kafka_t	*dlq;
	rd_kafka_topic_t *dlq_rkt;
	rd_kafka_message_t **batch;
	struct consumer_msg *msgs;		/* parallel to batch */
	size_t		 n;
	size_t		 cap;
	bool		 is_assigned;
	uint64_t	 dlq_pending;
	uint64_t	 dlq_failed;
	struct sink_stats *st;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
consumer_drop(struct consumer *c)
{
	for (size_t i = 0; i < c->n; i++)
		rd_kafka_message_destroy(c->batch[i]);
	c->n = 0;
}

static void
on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct consumer *c = opaque;
	bool is_coop = strcmp(rd_kafka_rebalance_protocol(rk),
	    "COOPERATIVE") == 0;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		log_info("kafka: %d partitions assigned", parts->cnt);
		c->is_assigned = true;
		if (is_coop)
			rd_kafka_error_destroy(rd_kafka_incremental_assign(rk,
			    parts));
		else
			rd_kafka_assign(rk, parts);
		return;
	}
	/* Revoked: what was read from them and not committed is read again
	 * by their next owner. */
	log_info("kafka: %d partitions revoked, %zu uncommitted messages "
	    "dropped", parts->cnt, c->n);
	consumer_drop(c);
	c->is_assigned = false;
	if (is_coop)
		rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk,
		    parts));
	else
		rd_kafka_assign(rk, NULL);
}

static void
on_dlq_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct consumer *c = opaque;

	(void)rk;
	c->dlq_pending--;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		c->dlq_failed++;
		log_warnx("kafka: dead letter not delivered: %s",
		    rd_kafka_err2str(m->err));
	}
}

static void
on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	(void)rk;
	if (level <= 2)
		log_warnx("kafka: %s: %s", fac, buf);
	else
		log_info("kafka: %s: %s", fac, buf);
}

static void
on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
	    err == RD_KAFKA_RESP_ERR__FATAL)
		log_warnx("kafka: %s", reason);
	else
		log_info("kafka: %s: %s", rd_kafka_err2name(err), reason);
}

/* Defaults, then the user's --kafka-conf (which win). */
static rd_kafka_conf_t *
make_conf(const struct sink_config *cfg, const char *const (*defs)[2],
    size_t n_defs, char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	if (kafka_conf_apply(conf, defs, n_defs, cfg->conf, cfg->n_conf, err,
	    errlen) != 0)
		goto fail;
	rd_kafka_conf_set_log_cb(conf, on_log);
	rd_kafka_conf_set_error_cb(conf, on_error);
	return conf;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

struct consumer *
consumer_new(const struct sink_config *cfg, struct sink_stats *st, char *err,
    size_t errlen)
{
	const char *const cdefs[][2] = {
		{ "bootstrap.servers", cfg->brokers },
		{ "group.id", cfg->group },
		{ "client.id", "fpsink" },
		{ "enable.auto.commit", "false" },
		{ "enable.auto.offset.store", "false" },
		{ "auto.offset.reset", "earliest" },
		{ "enable.partition.eof", "false" },
		{ "max.poll.interval.ms", "600000" },
		{ "reconnect.backoff.max.ms", "1000" },
		{ "log.connection.close", "false" },
	};
	const char *const pdefs[][2] = {
		{ "bootstrap.servers", cfg->brokers },
		{ "client.id", "fpsink-dlq" },
		{ "enable.idempotence", "true" },
		{ "acks", "all" },
		{ "message.timeout.ms", "30000" },
		{ "log.connection.close", "false" },
	};
	struct consumer *c;
	rd_kafka_conf_t *conf;
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_resp_err_t kerr;
	char why[512];

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->st = st;
	c->cap = cfg->batch_size;
	c->batch = calloc(c->cap, sizeof(*c->batch));
	c->msgs = calloc(c->cap, sizeof(*c->msgs));
	if (c->batch == NULL || c->msgs == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((conf = make_conf(cfg, cdefs, sizeof(cdefs) / sizeof(cdefs[0]),
	    err, errlen)) == NULL)
		goto fail;
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rd_kafka_conf_set_opaque(conf, c);
	if ((c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why,
	    sizeof(why))) == NULL) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "kafka consumer settings: %s", why);
		goto fail;
	}
	rd_kafka_poll_set_consumer(c->rk);
	if ((conf = make_conf(cfg, pdefs, sizeof(pdefs) / sizeof(pdefs[0]),
	    err, errlen)) == NULL)
		goto fail;
	rd_kafka_conf_set_dr_msg_cb(conf, on_dlq_delivery);
	rd_kafka_conf_set_opaque(conf, c);
	if ((c->dlq = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why,
	    sizeof(why))) == NULL) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "kafka dead-letter producer settings: %s",
		    why);
		goto fail;
	}
	c->dlq_rkt = rd_kafka_topic_new(c->dlq, cfg->dlq_topic, NULL);
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, cfg->topic,
	    RD_KAFKA_PARTITION_UA);
	kerr = rd_kafka_subscribe(c->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(err, errlen, "kafka: subscribe to %s: %s", cfg->topic,
		    rd_kafka_err2str(kerr));
		goto fail;
	}
	return c;
fail:
	consumer_close(c);
	return NULL;
}

/* Header values are untrusted and end up in text columns: printable ASCII
 * only, the rest becomes '?'. */
static void
header(rd_kafka_headers_t *h, const char *name, char *dst, size_t dstsz)
{
	const void *val;
	size_t len, n = 0;

	dst[0] = '\0';
	if (h == NULL || rd_kafka_header_get_last(h, name, &val, &len) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR || val == NULL)
		return;
	for (size_t i = 0; i < len && n + 1 < dstsz; i++) {
		unsigned char ch = ((const unsigned char *)val)[i];

		dst[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	dst[n] = '\0';
}

size_t
consumer_fill(struct consumer *c, size_t max_n, uint32_t max_ms,
    volatile sig_atomic_t *stop)
{
	uint64_t until = now_ms() + max_ms;

	if (max_n > c->cap)
		max_n = c->cap;
	while (c->n < max_n && !*stop) {
		uint64_t now = now_ms();
		rd_kafka_message_t *m;
		rd_kafka_headers_t *h = NULL;
		struct consumer_msg *cm;

		if (now >= until)
			break;
		m = rd_kafka_consumer_poll(c->rk, (int)(until - now > 100 ?
		    100 : until - now));
		if (m == NULL)
			continue;
		if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				c->st->kafka_errors++;
				log_warnx("kafka: %s",
				    rd_kafka_message_errstr(m));
			}
			rd_kafka_message_destroy(m);
			continue;
		}
		cm = &c->msgs[c->n];
		c->batch[c->n++] = m;
		cm->payload = m->payload;
		cm->len = m->payload != NULL ? m->len : 0;
		if (rd_kafka_message_headers(m, &h) !=
		    RD_KAFKA_RESP_ERR_NO_ERROR)
			h = NULL;
		header(h, "sensor_id", cm->sensor_id, sizeof(cm->sensor_id));
		header(h, "model_version", cm->model_version,
		    sizeof(cm->model_version));
	}
	return c->n;
}

bool
consumer_is_assigned(const struct consumer *c)
{
	return c->is_assigned;
}

const struct consumer_msg *
consumer_msg(const struct consumer *c, size_t i)
{
	return &c->msgs[i];
}

int
consumer_dead_letter(struct consumer *c, size_t i, const char *reason,
    const char *detail)
{
	const rd_kafka_message_t *m = c->batch[i];
	char part[16], off[24], olen[24];
	size_t len = m->payload != NULL ? m->len : 0;
	rd_kafka_resp_err_t err;

	snprintf(part, sizeof(part), "%" PRId32, m->partition);
	snprintf(off, sizeof(off), "%" PRId64, m->offset);
	snprintf(olen, sizeof(olen), "%zu", len);
	err = rd_kafka_producev(c->dlq,
	    RD_KAFKA_V_RKT(c->dlq_rkt),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_VALUE(m->payload, len > DLQ_VALUE_MAX ? DLQ_VALUE_MAX :
	    len),
	    RD_KAFKA_V_KEY(m->key, m->key_len),
	    RD_KAFKA_V_HEADER("dlq_reason", reason, -1),
	    RD_KAFKA_V_HEADER("dlq_detail", detail, -1),
	    RD_KAFKA_V_HEADER("dlq_source_topic", rd_kafka_topic_name(m->rkt),
	    -1),
	    RD_KAFKA_V_HEADER("dlq_source_partition", part, -1),
	    RD_KAFKA_V_HEADER("dlq_source_offset", off, -1),
	    RD_KAFKA_V_HEADER("dlq_original_length", olen, -1),
	    RD_KAFKA_V_END);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		log_warnx("kafka: dead letter: %s", rd_kafka_err2str(err));
		return -1;
	}
	c->dlq_pending++;
	return 0;
}

int
consumer_dead_letters_flush(struct consumer *c, int timeout_ms)
{
	int rc;

	if (c->dlq_pending == 0 && c->dlq_failed == 0)
		return 0;			/* nothing sent: no wait */
	rd_kafka_flush(c->dlq, timeout_ms);
	rd_kafka_poll(c->dlq, 0);
	rc = c->dlq_pending == 0 && c->dlq_failed == 0 ? 0 : -1;
	if (rc != 0 && c->dlq_pending > 0)
		log_warnx("kafka: %" PRIu64 " dead letters not delivered in "
		    "time", c->dlq_pending);
	c->dlq_failed = 0;
	return rc;
}

int
consumer_commit(struct consumer *c)
{
	rd_kafka_topic_partition_list_t *offs;
	rd_kafka_resp_err_t err;

	if (c->n == 0)
		return 0;
	offs = rd_kafka_topic_partition_list_new(8);
	for (size_t i = 0; i < c->n; i++) {
		const rd_kafka_message_t *m = c->batch[i];
		const char *topic = rd_kafka_topic_name(m->rkt);
		rd_kafka_topic_partition_t *tp;

		tp = rd_kafka_topic_partition_list_find(offs, topic,
		    m->partition);
		if (tp == NULL)
			tp = rd_kafka_topic_partition_list_add(offs, topic,
			    m->partition);
		if (tp->offset < m->offset + 1)
			tp->offset = m->offset + 1;
	}
	err = rd_kafka_commit(c->rk, offs, 0);
	rd_kafka_topic_partition_list_destroy(offs);
	consumer_drop(c);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		c->st->commit_errors++;
		log_warnx("kafka: offset commit failed: %s (the batch will be "
		    "read again; Postgres keeps one row per event_id)",
		    rd_kafka_err2str(err));
		return -1;
	}
	c->st->commits++;
	return 0;
}

void
consumer_close(struct consumer *c)
{
	if (c == NULL)
		return;
	if (c->rk != NULL) {
		consumer_drop(c);
		rd_kafka_consumer_close(c->rk);
		rd_kafka_destroy(c->rk);
	}
	if (c->dlq != NULL) {
		rd_kafka_flush(c->dlq, 5000);
		if (c->dlq_rkt != NULL)
			rd_kafka_topic_destroy(c->dlq_rkt);
		rd_kafka_destroy(c->dlq);
	}
	free(c->batch);
	free(c->msgs);
	free(c);
}

size_t
consumer_lag(struct consumer *c, struct consumer_lag *out, size_t max)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	size_t n = 0;

	if (rd_kafka_assignment(c->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return 0;
	if (rd_kafka_position(c->rk, parts) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_topic_partition_list_destroy(parts);
		return 0;
	}
	for (int i = 0; i < parts->cnt && n < max; i++) {
		const rd_kafka_topic_partition_t *tp = &parts->elems[i];
		int64_t lo, hi;

		if (rd_kafka_get_watermark_offsets(c->rk, tp->topic,
		    tp->partition, &lo, &hi) != RD_KAFKA_RESP_ERR_NO_ERROR ||
		    hi < 0)
			continue;
		snprintf(out[n].topic, sizeof(out[n].topic), "%s", tp->topic);
		out[n].partition = tp->partition;
		/* No position yet: everything from the low mark is to come. */
		out[n].lag = tp->offset >= 0 ? (hi > tp->offset ?
		    hi - tp->offset : 0) : hi - (lo > 0 ? lo : 0);
		n++;
	}
	rd_kafka_topic_partition_list_destroy(parts);
	return n;
}

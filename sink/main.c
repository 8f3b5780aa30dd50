/* sink/main.c: fpsink's command line, setup, the batch loop, teardown. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>

#include "lib/config.h"
#include "metrics_http.h"
#include "log.h"
#include "opt.h"
#include "sink/consumer.h"
#include "sink/pg.h"
#include "sink/record.h"
#include "sink/redis.h"
#include "sink/sink.h"
#include "sink/sink_metrics.h"

/* Exit codes, documented in fpsink(8). */
#define EXIT_RUNTIME	1	/* gave up at run time */
#define EXIT_DATABASE	2	/* --migrate-only: database unusable */
#define EXIT_USAGE	64	/* bad command line or configuration */

#define BACKOFF_MIN_MS		250
#define BACKOFF_MAX_MS		30000
#define RETENTION_EVERY_MS	(3600u * 1000)
#define DLQ_FLUSH_MS		30000

static volatile sig_atomic_t stop_requested;

struct sink {
	struct sink_config cfg;
	struct sink_stats st;
	struct consumer	*kc;
	struct pg	*pg;
	struct rds	*rds;
	struct sink_msg	*msgs;		/* cfg.batch_size */
	char		 backlog_key[256];	/* fp_redis_backlog.consumer */
	bool		 has_backlog;	/* Redis latest keys to catch up */
	bool		 stats;
	uint64_t	 next_retention_ms;
	const char	*sink_id;
	const char	*metrics_addr;	/* --metrics ADDR:PORT */
	struct metrics_http *mh;	/* NULL: no endpoint */
	struct sink_metrics met;
	struct sink_batch_hist hist;
	unsigned	 verbose;
	struct cfg	 opts;		/* owns the file's strings */
};

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sleep ms, waking early when a stop is asked for. */
static void
nap(uint32_t ms)
{
	while (ms > 0 && !stop_requested) {
		uint32_t step = ms > 100 ? 100 : ms;
		struct timespec ts = { 0, (long)step * 1000000 };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* The loop's figures to the metrics endpoint; ready once the consumer
 * and Postgres are up. */
static void
publish(struct sink *s)
{
	if (s->mh == NULL)
		return;
	sink_metrics_publish(&s->met, &s->st, &s->hist, s->kc);
	metrics_http_set_ready(s->mh, s->kc != NULL && s->pg != NULL &&
	    pg_is_connected(s->pg));
}

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: fpsink -b LIST -t NAME --pg CONNINFO [options]\n"
"\n"
"Reads fpsensor records from a Kafka consumer group into Postgres (history,\n"
"partitioned by day) and Redis (latest record per client, counters).\n"
"\n"
"  -b, --kafka-brokers LIST   bootstrap brokers (host:port,...)\n"
"  -t, --kafka-topic NAME     topic of the records\n"
"      --kafka-group ID       consumer group (default: fpsink)\n"
"      --kafka-conf KEY=VALUE librdkafka setting (SASL, TLS, ...), repeatable\n"
"      --dlq-topic NAME       dead-letter topic (default: TOPIC.dlq)\n"
"      --pg CONNINFO          libpq connection string or URI\n"
"      --redis HOST:PORT      Redis for the latest records (default: none)\n"
"      --redis-ttl SEC        lifetime of fp:client:<ip> (default: 604800)\n"
"      --redis-auth-file FILE Redis password, read from FILE\n"
"      --retention-days N     drop day partitions older than N days\n"
"                             (default: 30; 0 keeps everything)\n"
"      --batch-size N         messages per batch (default: 1000)\n"
"      --batch-ms MS          longest wait to fill a batch (default: 500)\n"
"      --max-message-bytes N  larger messages are dead letters\n"
"                             (default: 1048576)\n"
"      --sink-id ID           this sink in fp_redis_backlog (default: host)\n"
"      --idle-exit SEC        exit when no message came for SEC seconds\n"
"                             (counted once partitions are assigned)\n"
"      --precreate-days N     create the partitions of today and the next\n"
"                             N days ahead (default: 1)\n"
"      --migrate-only         create or migrate the schema, create the\n"
"                             partitions ahead, apply the retention, exit\n"
"      --stats                print counters to stderr at exit\n"
"      --config FILE          read options from a YAML file (fpsink.yaml,\n"
"                             see fpsensor.yaml(5)); flags override it\n"
"      --check-config         check the options, print 'config ok', exit\n"
"      --metrics ADDR:PORT    serve Prometheus /metrics, /healthz, /readyz\n"
"  -v, --verbose              more log lines (repeat for debug)\n"
"  -V, --version              print the version and exit\n"
"  -h, --help                 print this help and exit\n"
"\n"
"Exit status: 0 success, 1 gave up at run time, 2 database unusable with\n"
"--migrate-only, 64 usage error.  See fpsink(8).\n");
}

enum {
	OPT_CONF = 256, OPT_REDIS, OPT_REDIS_AUTH,
};

/* Every option, once: getopt_long, the keys of fpsink.yaml and their
 * checks come from here (lib/config.h).  An option that sets a field is one
 * line with OPT(field); one that needs code has an OPT_ id and a case in
 * apply_option(). */
#define OPT(field)	CFG_FIELD(struct sink, field)
static const struct cfg_option sink_opts[] = {
	{ "kafka-brokers", 'b', CFG_STRING, 0, 0, 0, 0, OPT(cfg.brokers) },
	{ "kafka-topic", 't', CFG_STRING, 0, 0, 0, 0, OPT(cfg.topic) },
	{ "kafka-group", 0, CFG_STRING, 0, 0, 0, 0, OPT(cfg.group) },
	{ "kafka-conf", 0, CFG_KV, OPT_CONF, 0, 0, 0, 0, 0 },
	{ "dlq-topic", 0, CFG_STRING, 0, 0, 0, 0, OPT(cfg.dlq_topic) },
	{ "pg", 0, CFG_STRING, 0, 0, 0, 0, OPT(cfg.pg_conninfo) },
	{ "redis", 0, CFG_STRING, OPT_REDIS, 0, 0, 0, 0, 0 },
	{ "redis-ttl", 0, CFG_NUMBER, 0, 1, 365u * 86400, 0,
	    OPT(cfg.redis_ttl_s) },
	{ "redis-auth-file", 0, CFG_FILE, OPT_REDIS_AUTH, 0, 0, 0, 0, 0 },
	{ "precreate-days", 0, CFG_NUMBER, 0, 0, 366, 0,
	    OPT(cfg.precreate_days) },
	{ "retention-days", 0, CFG_NUMBER, 0, 0, 36500, 0,
	    OPT(cfg.retention_days) },
	{ "batch-size", 0, CFG_NUMBER, 0, 1, 100000, 0, OPT(cfg.batch_size) },
	{ "batch-ms", 0, CFG_NUMBER, 0, 1, 60000, 0, OPT(cfg.batch_ms) },
	{ "max-message-bytes", 0, CFG_NUMBER, 0, 1024, 64u << 20, 0,
	    OPT(cfg.max_message_bytes) },
	{ "sink-id", 0, CFG_STRING, 0, 0, 0, 0, OPT(sink_id) },
	{ "idle-exit", 0, CFG_NUMBER, 0, 1, 86400, 0, OPT(cfg.idle_exit_s) },
	{ "migrate-only", 0, CFG_FLAG, 0, 0, 0, 0, OPT(cfg.migrate_only) },
	{ "stats", 0, CFG_FLAG, 0, 0, 0, 0, OPT(stats) },
	{ "test-commit-delay-ms", 0, CFG_NUMBER, 0, 0, 600000, 0,
	    OPT(cfg.test_commit_delay_ms) },
	{ "metrics", 0, CFG_STRING, 0, 0, 0, 0, OPT(metrics_addr) },
	{ "verbose", 'v', CFG_COUNT, 0, 0, 3, 0, OPT(verbose) },
	{ "config", 0, CFG_FILE, 0, 0, 0, CFG_F_CLI_ONLY, 0, 0 },
	{ "check-config", 0, CFG_FLAG, 0, 0, 0, CFG_F_CLI_ONLY, 0, 0 },
	{ "version", 'V', CFG_FLAG, 'V', 0, 0, CFG_F_CLI_ONLY | CFG_F_NOW, 0,
	    0 },
	{ "help", 'h', CFG_FLAG, 'h', 0, 0, CFG_F_CLI_ONLY | CFG_F_NOW, 0, 0 },
};
#undef OPT


/* The first line of path, for a password: a loader-side failure. */
static const char *
read_secret(const struct cfg_value *v)
{
	static char buf[512];
	const char *path = v->str;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		cfg_die(v, "%s: %s", path, strerror(errno));
	if (fgets(buf, sizeof(buf), fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0')
		cfg_die(v, "%s: empty", path);
	return buf;
}

/* HOST:PORT, [v6]:PORT; the host part is written into s. */
static void
parse_redis(const struct cfg_value *v, struct sink_config *cfg)
{
	static char buf[300];
	char *s = buf, *colon;
	uint64_t port;

	snprintf(buf, sizeof(buf), "%s", v->str);
	colon = strrchr(s, ':');
	if (colon == NULL || colon == s)
		cfg_die(v, "'%s' is not HOST:PORT", s);
	*colon = '\0';
	if (opt_parse_number(colon + 1, 1, 65535, &port) != 0)
		cfg_die(v, "'%s' is not a port from 1 to 65535", colon + 1);
	cfg->redis_port = (int)port;
	if (s[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		s++;
	}
	cfg->redis_host = s;
}

static void
usage_err(void)
{
	usage(stderr);
}

/* One value of the command line or the file, checked by the table, for
 * the options that are more than a field. */
static void
apply_option(void *arg, const struct cfg_value *v)
{
	struct sink *s = arg;
	struct sink_config *cfg = &s->cfg;
	const char *a = v->str;

	switch (v->opt->id) {
	case OPT_CONF:
		if (strchr(a, '=') == NULL || a[0] == '=')
			cfg_die(v, "'%s': expected KEY=VALUE", a);
		if (cfg->n_conf == SINK_MAX_CONF)
			cfg_die(v, "more than %d", SINK_MAX_CONF);
		cfg->conf[cfg->n_conf++] = a;
		break;
	case OPT_REDIS: parse_redis(v, cfg); break;
	case OPT_REDIS_AUTH: cfg->redis_password = read_secret(v); break;
	case 'V':
		printf("fpsink %s\n", PACKAGE_VERSION);
		exit(0);
	case 'h': usage(stdout); exit(0);
	}
}

static void
parse_args(int argc, char **argv, struct sink *s)
{
	struct sink_config *cfg = &s->cfg;
	static char dlq[512], host[128];

	memset(s, 0, sizeof(*s));
	cfg->group = "fpsink";
	cfg->redis_ttl_s = 7 * 86400;
	cfg->retention_days = 30;
	cfg->precreate_days = 1;
	cfg->batch_size = 1000;
	cfg->batch_ms = 500;
	cfg->max_message_bytes = 1u << 20;
	cfg_init(&s->opts, "fpsink", sink_opts,
	    sizeof(sink_opts) / sizeof(sink_opts[0]));
	cfg_parse_argv(&s->opts, argc, argv, apply_option, s, usage_err);
	cfg_apply(&s->opts, apply_option, s);
	if (cfg->pg_conninfo == NULL)
		fatalx(EXIT_USAGE, "no database: give --pg CONNINFO");
	if (!cfg->migrate_only && (cfg->brokers == NULL || cfg->topic == NULL))
		fatalx(EXIT_USAGE, "give --kafka-brokers and --kafka-topic");
	if (cfg->dlq_topic == NULL && cfg->topic != NULL) {
		snprintf(dlq, sizeof(dlq), "%s.dlq", cfg->topic);
		cfg->dlq_topic = dlq;
	}
	if (cfg->dlq_topic != NULL && cfg->topic != NULL &&
	    strcmp(cfg->dlq_topic, cfg->topic) == 0)
		fatalx(EXIT_USAGE, "--dlq-topic must differ from "
		    "--kafka-topic");
	if (s->sink_id == NULL) {
		if (gethostname(host, sizeof(host) - 1) != 0)
			strcpy(host, "fpsink");
		s->sink_id = host;
	}
	snprintf(s->backlog_key, sizeof(s->backlog_key), "%s/%s", cfg->group,
	    s->sink_id);
	log_set_level(s->verbose >= 2 ? LOG_LEVEL_DEBUG : s->verbose ?
	    LOG_LEVEL_INFO : LOG_LEVEL_WARN);
}

static void
print_stats(FILE *fp, const struct sink_stats *st)
{
#define P(name, v) fprintf(fp, "%s=%" PRIu64 "\n", name, (uint64_t)(v))
	P("consumed", st->consumed);
	P("valid", st->valid);
	P("inserted", st->inserted);
	P("duplicates", st->duplicates);
	P("expired", st->expired);
	P("dead_letters", st->dead_letters);
	for (int i = 1; i < REC_N_STATUS; i++)
		fprintf(fp, "invalid_%s=%" PRIu64 "\n",
		    rec_status_name((enum rec_status)i), st->invalid[i]);
	P("oversized", st->oversized);
	P("batches", st->batches);
	P("pg_errors", st->pg_errors);
	P("redis_errors", st->redis_errors);
	P("redis_catchups", st->redis_catchups);
	P("commits", st->commits);
	P("commit_errors", st->commit_errors);
	P("partitions_created", st->partitions_created);
	P("partitions_dropped", st->partitions_dropped);
	P("models_announced", st->models_announced);
	P("kafka_errors", st->kafka_errors);
#undef P
}

/* Connect to Postgres, retrying with backoff until it works or a stop is
 * asked for.  Returns 0 or -1 (stopped). */
static int
pg_up(struct sink *s)
{
	uint32_t backoff = BACKOFF_MIN_MS;
	bool said = false;

	while (!stop_requested) {
		if (pg_connect(s->pg) == 0) {
			if (said)
				log_warnx("postgres: connected again");
			return 0;
		}
		s->st.pg_errors++;
		if (!said)
			log_warnx("postgres: %s (retrying)", pg_error(s->pg));
		said = true;
		publish(s);
		nap(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		    backoff * 2;
	}
	return -1;
}

/* Check every message of the batch: valid ones into s->msgs, the others to
 * the dead-letter topic.  Returns the number of valid ones. */
static size_t
sort_batch(struct sink *s, size_t n)
{
	size_t nv = 0;

	for (size_t i = 0; i < n; i++) {
		const struct consumer_msg *cm = consumer_msg(s->kc, i);
		struct sink_msg *m = &s->msgs[nv];
		enum rec_status st;

		s->st.consumed++;
		if (cm->len > s->cfg.max_message_bytes) {
			s->st.oversized++;
			s->st.dead_letters++;
			consumer_dead_letter(s->kc, i, "oversized",
			    "larger than --max-message-bytes");
			continue;
		}
		st = rec_parse(cm->payload, cm->len, &m->f);
		if (st != REC_OK) {
			s->st.invalid[st]++;
			s->st.dead_letters++;
			log_debug("dead letter: %s: %s", rec_status_name(st),
			    m->f.why);
			consumer_dead_letter(s->kc, i, rec_status_name(st),
			    m->f.why);
			continue;
		}
		m->json = (const char *)cm->payload;
		m->len = cm->len;
		while (m->len > 0 && m->json[m->len - 1] == '\n')
			m->len--;
		snprintf(m->sensor_id, sizeof(m->sensor_id), "%s",
		    cm->sensor_id);
		snprintf(m->model_version, sizeof(m->model_version), "%s",
		    m->f.model_version[0] != '\0' ? m->f.model_version :
		    cm->model_version);
		s->st.valid++;
		nv++;
	}
	return nv;
}

/* Store the batch in Postgres, retrying until it worked or a stop is asked
 * for.  Returns 0 or -1 (stopped). */
static int
store(struct sink *s, size_t nv)
{
	uint32_t backoff = BACKOFF_MIN_MS;
	bool said = false;

	/* Tried at least once: a batch read before SIGTERM is stored. */
	do {
		const char *backlog = s->has_backlog ? s->backlog_key : NULL;

		if (pg_is_connected(s->pg) || pg_up(s) == 0) {
			if (pg_write(s->pg, s->msgs, nv, backlog) == 0) {
				if (said)
					log_warnx("postgres: batch stored "
					    "after retrying");
				return 0;
			}
			s->st.pg_errors++;
			if (!said)
				log_warnx("postgres: %s (retrying the batch, "
				    "offsets not committed)", pg_error(s->pg));
			said = true;
		}
		publish(s);
		nap(backoff);
		backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
		    backoff * 2;
	} while (!stop_requested);
	return -1;
}

static int
catchup_one(void *arg, const char *record, size_t len, const char *sensor_id,
    const char *model_version)
{
	struct sink *s = arg;
	struct sink_msg m;

	memset(&m, 0, sizeof(m));
	if (rec_parse((const uint8_t *)record, len, &m.f) != REC_OK)
		return 0;		/* cannot happen: it was valid */
	m.json = record;
	m.len = len;
	snprintf(m.sensor_id, sizeof(m.sensor_id), "%s", sensor_id);
	snprintf(m.model_version, sizeof(m.model_version), "%s",
	    model_version);
	if (rds_queue_latest(s->rds, &m) != 0)
		return -1;
	s->st.redis_catchups++;
	return 0;
}

/* Redis is reachable again: rewrite the latest keys of every client seen
 * since the backlog began, from Postgres. */
static void
catch_up(struct sink *s)
{
	int64_t from;
	int rc = pg_backlog_get(s->pg, s->backlog_key, &from);

	if (rc < 0) {
		log_warnx("postgres: %s", pg_error(s->pg));
		return;
	}
	if (rc > 0) {
		uint64_t before = s->st.redis_catchups;

		if (pg_latest_since(s->pg, from, catchup_one, s) != 0 ||
		    rds_flush(s->rds) != 0) {
			log_warnx("redis catch-up: %s", pg_error(s->pg));
			return;
		}
		if (pg_backlog_clear(s->pg, s->backlog_key) != 0) {
			log_warnx("postgres: %s", pg_error(s->pg));
			return;
		}
		log_warnx("redis: caught up the latest record of %" PRIu64
		    " clients from Postgres", s->st.redis_catchups - before);
	}
	s->has_backlog = false;
}

/* After Postgres: Redis, best effort.  A failure leaves a backlog marker so
 * the latest keys are rewritten from Postgres later. */
static void
update_redis(struct sink *s, size_t nv)
{
	if (s->rds == NULL)
		return;
	if (!rds_ready(s->rds)) {
		s->has_backlog = true;
		/* The batch was stored with the marker when the outage was
		 * already known; otherwise mark now. */
		if (pg_backlog_mark_last(s->pg, s->backlog_key) != 0)
			log_warnx("postgres: %s", pg_error(s->pg));
		return;
	}
	if (s->has_backlog)
		catch_up(s);
	if (s->has_backlog || rds_write(s->rds, s->msgs, nv) != 0) {
		s->has_backlog = true;
		if (pg_backlog_mark_last(s->pg, s->backlog_key) != 0)
			log_warnx("postgres: %s", pg_error(s->pg));
	}
}

/* One batch from the topic to the stores; offsets committed last. */
static void
run_batch(struct sink *s, size_t n)
{
	uint64_t t0 = now_ms(), t1, t2, t3;
	size_t nv = sort_batch(s, n);

	sink_batch_observe(&s->hist, n);
	if (consumer_dead_letters_flush(s->kc, DLQ_FLUSH_MS) != 0) {
		/* Not committed: the batch is read again after a restart or
		 * rebalance; meanwhile this run goes on. */
		log_warnx("kafka: dead letters not delivered; batch not "
		    "committed");
		consumer_drop(s->kc);
		return;
	}
	t1 = now_ms();
	if (store(s, nv) != 0) {
		consumer_drop(s->kc);		/* stopping: read again later */
		return;
	}
	t2 = now_ms();
	update_redis(s, nv);
	t3 = now_ms();
	s->st.batches++;
	if (s->cfg.test_commit_delay_ms > 0) {
		log_warnx("test: batch stored, committing offsets in %u ms",
		    s->cfg.test_commit_delay_ms);
		nap(s->cfg.test_commit_delay_ms);
	}
	consumer_commit(s->kc);
	log_debug("batch: %zu messages, %zu valid: checked in %" PRIu64
	    " ms, postgres %" PRIu64 " ms, redis %" PRIu64 " ms, commit %"
	    PRIu64 " ms", n, nv, t1 - t0, t2 - t1, t3 - t2, now_ms() - t3);
}

static void
maybe_retention(struct sink *s)
{
	uint64_t now = now_ms();

	if (now < s->next_retention_ms || !pg_is_connected(s->pg))
		return;
	s->next_retention_ms = now + RETENTION_EVERY_MS;
	if (pg_precreate(s->pg, s->cfg.precreate_days) != 0 ||
	    pg_retention(s->pg) != 0)
		log_warnx("postgres: %s", pg_error(s->pg));
}

static int
migrate_only(struct sink *s)
{
	if (pg_connect(s->pg) != 0) {
		log_errx("postgres: %s", pg_error(s->pg));
		return EXIT_DATABASE;
	}
	if (pg_precreate(s->pg, s->cfg.precreate_days) != 0 ||
	    pg_retention(s->pg) != 0) {
		log_errx("postgres: %s", pg_error(s->pg));
		return EXIT_DATABASE;
	}
	printf("schema version %d\n", pg_schema_version());
	return 0;
}

/* "FILE:L:C: key 'x': " for a value from the configuration file. */
static const char *
from_file(const struct sink *s, const char *name)
{
	return cfg_prefix(&s->opts, name);
}

/*
 * --check-config: the librdkafka settings, the Postgres connection string,
 * the metrics address (the Redis password file was read already).  No
 * connection is made.  Exits 0 with "config ok", or 64 with the error.
 */
static _Noreturn void
check_config(struct sink *s)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	PQconninfoOption *pq;
	char err[512], *perr = NULL;

	for (size_t i = 0; i < s->cfg.n_conf; i++) {
		char kv[1024], *eq;

		snprintf(kv, sizeof(kv), "%s", s->cfg.conf[i]);
		eq = strchr(kv, '=');
		*eq = '\0';
		if (rd_kafka_conf_set(conf, kv, eq + 1, err, sizeof(err)) !=
		    RD_KAFKA_CONF_OK)
			fatalx(EXIT_USAGE, "%s: %s: %s", cfg_where_quoted(
			    &s->opts, "kafka-conf", s->cfg.conf[i]), kv, err);
	}
	rd_kafka_conf_destroy(conf);
	if ((pq = PQconninfoParse(s->cfg.pg_conninfo, &perr)) == NULL)
		fatalx(EXIT_USAGE, "%s--pg: %s", from_file(s, "pg"),
		    perr != NULL ? perr : "out of memory");
	PQconninfoFree(pq);
	if (s->metrics_addr != NULL && metrics_check_addr(s->metrics_addr,
	    err, sizeof(err)) != 0)
		fatalx(EXIT_USAGE, "%s--metrics %s", from_file(s, "metrics"),
		    err);
	cfg_free(&s->opts);
	printf("config ok\n");
	exit(0);
}

static void
start_metrics(struct sink *s)
{
	char err[512];

	sink_metrics_init(&s->met);
	if (s->metrics_addr == NULL)
		return;
	if ((s->mh = metrics_http_start(s->metrics_addr, err,
	    sizeof(err))) == NULL)
		fatalx(EXIT_USAGE, "%s--metrics %s", from_file(s, "metrics"),
		    err);
	if (sink_metrics_register(s->mh, &s->met) != 0)
		fatalx(EXIT_USAGE, "metrics: too many collectors");
	log_info("metrics: serving http://%s/metrics (port %u)",
	    s->metrics_addr, metrics_http_port(s->mh));
	publish(s);
}

int
main(int argc, char **argv)
{
	struct sink s;
	struct sigaction sa;
	char err[1024];
	uint64_t last_msg_ms;
	int status = 0;

	log_init("fpsink", LOG_LEVEL_WARN);
	parse_args(argc, argv, &s);
	if (s.opts.check_only)
		check_config(&s);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	s.pg = pg_new(s.cfg.pg_conninfo, s.cfg.retention_days,
	    s.cfg.max_message_bytes, &s.st);
	if (s.pg == NULL)
		fatal(EXIT_RUNTIME, "postgres");
	if (s.cfg.migrate_only) {
		status = migrate_only(&s);
		pg_free(s.pg);
		cfg_free(&s.opts);
		return status;
	}
	start_metrics(&s);
	if ((s.msgs = calloc(s.cfg.batch_size, sizeof(*s.msgs))) == NULL)
		fatal(EXIT_RUNTIME, "batch of %u", s.cfg.batch_size);
	if ((s.kc = consumer_new(&s.cfg, &s.st, err, sizeof(err))) == NULL)
		fatalx(EXIT_USAGE, "%s", err);
	if (s.cfg.redis_host != NULL && (s.rds = rds_new(s.cfg.redis_host,
	    s.cfg.redis_port, s.cfg.redis_ttl_s, &s.st)) == NULL)
		fatal(EXIT_RUNTIME, "redis");
	if (s.rds != NULL)
		rds_set_password(s.rds, s.cfg.redis_password);
	if (pg_up(&s) == 0 && s.rds != NULL) {
		int64_t from;

		s.has_backlog = pg_backlog_get(s.pg, s.backlog_key, &from) > 0;
		if (rds_ready(s.rds) && s.has_backlog)
			catch_up(&s);
	}

	last_msg_ms = now_ms();
	while (!stop_requested) {
		size_t n;

		maybe_retention(&s);
		n = consumer_fill(s.kc, s.cfg.batch_size, s.cfg.batch_ms,
		    &stop_requested);
		if (n == 0) {
			if (s.rds != NULL && s.has_backlog &&
			    pg_is_connected(s.pg) && rds_ready(s.rds))
				catch_up(&s);
			if (!consumer_is_assigned(s.kc))
				last_msg_ms = now_ms();	/* not idle: joining */
			publish(&s);
			if (s.cfg.idle_exit_s > 0 && now_ms() - last_msg_ms >=
			    (uint64_t)s.cfg.idle_exit_s * 1000)
				break;
			continue;
		}
		last_msg_ms = now_ms();
		run_batch(&s, n);
		publish(&s);
	}

	metrics_http_stop(s.mh);
	sink_metrics_free(&s.met);
	consumer_close(s.kc);
	if (s.stats)
		print_stats(stderr, &s.st);
	rds_free(s.rds);
	pg_free(s.pg);
	free(s.msgs);
	cfg_free(&s.opts);
	return status;
}

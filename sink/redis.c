/* sink/redis.c: latest verdict per client, counters, model announcements. */
#include "sink/redis.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "log.h"

#define RDS_SEEN_MAX		32
#define RDS_BACKOFF_MIN_MS	250
#define RDS_BACKOFF_MAX_MS	10000
#define RDS_ARGS_MAX		32

/* KEYS[1] the client hash; ARGV[1] ts_end, ARGV[2] ttl, then field/value
 * pairs.  A record older than the one stored does not replace it. */
static const char latest_lua[] =
    "local cur = redis.call('HGET', KEYS[1], 'ts_end')\n"
    "if cur and cur > ARGV[1] then return 0 end\n"
    "redis.call('HSET', KEYS[1], unpack(ARGV, 3))\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[2])\n"
    "return 1\n";

struct rds {
	redisContext	*c;
	const char	*host;
	const char	*password;
	int		 port;
	uint32_t	 ttl_s;
	char		 sha[48];
	uint64_t	 retry_at_ms;
	uint32_t	 backoff_ms;
	size_t		 n_queued;
	bool		 is_down;	/* a failure was logged */
	char		 seen[RDS_SEEN_MAX][SINK_MODEL_MAX];
	size_t		 n_seen;
	struct sink_stats *st;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct rds *
rds_new(const char *host, int port, uint32_t ttl_s, struct sink_stats *st)
{
	struct rds *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->host = host;
	r->port = port;
	r->ttl_s = ttl_s;
	r->st = st;
	return r;
}

void
rds_set_password(struct rds *r, const char *password)
{
	r->password = password;
}

void
rds_free(struct rds *r)
{
	if (r == NULL)
		return;
	if (r->c != NULL)
		redisFree(r->c);
	free(r);
}

/* Give up the connection after a failure; try again after a backoff. */
static void
down(struct rds *r, const char *why)
{
	r->st->redis_errors++;
	if (!r->is_down)
		log_warnx("redis %s:%d: %s; Postgres writes go on, latest keys "
		    "are caught up when Redis is back", r->host, r->port, why);
	r->is_down = true;
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
	r->n_queued = 0;
	r->backoff_ms = r->backoff_ms == 0 ? RDS_BACKOFF_MIN_MS :
	    r->backoff_ms * 2;
	if (r->backoff_ms > RDS_BACKOFF_MAX_MS)
		r->backoff_ms = RDS_BACKOFF_MAX_MS;
	r->retry_at_ms = now_ms() + r->backoff_ms;
}

bool
rds_ready(struct rds *r)
{
	struct timeval tv = { 0, 500000 };
	struct timeval cmd_tv = { 2, 0 };
	redisReply *rep;

	if (r->c != NULL)
		return true;
	if (now_ms() < r->retry_at_ms)
		return false;
	r->c = redisConnectWithTimeout(r->host, r->port, tv);
	if (r->c == NULL || r->c->err) {
		char why[160];

		snprintf(why, sizeof(why), "connect: %s",
		    r->c ? r->c->errstr : "out of memory");
		down(r, why);
		return false;
	}
	redisSetTimeout(r->c, cmd_tv);
	if (r->password != NULL) {
		rep = redisCommand(r->c, "AUTH %s", r->password);
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			char why[160];

			snprintf(why, sizeof(why), "AUTH: %s", rep != NULL ?
			    rep->str : r->c->errstr);
			if (rep != NULL)
				freeReplyObject(rep);
			down(r, why);
			return false;
		}
		freeReplyObject(rep);
	}
	rep = redisCommand(r->c, "SCRIPT LOAD %s", latest_lua);
	if (rep == NULL || rep->type != REDIS_REPLY_STRING ||
	    rep->len >= (int)sizeof(r->sha)) {
		if (rep != NULL)
			freeReplyObject(rep);
		down(r, "SCRIPT LOAD failed");
		return false;
	}
	memcpy(r->sha, rep->str, (size_t)rep->len);
	r->sha[rep->len] = '\0';
	freeReplyObject(rep);
	if (r->is_down)
		log_warnx("redis %s:%d: connected again", r->host, r->port);
	else
		log_info("redis %s:%d: connected", r->host, r->port);
	r->is_down = false;
	r->backoff_ms = 0;
	return true;
}

struct argv {
	const char	*v[RDS_ARGS_MAX];
	size_t		 len[RDS_ARGS_MAX];
	int		 n;
};

static void
arg(struct argv *a, const char *s, size_t len)
{
	if (a->n < RDS_ARGS_MAX) {
		a->v[a->n] = s;
		a->len[a->n] = len;
		a->n++;
	}
}

static void
arg_str(struct argv *a, const char *s)
{
	arg(a, s, strlen(s));
}

static void
arg_pair(struct argv *a, const char *field, const char *val)
{
	arg_str(a, field);
	arg_str(a, val);
}

static int
append(struct rds *r, struct argv *a)
{
	if (redisAppendCommandArgv(r->c, a->n, a->v, a->len) != REDIS_OK) {
		down(r, r->c->errstr);
		return -1;
	}
	r->n_queued++;
	return 0;
}

int
rds_queue_latest(struct rds *r, const struct sink_msg *m)
{
	const struct rec_fields *f = &m->f;
	struct argv a = { .n = 0 };
	char key[16 + REC_IP_MAX], ttl[16], sport[8], cport[8];

	if (r->c == NULL)
		return -1;
	snprintf(key, sizeof(key), "fp:client:%s", f->client_ip);
	snprintf(ttl, sizeof(ttl), "%u", r->ttl_s);
	snprintf(sport, sizeof(sport), "%u", f->server_port);
	snprintf(cport, sizeof(cport), "%u", f->client_port);
	arg_str(&a, "EVALSHA");
	arg_str(&a, r->sha);
	arg_str(&a, "1");
	arg_str(&a, key);
	arg_str(&a, f->ts_end);
	arg_str(&a, ttl);
	arg_pair(&a, "event_id", f->event_id);
	arg_pair(&a, "ts_start", f->ts_start);
	arg_pair(&a, "ts_end", f->ts_end);
	arg_pair(&a, "client_port", cport);
	arg_pair(&a, "server_ip", f->server_ip);
	arg_pair(&a, "server_port", sport);
	arg_pair(&a, "proto", f->proto);
	arg_pair(&a, "sensor_id", m->sensor_id);
	arg_pair(&a, "model_version", m->model_version);
	arg_pair(&a, "os", f->os);
	arg_pair(&a, "ja4t", f->ja4t);
	arg_pair(&a, "raw_sig", f->raw_sig);
	arg_str(&a, "record");
	arg(&a, m->json, m->len);
	return append(r, &a);
}

static int
queue_count(struct rds *r, const char *kind, const char *val)
{
	struct argv a = { .n = 0 };
	char key[300];

	if (val[0] == '\0')
		return 0;
	snprintf(key, sizeof(key), "fp:count:%s:%s", kind, val);
	arg_str(&a, "INCR");
	arg_str(&a, key);
	return append(r, &a);
}

int
rds_flush(struct rds *r)
{
	int rc = 0;

	if (r->c == NULL)
		return -1;
	while (r->n_queued > 0) {
		redisReply *rep = NULL;

		if (redisGetReply(r->c, (void **)&rep) != REDIS_OK ||
		    rep == NULL) {
			down(r, r->c->errstr[0] ? r->c->errstr : "no reply");
			return -1;
		}
		r->n_queued--;
		if (rep->type == REDIS_REPLY_ERROR) {
			log_warnx("redis: %s", rep->str);
			rc = -1;
		}
		freeReplyObject(rep);
	}
	if (rc != 0)
		down(r, "a command failed");
	return rc;
}

static bool
is_seen(struct rds *r, const char *ver)
{
	for (size_t i = 0; i < r->n_seen; i++)
		if (strcmp(r->seen[i], ver) == 0)
			return true;
	return false;
}

/* First sighting of a model version: SADD fp:models tells whether any sink
 * saw it before; only the first one publishes. */
static int
announce_model(struct rds *r, const char *ver)
{
	redisReply *rep;
	bool is_new;

	rep = redisCommand(r->c, "SADD fp:models %s", ver);
	if (rep == NULL) {
		down(r, r->c->errstr);
		return -1;
	}
	is_new = rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
	freeReplyObject(rep);
	if (is_new) {
		rep = redisCommand(r->c, "PUBLISH fp:model %s", ver);
		if (rep == NULL) {
			down(r, r->c->errstr);
			return -1;
		}
		freeReplyObject(rep);
		r->st->models_announced++;
		log_info("redis: new model version %s announced on fp:model",
		    ver);
	}
	if (r->n_seen < RDS_SEEN_MAX)
		snprintf(r->seen[r->n_seen++], SINK_MODEL_MAX, "%s", ver);
	return 0;
}

int
rds_write(struct rds *r, const struct sink_msg *msgs, size_t n)
{
	if (r->c == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct sink_msg *m = &msgs[i];

		if (m->is_expired)
			continue;
		if (rds_queue_latest(r, m) != 0)
			return -1;
		if (m->is_new && (queue_count(r, "ja4t", m->f.ja4t) != 0 ||
		    queue_count(r, "raw_sig", m->f.raw_sig) != 0))
			return -1;
	}
	if (rds_flush(r) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *ver = msgs[i].model_version;

		if (ver[0] == '\0' || strcmp(ver, "none") == 0 ||
		    is_seen(r, ver))
			continue;
		if (announce_model(r, ver) != 0)
			return -1;
	}
	return 0;
}

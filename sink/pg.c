/* sink/pg.c: Postgres schema, migrations, batches and retention (libpq). */
#include "sink/pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#define PG_KNOWN_MAX	512	/* partitions remembered as existing */
#define PG_LOCK_KEY	"7007"	/* advisory lock held while migrating */

struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

/* Append only: a released migration is never edited, a change is a new
 * one.  Each runs in the transaction that records it. */
static const struct migration migrations[] = {
	{ 1, "records partitioned by day",
	  "CREATE TABLE fp_records ("
	  " event_id text NOT NULL,"
	  " ts_start timestamptz NOT NULL,"
	  " ts_end timestamptz NOT NULL,"
	  " client_ip inet NOT NULL,"
	  " client_port integer NOT NULL,"
	  " server_ip inet NOT NULL,"
	  " server_port integer NOT NULL,"
	  " proto text NOT NULL,"
	  " sensor_id text,"
	  " model_version text,"
	  " record jsonb NOT NULL,"
	  " seq bigserial NOT NULL,"
	  " inserted_at timestamptz NOT NULL DEFAULT now(),"
	  " PRIMARY KEY (event_id, ts_start)"
	  ") PARTITION BY RANGE (ts_start);"
	  "CREATE INDEX fp_records_client ON fp_records (client_ip, ts_end);"
	  "CREATE INDEX fp_records_seq ON fp_records USING brin (seq);" },
	{ 2, "redis backlog",
	  "CREATE TABLE fp_redis_backlog ("
	  " consumer text PRIMARY KEY,"
	  " from_seq bigint NOT NULL,"
	  " since timestamptz NOT NULL DEFAULT now());" },
};
#define N_MIGRATIONS	(sizeof(migrations) / sizeof(migrations[0]))

static const char stage_sql[] =
    "CREATE TEMP TABLE IF NOT EXISTS fp_stage ("
    " ord integer NOT NULL, event_id text, ts_start timestamptz,"
    " ts_end timestamptz, client_ip inet, client_port integer,"
    " server_ip inet, server_port integer, proto text, sensor_id text,"
    " model_version text, record jsonb) ON COMMIT DELETE ROWS";

static const char insert_sql[] =
    "WITH ins AS (INSERT INTO fp_records (event_id, ts_start, ts_end,"
    " client_ip, client_port, server_ip, server_port, proto, sensor_id,"
    " model_version, record)"
    " SELECT event_id, ts_start, ts_end, client_ip, client_port, server_ip,"
    " server_port, proto, sensor_id, model_version, record FROM fp_stage"
    " ORDER BY ord ON CONFLICT DO NOTHING RETURNING event_id, ts_start, seq)"
    " SELECT DISTINCT ON (ins.event_id) s.ord, ins.seq FROM ins"
    " JOIN fp_stage s ON s.event_id = ins.event_id"
    " AND s.ts_start = ins.ts_start ORDER BY ins.event_id, s.ord";

struct pg {
	PGconn		*conn;
	const char	*conninfo;
	uint32_t	 retention_days;
	struct sink_stats *st;
	int32_t		 known[PG_KNOWN_MAX];	/* partition days, unsorted */
	size_t		 n_known;
	int64_t		 last_min_seq;		/* of the last pg_write */
	char		*row;			/* one COPY row */
	size_t		 row_cap;
	char		 err[512];
};

int
pg_schema_version(void)
{
	return migrations[N_MIGRATIONS - 1].version;
}

const char *
pg_error(const struct pg *pg)
{
	return pg->err;
}

bool
pg_is_connected(const struct pg *pg)
{
	return pg->conn != NULL && PQstatus(pg->conn) == CONNECTION_OK;
}

static void
set_err(struct pg *pg, const char *what)
{
	const char *m = pg->conn ? PQerrorMessage(pg->conn) : "no connection";
	size_t n;

	snprintf(pg->err, sizeof(pg->err), "%s: %s", what, m);
	n = strlen(pg->err);
	while (n > 0 && (pg->err[n - 1] == '\n' || pg->err[n - 1] == ' '))
		pg->err[--n] = '\0';
}

/* Run sql (no result rows wanted).  Returns 0 or -1. */
static int
exec(struct pg *pg, const char *sql, const char *what)
{
	PGresult *r = PQexec(pg->conn, sql);
	ExecStatusType s = PQresultStatus(r);
	int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? 0 : -1;

	if (rc != 0) {
		snprintf(pg->err, sizeof(pg->err), "%s: %s", what,
		    PQresultErrorMessage(r));
		pg->err[strcspn(pg->err, "\n")] = '\0';
	}
	PQclear(r);
	return rc;
}

static void
rollback(struct pg *pg)
{
	if (pg_is_connected(pg))
		PQclear(PQexec(pg->conn, "ROLLBACK"));
}

struct pg *
pg_new(const char *conninfo, uint32_t retention_days, size_t max_record_len,
    struct sink_stats *st)
{
	struct pg *pg = calloc(1, sizeof(*pg));

	if (pg == NULL)
		return NULL;
	pg->conninfo = conninfo;
	pg->retention_days = retention_days;
	pg->st = st;
	pg->last_min_seq = -1;
	pg->row_cap = 2 * max_record_len + 4096;	/* escaping doubles */
	if ((pg->row = malloc(pg->row_cap)) == NULL) {
		free(pg);
		return NULL;
	}
	return pg;
}

void
pg_free(struct pg *pg)
{
	if (pg == NULL)
		return;
	if (pg->conn != NULL)
		PQfinish(pg->conn);
	free(pg->row);
	free(pg);
}

/* Bring the schema to the newest version, in one transaction. */
static int
migrate(struct pg *pg)
{
	PGresult *r;
	int have;

	if (exec(pg, "BEGIN", "migrate") != 0 ||
	    exec(pg, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")",
	    "migrate: lock") != 0 ||
	    exec(pg, "CREATE TABLE IF NOT EXISTS fpsink_migrations ("
	    " version integer PRIMARY KEY, name text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now())",
	    "migrate: fpsink_migrations") != 0)
		goto fail;
	r = PQexec(pg->conn, "SELECT coalesce(max(version), 0) FROM "
	    "fpsink_migrations");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(pg->err, sizeof(pg->err), "migrate: %s",
		    PQresultErrorMessage(r));
		PQclear(r);
		goto fail;
	}
	have = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (have > pg_schema_version()) {
		snprintf(pg->err, sizeof(pg->err), "the database schema is "
		    "version %d, newer than this fpsink knows (%d)", have,
		    pg_schema_version());
		goto fail;
	}
	for (size_t i = 0; i < N_MIGRATIONS; i++) {
		const struct migration *m = &migrations[i];
		char ver[16];
		const char *params[2] = { ver, m->name };

		if (m->version <= have)
			continue;
		if (exec(pg, m->sql, m->name) != 0)
			goto fail;
		snprintf(ver, sizeof(ver), "%d", m->version);
		r = PQexecParams(pg->conn, "INSERT INTO fpsink_migrations "
		    "(version, name) VALUES ($1, $2)", 2, NULL, params, NULL,
		    NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			snprintf(pg->err, sizeof(pg->err), "migrate: %s",
			    PQresultErrorMessage(r));
			PQclear(r);
			goto fail;
		}
		PQclear(r);
		log_info("postgres: schema migration %d applied (%s)",
		    m->version, m->name);
	}
	if (exec(pg, "COMMIT", "migrate: commit") != 0)
		goto fail;
	return 0;
fail:
	rollback(pg);
	return -1;
}

/* Server notices ("already exists, skipping") are debug lines. */
static void
on_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("postgres: %.*s", (int)strcspn(msg, "\n"), msg);
}

int
pg_connect(struct pg *pg)
{
	static const char *const keys[] = { "connect_timeout",
	    "application_name", "dbname", NULL };
	const char *vals[] = { "5", "fpsink", pg->conninfo, NULL };
	const char *enc;

	if (pg->conn != NULL)
		PQfinish(pg->conn);
	pg->n_known = 0;
	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (pg->conn == NULL || PQstatus(pg->conn) != CONNECTION_OK) {
		set_err(pg, "connect");
		return -1;
	}
	PQsetNoticeProcessor(pg->conn, on_notice, NULL);
	enc = PQparameterStatus(pg->conn, "server_encoding");
	if (enc == NULL || strcmp(enc, "UTF8") != 0) {
		snprintf(pg->err, sizeof(pg->err), "the database encoding is "
		    "%s; fpsink needs UTF8", enc ? enc : "unknown");
		return -1;
	}
	if (exec(pg, "SET TIME ZONE 'UTC'", "set time zone") != 0 ||
	    migrate(pg) != 0 || exec(pg, stage_sql, "staging table") != 0)
		return -1;
	return 0;
}

/* Today as days since 1970-01-01 (UTC). */
static int32_t
today(void)
{
	return (int32_t)(time(NULL) / 86400);
}

static bool
is_expired(const struct pg *pg, int32_t day)
{
	return pg->retention_days > 0 &&
	    day < today() - (int32_t)pg->retention_days;
}

/* Civil date of a day number (inverse of rec_day()). */
static void
civil(int32_t day, unsigned *y, unsigned *m, unsigned *d)
{
	int32_t z = day + 719468;
	int32_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned)((int32_t)yoe + era * 400) + (*m <= 2);
}

static void
partition_name(char *dst, size_t dstsz, int32_t day)
{
	unsigned y, m, d;

	civil(day, &y, &m, &d);
	snprintf(dst, dstsz, "fp_records_%04u%02u%02u", y, m, d);
}

static bool
is_known(const struct pg *pg, int32_t day)
{
	for (size_t i = 0; i < pg->n_known; i++)
		if (pg->known[i] == day)
			return true;
	return false;
}

static void
add_known(struct pg *pg, int32_t day)
{
	if (is_known(pg, day))
		return;
	if (pg->n_known == PG_KNOWN_MAX)
		pg->n_known = 0;		/* forget; it is only a cache */
	pg->known[pg->n_known++] = day;
}

/* Create the partition of day unless it exists (inside the batch's
 * transaction). */
static int
ensure_partition(struct pg *pg, int32_t day)
{
	char name[40], sql[512];
	unsigned y, m, d, y2, m2, d2;
	PGresult *r;
	const char *params[1] = { name };
	bool exists;

	partition_name(name, sizeof(name), day);
	r = PQexecParams(pg->conn, "SELECT to_regclass($1) IS NOT NULL", 1,
	    NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(pg->err, sizeof(pg->err), "partition %s: %s", name,
		    PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	exists = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	if (exists)
		return 0;
	civil(day, &y, &m, &d);
	civil(day + 1, &y2, &m2, &d2);
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS %s PARTITION "
	    "OF fp_records FOR VALUES FROM ('%04u-%02u-%02u 00:00:00+00') TO "
	    "('%04u-%02u-%02u 00:00:00+00')", name, y, m, d, y2, m2, d2);
	if (exec(pg, sql, name) != 0)
		return -1;
	pg->st->partitions_created++;
	log_info("postgres: partition %s created", name);
	return 0;
}

/* COPY text format: backslash, tab, newline and CR escaped. */
static size_t
copy_field(char *dst, size_t at, const char *s, size_t n, bool is_last)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		switch (c) {
		case '\\': dst[at++] = '\\'; dst[at++] = '\\'; break;
		case '\t': dst[at++] = '\\'; dst[at++] = 't'; break;
		case '\n': dst[at++] = '\\'; dst[at++] = 'n'; break;
		case '\r': dst[at++] = '\\'; dst[at++] = 'r'; break;
		default: dst[at++] = c;
		}
	}
	dst[at++] = is_last ? '\n' : '\t';
	return at;
}

static size_t
copy_opt(char *dst, size_t at, const char *s)
{
	if (s[0] == '\0') {
		memcpy(dst + at, "\\N\t", 3);
		return at + 3;
	}
	return copy_field(dst, at, s, strlen(s), false);
}

static int
copy_rows(struct pg *pg, const struct sink_msg *msgs, size_t n)
{
	PGresult *r = PQexec(pg->conn, "COPY fp_stage (ord, event_id, "
	    "ts_start, ts_end, client_ip, client_port, server_ip, server_port, "
	    "proto, sensor_id, model_version, record) FROM STDIN");

	if (PQresultStatus(r) != PGRES_COPY_IN) {
		snprintf(pg->err, sizeof(pg->err), "copy: %s",
		    PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	for (size_t i = 0; i < n; i++) {
		const struct sink_msg *m = &msgs[i];
		const struct rec_fields *f = &m->f;
		char num[64];
		size_t at;

		if (m->is_expired)
			continue;
		if (2 * m->len + 1024 > pg->row_cap) {
			PQputCopyEnd(pg->conn, "record too long");
			PQclear(PQgetResult(pg->conn));
			snprintf(pg->err, sizeof(pg->err), "copy: record too "
			    "long");
			return -1;
		}
		at = (size_t)snprintf(pg->row, pg->row_cap, "%zu\t", i);
		at = copy_field(pg->row, at, f->event_id, strlen(f->event_id),
		    false);
		at = copy_field(pg->row, at, f->ts_start, strlen(f->ts_start),
		    false);
		at = copy_field(pg->row, at, f->ts_end, strlen(f->ts_end),
		    false);
		at = copy_field(pg->row, at, f->client_ip,
		    strlen(f->client_ip), false);
		snprintf(num, sizeof(num), "%" PRIu32, f->client_port);
		at = copy_field(pg->row, at, num, strlen(num), false);
		at = copy_field(pg->row, at, f->server_ip,
		    strlen(f->server_ip), false);
		snprintf(num, sizeof(num), "%" PRIu32, f->server_port);
		at = copy_field(pg->row, at, num, strlen(num), false);
		at = copy_field(pg->row, at, f->proto, strlen(f->proto),
		    false);
		at = copy_opt(pg->row, at, m->sensor_id);
		at = copy_opt(pg->row, at, m->model_version);
		at = copy_field(pg->row, at, m->json, m->len, true);
		if (PQputCopyData(pg->conn, pg->row, (int)at) != 1) {
			set_err(pg, "copy");
			return -1;
		}
	}
	if (PQputCopyEnd(pg->conn, NULL) != 1) {
		set_err(pg, "copy end");
		return -1;
	}
	r = PQgetResult(pg->conn);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(pg->err, sizeof(pg->err), "copy: %s",
		    PQresultErrorMessage(r));
		pg->err[strcspn(pg->err, "\n")] = '\0';
		PQclear(r);
		while ((r = PQgetResult(pg->conn)) != NULL)
			PQclear(r);
		return -1;
	}
	PQclear(r);
	while ((r = PQgetResult(pg->conn)) != NULL)
		PQclear(r);
	return 0;
}

/* Insert from the staging table; mark the rows that are new. */
static int
insert_staged(struct pg *pg, struct sink_msg *msgs, size_t n,
    int64_t *min_seq)
{
	PGresult *r = PQexec(pg->conn, insert_sql);

	*min_seq = -1;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(pg->err, sizeof(pg->err), "insert: %s",
		    PQresultErrorMessage(r));
		pg->err[strcspn(pg->err, "\n")] = '\0';
		PQclear(r);
		return -1;
	}
	for (int i = 0; i < PQntuples(r); i++) {
		long ord = strtol(PQgetvalue(r, i, 0), NULL, 10);
		int64_t seq = strtoll(PQgetvalue(r, i, 1), NULL, 10);

		if (ord >= 0 && (size_t)ord < n)
			msgs[ord].is_new = true;
		if (*min_seq < 0 || seq < *min_seq)
			*min_seq = seq;
	}
	PQclear(r);
	return 0;
}

static int
mark_backlog(struct pg *pg, const char *consumer, int64_t from_seq)
{
	char seq[32];
	const char *params[2] = { consumer, seq };
	PGresult *r;
	int rc;

	snprintf(seq, sizeof(seq), "%" PRId64, from_seq);
	r = PQexecParams(pg->conn, "INSERT INTO fp_redis_backlog (consumer, "
	    "from_seq) VALUES ($1, $2) ON CONFLICT (consumer) DO NOTHING", 2,
	    NULL, params, NULL, NULL, 0);
	rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc != 0)
		snprintf(pg->err, sizeof(pg->err), "redis backlog: %s",
		    PQresultErrorMessage(r));
	PQclear(r);
	return rc;
}

int
pg_write(struct pg *pg, struct sink_msg *msgs, size_t n, const char *backlog)
{
	int32_t days[64];
	size_t n_days = 0, n_live = 0, n_new = 0;
	int64_t min_seq;

	if (!pg_is_connected(pg)) {
		snprintf(pg->err, sizeof(pg->err), "not connected");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int32_t day = rec_day(msgs[i].f.ts_start);

		msgs[i].is_new = false;
		msgs[i].is_expired = is_expired(pg, day);
		if (msgs[i].is_expired)
			continue;
		n_live++;
		if (is_known(pg, day))
			continue;
		bool dup = false;
		for (size_t k = 0; k < n_days; k++)
			dup = dup || days[k] == day;
		if (!dup && n_days < sizeof(days) / sizeof(days[0]))
			days[n_days++] = day;
	}
	pg->last_min_seq = -1;
	if (n_live == 0)
		return 0;
	if (exec(pg, "BEGIN", "begin") != 0)
		goto fail;
	for (size_t k = 0; k < n_days; k++)
		if (ensure_partition(pg, days[k]) != 0)
			goto fail;
	if (copy_rows(pg, msgs, n) != 0 ||
	    insert_staged(pg, msgs, n, &min_seq) != 0)
		goto fail;
	pg->last_min_seq = min_seq;
	if (backlog != NULL && min_seq >= 0 &&
	    mark_backlog(pg, backlog, min_seq) != 0)
		goto fail;
	if (exec(pg, "COMMIT", "commit") != 0)
		goto fail;
	for (size_t k = 0; k < n_days; k++)
		add_known(pg, days[k]);
	for (size_t i = 0; i < n; i++) {
		if (msgs[i].is_expired)
			pg->st->expired++;
		else if (msgs[i].is_new)
			n_new++;
	}
	pg->st->inserted += n_new;
	pg->st->duplicates += n_live - n_new;
	return 0;
fail:
	rollback(pg);
	return -1;
}

int
pg_precreate(struct pg *pg, uint32_t days)
{
	if (!pg_is_connected(pg)) {
		snprintf(pg->err, sizeof(pg->err), "not connected");
		return -1;
	}
	for (uint32_t i = 0; i <= days; i++) {
		if (ensure_partition(pg, today() + (int32_t)i) != 0) {
			if (!pg_is_connected(pg))
				return -1;
			log_warnx("postgres: %s", pg->err);
		}
	}
	return 0;
}

int
pg_retention(struct pg *pg)
{
	PGresult *r;
	int rc = 0;

	if (pg->retention_days == 0)
		return 0;
	if (!pg_is_connected(pg)) {
		snprintf(pg->err, sizeof(pg->err), "not connected");
		return -1;
	}
	r = PQexec(pg->conn, "SELECT c.relname FROM pg_inherits i JOIN "
	    "pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = "
	    "'fp_records'::regclass ORDER BY 1");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(pg->err, sizeof(pg->err), "retention: %s",
		    PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		const char *name = PQgetvalue(r, i, 0);
		char ts[32], sql[128];
		int32_t day;

		/* fp_records_YYYYMMDD; other partitions (a DEFAULT one on a
		 * replica) are not ours to drop. */
		if (strlen(name) != 19 ||
		    strncmp(name, "fp_records_", 11) != 0 ||
		    strspn(name + 11, "0123456789") != 8)
			continue;
		snprintf(ts, sizeof(ts), "%.4s-%.2s-%.2s", name + 11,
		    name + 15, name + 17);
		day = rec_day(ts);
		if (!is_expired(pg, day))
			continue;
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s", name);
		if ((rc = exec(pg, sql, name)) == 0) {
			pg->st->partitions_dropped++;
			log_info("postgres: partition %s dropped (retention %u "
			    "days)", name, pg->retention_days);
			for (size_t k = 0; k < pg->n_known; k++)
				if (pg->known[k] == day)
					pg->known[k] = INT32_MIN;
		}
	}
	PQclear(r);
	return rc;
}

int
pg_backlog_get(struct pg *pg, const char *consumer, int64_t *from_seq)
{
	const char *params[1] = { consumer };
	PGresult *r;
	int rc;

	r = PQexecParams(pg->conn, "SELECT from_seq FROM fp_redis_backlog "
	    "WHERE consumer = $1", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(pg->err, sizeof(pg->err), "redis backlog: %s",
		    PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	rc = PQntuples(r) > 0;
	if (rc)
		*from_seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return rc;
}

int
pg_backlog_clear(struct pg *pg, const char *consumer)
{
	const char *params[1] = { consumer };
	PGresult *r;
	int rc;

	r = PQexecParams(pg->conn, "DELETE FROM fp_redis_backlog WHERE "
	    "consumer = $1", 1, NULL, params, NULL, NULL, 0);
	rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc != 0)
		snprintf(pg->err, sizeof(pg->err), "redis backlog: %s",
		    PQresultErrorMessage(r));
	PQclear(r);
	return rc;
}

int
pg_backlog_mark_last(struct pg *pg, const char *consumer)
{
	if (pg->last_min_seq < 0)
		return 0;
	if (!pg_is_connected(pg)) {
		snprintf(pg->err, sizeof(pg->err), "not connected");
		return -1;
	}
	return mark_backlog(pg, consumer, pg->last_min_seq);
}

int
pg_latest_since(struct pg *pg, int64_t from_seq, pg_latest_cb cb, void *arg)
{
	char seq[32];
	const char *params[1] = { seq };
	PGresult *r;
	int rc = 0;

	snprintf(seq, sizeof(seq), "%" PRId64, from_seq);
	if (!PQsendQueryParams(pg->conn, "SELECT DISTINCT ON (client_ip) "
	    "record::text, coalesce(sensor_id, ''), coalesce(model_version, "
	    "'') FROM fp_records WHERE seq >= $1 ORDER BY client_ip, ts_end "
	    "DESC, seq DESC", 1, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(pg->conn)) {
		set_err(pg, "latest");
		return -1;
	}
	while ((r = PQgetResult(pg->conn)) != NULL) {
		ExecStatusType s = PQresultStatus(r);

		if (s == PGRES_SINGLE_TUPLE && rc == 0) {
			if (cb(arg, PQgetvalue(r, 0, 0),
			    (size_t)PQgetlength(r, 0, 0), PQgetvalue(r, 0, 1),
			    PQgetvalue(r, 0, 2)) != 0) {
				snprintf(pg->err, sizeof(pg->err), "latest: "
				    "the callback failed");
				rc = -1;
			}
		} else if (s != PGRES_TUPLES_OK && s != PGRES_SINGLE_TUPLE) {
			snprintf(pg->err, sizeof(pg->err), "latest: %s",
			    PQresultErrorMessage(r));
			rc = -1;
		}
		PQclear(r);
	}
	return rc;
}

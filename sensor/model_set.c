/* sensor/model_set.c: primary, candidate and shadow models, each behind
 * its verdict cache. */
#include "sensor/model_set.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mix.h"
#include "models/features.h"
#include "models/model.h"
#include "models/verdict_cache.h"

struct model_batch {
	float		 rows[MODEL_SET_BATCH][FEATURES_N];
	uint64_t	 keys[MODEL_SET_BATCH];
	struct verdict	 out[MODEL_SET_BATCH];
	float		 probs[MODEL_SET_BATCH * MODEL_MAX_CLASSES];
	size_t		 n;
	bool		 is_scored, has_failed;
};

/* The key of the client share hash: fixed, so that every sensor of a
 * deployment, and every restart, puts a client in the same group. */
#define SHARE_KEY	0x6670736d6f64656cull	/* "fpsmodel" */

const double model_set_batch_bounds[MODEL_SET_BATCH_BUCKETS] = {
	1, 2, 4, 8, 16, 32, 64,
};
const double model_set_lat_bounds[MODEL_SET_LAT_BUCKETS] = {
	1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01,
	0.025, 0.05, 0.1, 0.25,
};

static size_t
bucket(const double *bounds, size_t n, double v)
{
	size_t i = 0;

	while (i < n && v > bounds[i])
		i++;
	return i;
}

void
model_counters_latency(struct model_counters *c, uint64_t ns)
{
	c->lat_hist[bucket(model_set_lat_bounds, MODEL_SET_LAT_BUCKETS,
	    (double)ns / 1e9)]++;
	c->lat_sum_ns += ns;
}

static const char *const role_names[MODEL_N_ROLES] = {
	"primary", "candidate", "shadow",
};

/* A version name is one path component. */
static bool
version_ok(const char *s)
{
	return s[0] != '\0' && strchr(s, '/') == NULL && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0 && strlen(s) < MODEL_VERSION_MAX;
}

/* dir/default: a symlink to a version directory or a file naming one. */
static int
default_file(const char *dir, char *buf, size_t bufsz, char *err,
    size_t errsz)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/default", dir);
	if (lstat(path, &st) != 0)
		return 1;
	if (S_ISLNK(st.st_mode)) {
		const char *b;

		if ((n = readlink(path, target, sizeof(target) - 1)) < 0)
			goto fail;
		target[n] = '\0';
		while (n > 1 && target[n - 1] == '/')
			target[--n] = '\0';
		b = strrchr(target, '/');
		snprintf(buf, bufsz, "%s", b != NULL ? b + 1 : target);
	} else {
		if ((fp = fopen(path, "r")) == NULL)
			goto fail;
		if (fgets(buf, (int)bufsz, fp) == NULL)
			buf[0] = '\0';
		fclose(fp);
		buf[strcspn(buf, " \t\r\n")] = '\0';
	}
	if (!version_ok(buf)) {
		snprintf(err, errsz, "%s: names no version", path);
		return -1;
	}
	return 0;
fail:
	snprintf(err, errsz, "%s: %s", path, strerror(errno));
	return -1;
}

int
model_set_default(const char *dir, char *buf, size_t bufsz, char *err,
    size_t errsz)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int rc;

	if ((rc = default_file(dir, buf, bufsz, err, errsz)) <= 0)
		return rc;
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	buf[0] = '\0';
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !version_ok(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/client.json", dir,
		    e->d_name);
		if (access(path, F_OK) != 0) {
			snprintf(path, sizeof(path), "%s/%s/client.ubj", dir,
			    e->d_name);
			if (access(path, F_OK) != 0)
				continue;
		}
		if (buf[0] == '\0' || strverscmp(e->d_name, buf) > 0)
			snprintf(buf, bufsz, "%s", e->d_name);
	}
	closedir(d);
	if (buf[0] == '\0') {
		snprintf(err, errsz, "%s: no model version (no "
		    "<version>/client.json or .ubj)", dir);
		return -1;
	}
	return 0;
}

static int
slot_load(struct model_slot *sl, const char *dir, const char *version,
    char *err, size_t errsz)
{
	char path[PATH_MAX];

	if (!version_ok(version)) {
		snprintf(err, errsz, "%s/%s: not a model version", dir,
		    version);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, version);
	if (model_load(path, &sl->m, err, errsz) != 0)
		return -1;
	if ((sl->s = model_scorer_new(sl->m, MODEL_SET_BATCH, err,
	    errsz)) == NULL)
		return -1;
	if ((sl->b = calloc(1, sizeof(*sl->b))) == NULL) {
		snprintf(err, errsz, "%s: batch: %s", path, strerror(errno));
		return -1;
	}
	if ((sl->cache = verdict_cache_new(MODEL_SET_CACHE)) == NULL) {
		snprintf(err, errsz, "%s: verdict cache: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
model_set_load(struct model_set *ms, const struct model_set_config *cfg,
    struct model_counters *c, char *err, size_t errsz)
{
	char def[MODEL_VERSION_MAX];
	const char *v;

	memset(ms, 0, sizeof(*ms));
	ms->c = c;
	ms->candidate_pct = cfg->candidate_pct;
	for (int r = 0; r < MODEL_N_ROLES; r++) {
		if ((v = cfg->version[r]) == NULL && r == MODEL_PRIMARY) {
			if (model_set_default(cfg->dir, def, sizeof(def), err,
			    errsz) != 0)
				goto fail;
			v = def;
		}
		if (v != NULL && slot_load(&ms->slot[r], cfg->dir, v, err,
		    errsz) != 0)
			goto fail;
	}
	return 0;
fail:
	ms->c = NULL;
	model_set_free(ms);
	return -1;
}

void
model_set_free(struct model_set *ms)
{
	for (int r = 0; r < MODEL_N_ROLES; r++) {
		struct model_slot *sl = &ms->slot[r];

		if (sl->cache != NULL && ms->c != NULL) {
			ms->c->cache_hits += verdict_cache_hits(sl->cache);
			ms->c->cache_lookups +=
			    verdict_cache_lookups(sl->cache);
		}
		verdict_cache_free(sl->cache);
		free(sl->b);
		model_scorer_free(sl->s);
		model_free(sl->m);
		memset(sl, 0, sizeof(*sl));
	}
}

enum model_role
model_set_pick(const struct model_set *ms, int ip_version,
    const uint8_t *addr)
{
	uint64_t h;

	if (ms->slot[MODEL_CANDIDATE].m == NULL || ms->candidate_pct == 0)
		return MODEL_PRIMARY;
	h = mix64(verdict_key(SHARE_KEY, addr, ip_version == 6 ? 16 : 4));
	return h % 100 < ms->candidate_pct ? MODEL_CANDIDATE : MODEL_PRIMARY;
}

bool
model_set_full(const struct model_set *ms)
{
	for (int r = 0; r < MODEL_N_ROLES; r++)
		if (ms->slot[r].b != NULL &&
		    ms->slot[r].b->n == MODEL_SET_BATCH)
			return true;
	return false;
}

enum model_ticket_state
model_set_request(struct model_set *ms, enum model_role r, const char *s,
    size_t len, struct model_ticket *t)
{
	struct model_slot *sl = &ms->slot[r];
	struct model_batch *b = sl->b;
	struct verdict v;
	uint64_t key;

	memset(t, 0, sizeof(*t));
	if (sl->m == NULL || len == 0)
		return MODEL_TICKET_NONE;
	key = verdict_key(VERDICT_KEY_SEED, s, len);
	if (verdict_cache_get(sl->cache, key, &v)) {
		t->client_class = v.client_class;
		t->os_class = v.os_class;
		t->client_prob = v.client_prob;
		t->os_prob = v.os_prob;
		return t->state = MODEL_TICKET_READY;
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->keys[i] == key) {
			verdict_cache_count_hit(sl->cache);
			t->row = (uint8_t)i;
			return t->state = MODEL_TICKET_QUEUED;
		}
	if (b->n == MODEL_SET_BATCH || b->is_scored) {
		ms->c->failed++;	/* the caller ran no batch */
		return MODEL_TICKET_NONE;
	}
	if (features_from_ja4r(s, len, b->rows[b->n]) != FEATURES_OK) {
		ms->c->malformed++;
		return MODEL_TICKET_NONE;
	}
	b->keys[b->n] = key;
	t->row = (uint8_t)b->n++;
	return t->state = MODEL_TICKET_QUEUED;
}

/* The class of the highest probability of each of the n rows of p (k
 * classes a row) into the class and probability members of out[]. */
static void
argmax_rows(const float *p, size_t n, size_t k, struct verdict *out,
    bool is_os)
{
	for (size_t r = 0; r < n; r++, p += k) {
		size_t best = 0;

		for (size_t i = 1; i < k; i++)
			if (p[i] > p[best])
				best = i;
		if (is_os) {
			out[r].os_class = (uint8_t)best;
			out[r].os_prob = p[best];
		} else {
			out[r].client_class = (uint8_t)best;
			out[r].client_prob = p[best];
		}
	}
}

/* Score the queued rows of one model, both heads, and cache them. */
static void
run_slot(struct model_set *ms, struct model_slot *sl)
{
	struct model_batch *b = sl->b;

	if (b == NULL || b->n == 0 || b->is_scored)
		return;
	b->is_scored = true;
	ms->c->rows += b->n;
	ms->c->batches++;
	ms->c->batch_hist[bucket(model_set_batch_bounds,
	    MODEL_SET_BATCH_BUCKETS, (double)b->n)]++;
	for (int h = 0; h < MODEL_N_HEADS; h++) {
		if (model_score(sl->s, (enum model_head)h, &b->rows[0][0], b->n,
		    b->probs) != 0) {
			b->has_failed = true;
			ms->c->failed += b->n;
			return;
		}
		argmax_rows(b->probs, b->n, model_n_classes(sl->m,
		    (enum model_head)h), b->out, h == MODEL_OS);
	}
	for (size_t i = 0; i < b->n; i++)
		verdict_cache_put(sl->cache, b->keys[i], &b->out[i]);
}

void
model_set_run(struct model_set *ms)
{
	for (int r = 0; r < MODEL_N_ROLES; r++)
		run_slot(ms, &ms->slot[r]);
}

void
model_set_clear(struct model_set *ms)
{
	for (int r = 0; r < MODEL_N_ROLES; r++)
		if (ms->slot[r].b != NULL) {
			ms->slot[r].b->n = 0;
			ms->slot[r].b->is_scored = false;
			ms->slot[r].b->has_failed = false;
		}
}

bool
model_set_answer(struct model_set *ms, enum model_role r,
    const struct model_ticket *t, struct model_opinion *out)
{
	struct model_slot *sl = &ms->slot[r];
	struct verdict v;

	memset(out, 0, sizeof(*out));
	if (t->state == MODEL_TICKET_NONE)
		return false;
	if (t->state == MODEL_TICKET_QUEUED) {
		if (!sl->b->is_scored || sl->b->has_failed)
			return false;
		v = sl->b->out[t->row];
	} else {
		v.client_class = t->client_class;
		v.os_class = t->os_class;
		v.client_prob = t->client_prob;
		v.os_prob = t->os_prob;
	}
	out->version = model_version(sl->m);
	out->client = model_class(sl->m, MODEL_CLIENT, v.client_class);
	out->os = model_class(sl->m, MODEL_OS, v.os_class);
	out->client_prob = v.client_prob;
	out->os_prob = v.os_prob;
	out->is_set = true;
	return true;
}

void
model_set_compare(struct model_set *ms, enum model_role r,
    const struct model_opinion *p, const struct model_opinion *o)
{
	if (!p->is_set || !o->is_set)
		return;
	ms->c->compared[r]++;
	if (strcmp(p->client, o->client) != 0)
		ms->c->disagree_client[r]++;
	if (strcmp(p->os, o->os) != 0)
		ms->c->disagree_os[r]++;
}

/* The row of version in vc, added when absent (full: the last row). */
static struct model_version_count *
version_row(struct model_version_count *vc, const char *version)
{
	size_t i;

	for (i = 0; i < MODEL_SET_MAX_VERSIONS; i++)
		if (vc[i].version[0] == '\0' ||
		    strcmp(vc[i].version, version) == 0)
			break;
	if (i == MODEL_SET_MAX_VERSIONS)
		i--;	/* full: the last row takes the rest */
	if (vc[i].version[0] == '\0')
		snprintf(vc[i].version, sizeof(vc[i].version), "%s", version);
	return &vc[i];
}

void
model_set_count(struct model_set *ms, enum model_role r, const char *version)
{
	struct model_version_count *vc = version_row(ms->c->version, version);

	if (r == MODEL_SHADOW)
		vc->shadowed++;
	else
		vc->decided++;
	vc->by_role[r]++;
}

const char *
model_set_version(const struct model_set *ms, enum model_role r)
{
	return ms != NULL && ms->slot[r].m != NULL ?
	    model_version(ms->slot[r].m) : NULL;
}

void
model_counters_add(struct model_counters *dst,
    const struct model_counters *src, const struct model_set *ms)
{
	dst->rows += src->rows;
	dst->batches += src->batches;
	dst->cache_hits += src->cache_hits;
	dst->cache_lookups += src->cache_lookups;
	dst->malformed += src->malformed;
	dst->failed += src->failed;
	for (int r = 0; r < MODEL_N_ROLES; r++) {
		dst->compared[r] += src->compared[r];
		dst->disagree_client[r] += src->disagree_client[r];
		dst->disagree_os[r] += src->disagree_os[r];
	}
	dst->reloads += src->reloads;
	dst->reloads_failed += src->reloads_failed;
	for (int i = 0; i <= MODEL_SET_BATCH_BUCKETS; i++)
		dst->batch_hist[i] += src->batch_hist[i];
	for (int i = 0; i <= MODEL_SET_LAT_BUCKETS; i++)
		dst->lat_hist[i] += src->lat_hist[i];
	dst->lat_sum_ns += src->lat_sum_ns;
	for (size_t i = 0; i < MODEL_SET_MAX_VERSIONS &&
	    src->version[i].version[0] != '\0'; i++) {
		struct model_version_count *v = version_row(dst->version,
		    src->version[i].version);

		v->decided += src->version[i].decided;
		v->shadowed += src->version[i].shadowed;
		for (int r = 0; r < MODEL_N_ROLES; r++)
			v->by_role[r] += src->version[i].by_role[r];
	}
	for (int r = 0; ms != NULL && r < MODEL_N_ROLES; r++)
		if (ms->slot[r].cache != NULL) {
			const struct verdict_cache *vc = ms->slot[r].cache;

			dst->cache_hits += verdict_cache_hits(vc);
			dst->cache_lookups += verdict_cache_lookups(vc);
		}
}

void
model_counters_print(const struct model_counters *c,
    const struct model_set *ms, FILE *fp)
{
	uint64_t hits = c->cache_hits, lookups = c->cache_lookups;

	for (int r = 0; ms != NULL && r < MODEL_N_ROLES; r++) {
		const struct model_slot *sl = &ms->slot[r];

		if (sl->cache == NULL)
			continue;
		hits += verdict_cache_hits(sl->cache);
		lookups += verdict_cache_lookups(sl->cache);
		fprintf(fp, "model_%s=%s\n", role_names[r],
		    model_version(sl->m));
	}
	fprintf(fp, "model_rows=%" PRIu64 "\n", c->rows);
	fprintf(fp, "model_batches=%" PRIu64 "\n", c->batches);
	fprintf(fp, "model_cache_lookups=%" PRIu64 "\n", lookups);
	fprintf(fp, "model_cache_hits=%" PRIu64 "\n", hits);
	fprintf(fp, "model_cache_hit_ratio=%.3f\n", lookups ?
	    (double)hits / (double)lookups : 0.0);
	fprintf(fp, "model_malformed=%" PRIu64 "\n", c->malformed);
	fprintf(fp, "model_failed=%" PRIu64 "\n", c->failed);
	for (int r = MODEL_CANDIDATE; r < MODEL_N_ROLES; r++) {
		const char *n = role_names[r];
		uint64_t k = c->compared[r];

		if (k == 0 && (ms == NULL || ms->slot[r].m == NULL))
			continue;

		fprintf(fp, "model_%s_compared=%" PRIu64 "\n"
		    "model_%s_disagreements=%" PRIu64 "\n"
		    "model_%s_os_disagreements=%" PRIu64 "\n"
		    "model_%s_agreement=%.4f\n"
		    "model_%s_os_agreement=%.4f\n", n, k, n,
		    c->disagree_client[r], n, c->disagree_os[r], n,
		    k ? 1.0 - (double)c->disagree_client[r] / (double)k : 0.0,
		    n, k ? 1.0 - (double)c->disagree_os[r] / (double)k : 0.0);
	}
	for (size_t i = 0; i < MODEL_SET_MAX_VERSIONS &&
	    c->version[i].version[0] != '\0'; i++)
		fprintf(fp, "model_verdicts.%s=%" PRIu64 "\n"
		    "model_shadowed.%s=%" PRIu64 "\n", c->version[i].version,
		    c->version[i].decided, c->version[i].version,
		    c->version[i].shadowed);
	fprintf(fp, "model_reloads=%" PRIu64 "\n", c->reloads);
	fprintf(fp, "model_reloads_failed=%" PRIu64 "\n", c->reloads_failed);
}

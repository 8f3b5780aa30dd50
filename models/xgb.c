/* models/xgb.c: the only file that includes XGBoost.  Model directory
 * loading and batched scoring (models/model.h); training for fptrain
 * (models/xgb.h). */
#include "models/model.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xgboost/c_api.h>

#include "models/model_meta.h"
#include "models/xgb.h"

struct model_head_state {
	BoosterHandle		 booster;
	struct model_meta	 meta;
};

struct model {
	char			 version[MODEL_VERSION_MAX];
	struct model_head_state	 heads[MODEL_N_HEADS];
};

struct model_scorer {
	const struct model	*m;
	DMatrixHandle		 proxy;
	size_t			 max_rows;
	float			*margins;	/* max_rows * MAX_CLASSES */
	char			 iface[160];
};

static const char *const head_names[MODEL_N_HEADS] = {
	[MODEL_CLIENT] = "client",
	[MODEL_OS] = "os",
};

/* type 1: margins, which the temperature then scales.  cache_id 0: the
 * prediction cache is not used (required key for inplace prediction). */
static const char predict_config[] = "{\"type\": 1, \"training\": false, "
    "\"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": true, "
    "\"missing\": NaN, \"cache_id\": 0}";

const char *
model_head_name(enum model_head h)
{
	return h < MODEL_N_HEADS ? head_names[h] : "?";
}

const char *
xgb_version(void)
{
	static char v[32];
	int major, minor, patch;

	XGBoostVersion(&major, &minor, &patch);
	snprintf(v, sizeof(v), "%d.%d.%d", major, minor, patch);
	return v;
}

/* One NaN row through the booster: its output must have n_classes
 * columns. */
static int
check_shape(BoosterHandle b, DMatrixHandle proxy, size_t n_classes)
{
	float row[FEATURES_N];
	char iface[160];
	bst_ulong const *shape;
	bst_ulong dim;
	float const *res;

	for (size_t i = 0; i < FEATURES_N; i++)
		row[i] = NAN;
	snprintf(iface, sizeof(iface), "{\"data\": [%" PRIuPTR ", true], "
	    "\"shape\": [1, %d], \"typestr\": \"<f4\", \"version\": 3}",
	    (uintptr_t)row, FEATURES_N);
	if (XGBoosterPredictFromDense(b, iface, predict_config, proxy, &shape,
	    &dim, &res) != 0)
		return -1;
	return dim == 2 && shape[0] == 1 && shape[1] == n_classes ? 0 : 1;
}

static int
load_head(struct model_head_state *hs, const char *dir, const char *head,
    char *err, size_t errsz)
{
	char path[4096], mpath[4096];
	bst_ulong nf = 0;
	DMatrixHandle proxy = NULL;
	int rc;

	snprintf(mpath, sizeof(mpath), "%s/%s.yaml", dir, head);
	if (model_meta_read(mpath, &hs->meta, err, errsz) < 0)
		return -1;
	if (hs->meta.features_version != FEATURES_VERSION ||
	    hs->meta.n_features != FEATURES_N) {
		snprintf(err, errsz, "%s: trained on feature layout %u with %u "
		    "features; this build has layout %d with %d", mpath,
		    hs->meta.features_version, hs->meta.n_features,
		    FEATURES_VERSION, FEATURES_N);
		return -1;
	}
	/* The UBJSON copy fptrain writes beside the JSON loads several times
	 * faster (XGBoost's JSON reader builds and frees a tree of every
	 * number); the JSON is the fallback for directories without it. */
	snprintf(path, sizeof(path), "%s/%s.ubj", dir, head);
	if (access(path, F_OK) != 0)
		snprintf(path, sizeof(path), "%s/%s.json", dir, head);
	if (access(path, R_OK) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (XGBoosterCreate(NULL, 0, &hs->booster) != 0 ||
	    XGBoosterLoadModel(hs->booster, path) != 0 ||
	    XGBoosterSetParam(hs->booster, "nthread", "1") != 0) {
		snprintf(err, errsz, "%s: not a loadable XGBoost model: %s",
		    path, XGBGetLastError());
		return -1;
	}
	if (XGBoosterGetNumFeature(hs->booster, &nf) != 0 || nf != FEATURES_N) {
		snprintf(err, errsz, "%s: model has %" PRIu64 " features, the "
		    "layout has %d", path, (uint64_t)nf, FEATURES_N);
		return -1;
	}
	if (XGProxyDMatrixCreate(&proxy) != 0) {
		snprintf(err, errsz, "%s: %s", path, XGBGetLastError());
		return -1;
	}
	rc = check_shape(hs->booster, proxy, hs->meta.n_classes);
	XGDMatrixFree(proxy);
	if (rc != 0) {
		snprintf(err, errsz, "%s: output does not have the %zu classes "
		    "of %s%s%s", path, hs->meta.n_classes, mpath,
		    rc < 0 ? ": " : "", rc < 0 ? XGBGetLastError() : "");
		return -1;
	}
	return 0;
}

int
model_load(const char *dir, struct model **out, char *err, size_t errsz)
{
	struct model *m;
	const char *base;
	size_t len = strlen(dir);

	*out = NULL;
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (base = dir + len; base > dir && base[-1] != '/'; base--)
		;
	snprintf(m->version, sizeof(m->version), "%.*s",
	    (int)(dir + len - base), base);
	for (int h = 0; h < MODEL_N_HEADS; h++)
		if (load_head(&m->heads[h], dir, head_names[h], err,
		    errsz) < 0) {
			model_free(m);
			return -1;
		}
	*out = m;
	return 0;
}

void
model_free(struct model *m)
{
	if (m == NULL)
		return;
	for (int h = 0; h < MODEL_N_HEADS; h++)
		if (m->heads[h].booster != NULL)
			XGBoosterFree(m->heads[h].booster);
	free(m);
}

const char *
model_version(const struct model *m)
{
	return m->version;
}

size_t
model_n_classes(const struct model *m, enum model_head h)
{
	return m->heads[h].meta.n_classes;
}

const char *
model_class(const struct model *m, enum model_head h, size_t i)
{
	return i < m->heads[h].meta.n_classes ? m->heads[h].meta.classes[i] :
	    NULL;
}

double
model_temperature(const struct model *m, enum model_head h)
{
	return m->heads[h].meta.temperature;
}

struct model_scorer *
model_scorer_new(const struct model *m, size_t max_rows, char *err,
    size_t errsz)
{
	struct model_scorer *s = calloc(1, sizeof(*s));

	if (s == NULL || max_rows == 0 || (s->margins = calloc(max_rows,
	    MODEL_MAX_CLASSES * sizeof(float))) == NULL) {
		snprintf(err, errsz, "scorer: %s", max_rows == 0 ?
		    "max_rows is 0" : strerror(errno));
		model_scorer_free(s);
		return NULL;
	}
	if (XGProxyDMatrixCreate(&s->proxy) != 0) {
		snprintf(err, errsz, "scorer: %s", XGBGetLastError());
		model_scorer_free(s);
		return NULL;
	}
	s->m = m;
	s->max_rows = max_rows;
	return s;
}

void
model_scorer_free(struct model_scorer *s)
{
	if (s == NULL)
		return;
	if (s->proxy != NULL)
		XGDMatrixFree(s->proxy);
	free(s->margins);
	free(s);
}

int
model_margins(struct model_scorer *s, enum model_head h, const float *rows,
    size_t n_rows, float *margins)
{
	const struct model_head_state *hs = &s->m->heads[h];
	bst_ulong const *shape;
	bst_ulong dim;
	float const *res;

	if (n_rows == 0 || n_rows > s->max_rows)
		return -1;
	snprintf(s->iface, sizeof(s->iface), "{\"data\": [%" PRIuPTR
	    ", true], \"shape\": [%zu, %d], \"typestr\": \"<f4\", "
	    "\"version\": 3}", (uintptr_t)rows, n_rows, FEATURES_N);
	if (XGBoosterPredictFromDense(hs->booster, s->iface, predict_config,
	    s->proxy, &shape, &dim, &res) != 0)
		return -1;
	if (dim != 2 || shape[0] != n_rows || shape[1] != hs->meta.n_classes)
		return -1;
	memcpy(margins, res, n_rows * hs->meta.n_classes * sizeof(float));
	return 0;
}

void
model_softmax(const float *margins, size_t n, double temperature,
    float *probs)
{
	double mx = -INFINITY, sum = 0;

	for (size_t i = 0; i < n; i++)
		if (margins[i] > mx)
			mx = margins[i];
	for (size_t i = 0; i < n; i++) {
		double e = exp((margins[i] - mx) / temperature);

		probs[i] = (float)e;
		sum += e;
	}
	for (size_t i = 0; i < n; i++)
		probs[i] = (float)(probs[i] / sum);
}

int
model_score(struct model_scorer *s, enum model_head h, const float *rows,
    size_t n_rows, float *probs)
{
	size_t k = s->m->heads[h].meta.n_classes;
	double t = s->m->heads[h].meta.temperature;

	if (model_margins(s, h, rows, n_rows, s->margins) < 0)
		return -1;
	for (size_t r = 0; r < n_rows; r++)
		model_softmax(s->margins + r * k, k, t, probs + r * k);
	return 0;
}

/* --- training ------------------------------------------------------------ */

static int
xgb_fail(char *err, size_t errsz, const char *what)
{
	snprintf(err, errsz, "%s: %s", what, XGBGetLastError());
	return -1;
}

static int
set_params(BoosterHandle b, const struct xgb_train_params *p)
{
	char v[10][32];
	const char *keys[10] = { "objective", "num_class", "max_depth", "eta",
	    "seed", "nthread", "min_child_weight", "lambda", "subsample",
	    "colsample_bytree" };

	snprintf(v[0], sizeof(v[0]), "multi:softprob");
	snprintf(v[1], sizeof(v[1]), "%u", p->n_classes);
	snprintf(v[2], sizeof(v[2]), "%u", p->max_depth);
	snprintf(v[3], sizeof(v[3]), "%g", p->eta);
	snprintf(v[4], sizeof(v[4]), "%u", p->seed);
	snprintf(v[5], sizeof(v[5]), "%u", p->nthread);
	snprintf(v[6], sizeof(v[6]), "%g", p->min_child_weight);
	snprintf(v[7], sizeof(v[7]), "%g", p->lambda);
	snprintf(v[8], sizeof(v[8]), "%g", p->subsample);
	snprintf(v[9], sizeof(v[9]), "%g", p->colsample);
	for (int i = 0; i < 10; i++)
		if (XGBoosterSetParam(b, keys[i], v[i]) != 0)
			return -1;
	return XGBoosterSetParam(b, "tree_method", "exact");
}

/* A booster trained on X/y/w, or NULL with the reason in err. */
static BoosterHandle
booster_train(const struct xgb_train_params *p, const float *X,
    const float *y, const float *w, size_t n, size_t nf, char *err,
    size_t errsz)
{
	DMatrixHandle d = NULL;
	BoosterHandle b = NULL;

	if (XGDMatrixCreateFromMat(X, (bst_ulong)n, (bst_ulong)nf, NAN,
	    &d) != 0) {
		xgb_fail(err, errsz, "XGDMatrixCreateFromMat");
		return NULL;
	}
	if (XGDMatrixSetFloatInfo(d, "label", y, (bst_ulong)n) != 0 ||
	    (w != NULL && XGDMatrixSetFloatInfo(d, "weight", w,
	    (bst_ulong)n) != 0)) {
		xgb_fail(err, errsz, "XGDMatrixSetFloatInfo");
		goto fail;
	}
	if (XGBoosterCreate(&d, 1, &b) != 0 || set_params(b, p) != 0) {
		xgb_fail(err, errsz, "XGBoosterSetParam");
		goto fail;
	}
	for (unsigned i = 0; i < p->rounds; i++)
		if (XGBoosterUpdateOneIter(b, (int)i, d) != 0) {
			xgb_fail(err, errsz, "XGBoosterUpdateOneIter");
			goto fail;
		}
	XGDMatrixFree(d);
	return b;
fail:
	if (b != NULL)
		XGBoosterFree(b);
	XGDMatrixFree(d);
	return NULL;
}

int
xgb_train(const struct xgb_train_params *p, const float *X, const float *y,
    const float *w, size_t n, size_t nf, const char *out_base, char *err,
    size_t errsz)
{
	static const char *const ext[] = { "json", "ubj" };
	BoosterHandle b = booster_train(p, X, y, w, n, nf, err, errsz);
	char path[4096];
	int rc = 0;

	if (b == NULL)
		return -1;
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		snprintf(path, sizeof(path), "%s.%s", out_base, ext[i]);
		if (XGBoosterSaveModel(b, path) != 0)
			rc = xgb_fail(err, errsz, path);
	}
	XGBoosterFree(b);
	return rc;
}

int
xgb_train_predict(const struct xgb_train_params *p, const float *X,
    const float *y, const float *w, size_t n, const float *Xq, size_t nq,
    size_t nf, float *prob, char *err, size_t errsz)
{
	BoosterHandle b = booster_train(p, X, y, w, n, nf, err, errsz);
	DMatrixHandle q = NULL;
	bst_ulong len;
	const float *res;
	int rc = -1;

	if (b == NULL)
		return -1;
	if (XGDMatrixCreateFromMat(Xq, (bst_ulong)nq, (bst_ulong)nf, NAN,
	    &q) != 0) {
		xgb_fail(err, errsz, "XGDMatrixCreateFromMat");
		goto out;
	}
	if (XGBoosterPredict(b, q, 0, 0, 0, &len, &res) != 0) {
		xgb_fail(err, errsz, "XGBoosterPredict");
		goto out;
	}
	if (len != (bst_ulong)nq * p->n_classes) {
		snprintf(err, errsz, "XGBoosterPredict: %llu values, expected "
		    "%zu", (unsigned long long)len, nq * p->n_classes);
		goto out;
	}
	memcpy(prob, res, len * sizeof(float));
	rc = 0;
out:
	if (q != NULL)
		XGDMatrixFree(q);
	XGBoosterFree(b);
	return rc;
}

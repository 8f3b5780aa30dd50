/* models/fptrain.c: fptrain, trains and evaluates the client and OS
 * family models (man/fptrain.1). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/dataset.h"
#include "models/features.h"
#include "models/labels.h"
#include "models/metrics.h"
#include "models/model.h"
#include "models/model_meta.h"
#include "models/xgb.h"

#define MAX_INPUTS	16
#define BATCH		256
#define ERR_MAX		1024

struct input {
	enum ds_format	 fmt;
	const char	*path;
};

struct train_opts {
	const char		*labels;
	const char		*out;
	const char		*exact_out;
	struct input		 inputs[MAX_INPUTS];
	size_t			 n_inputs;
	struct xgb_train_params	 xp;
	bool			 balance;
	double			 balance_power;	/* exponent of the weights */
	unsigned		 cv;		/* folds; 0: train */
	char			 command[4096];
};

/* Per-head results of one evaluation. */
struct eval {
	struct metrics	 model, exact;
	double		 exact_coverage;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: fptrain train --labels FILE --input FORMAT:PATH ... "
	    "--out DIR\n"
	    "           [--exact-out TSV] [--rounds N] [--max-depth N] "
	    "[--eta X]\n"
	    "           [--seed N] [--nthread N] [--min-child-weight X] "
	    "[--lambda X]\n"
	    "           [--subsample X] [--colsample X] [--balance] "
	    "[--balance-power X]\n"
	    "           [--cv K]\n"
	    "       fptrain evaluate --model DIR --format FORMAT FILE "
	    "[--labels FILE]\n"
	    "           [--head client|os] [--split all|train|calibration|test]"
	    "\n           [--exact TSV]"
	    "\n           [--predictions OUT.tsv]\n"
	    "       fptrain features\n"
	    "FORMAT: mercury, ja4db, fpsensor or leebrotherston\n");
}

static _Noreturn void
die(const char *msg)
{
	fprintf(stderr, "fptrain: %s\n", msg);
	exit(1);
}

static unsigned
num_arg(const char *opt, const char *s, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi ||
	    s[0] == '-') {
		fprintf(stderr, "fptrain: %s: %s: expected %u..%u\n", opt, s,
		    lo, hi);
		exit(2);
	}
	return (unsigned)v;
}

static void
join_argv(char *dst, size_t dstsz, int argc, char **argv)
{
	size_t n = 0;

	dst[0] = '\0';
	n = (size_t)snprintf(dst, dstsz, "fptrain");
	for (int i = 0; i < argc && n + 1 < dstsz; i++)
		n += (size_t)snprintf(dst + n, dstsz - n, " %s", argv[i]);
}

/* A number in (lo, hi] for opt, or exit 2. */
static double
real_arg(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > lo && v <= hi)) {
		fprintf(stderr, "fptrain: %s: %s: expected a number in "
		    "(%g, %g]\n", opt, s, lo, hi);
		exit(2);
	}
	return v;
}

/* --- features ------------------------------------------------------------ */

static int
cmd_features(void)
{
	printf("# feature layout %d, %d features\n", FEATURES_VERSION,
	    FEATURES_N);
	printf("%-5s %-20s %s\n", "index", "name", "meaning");
	for (size_t i = 0; i < FEATURES_N; i++)
		printf("%-5zu %-20s %s\n", i, features_layout[i].name,
		    features_layout[i].meaning);
	return 0;
}

/* --- evaluation (shared by train and evaluate) ---------------------------- */

/* Map the dataset's class index (labels file) to the model's, or -1. */
static int
map_class(const struct labels *l, const struct model *m, enum model_head h,
    int cls)
{
	if (cls < 0)
		return -1;
	for (size_t i = 0; i < model_n_classes(m, h); i++)
		if (strcmp(model_class(m, h, i), l->classes[h][cls]) == 0)
			return (int)i;
	return -1;
}

static size_t
argmax(const float *p, size_t k)
{
	size_t b = 0;

	for (size_t i = 1; i < k; i++)
		if (p[i] > p[b])
			b = i;
	return b;
}

/* Exact-match database: ja4_r -> class (model's index), from a TSV of
 * "ja4_r<TAB>client<TAB>os" lines.  Small and linear in memory; looked up
 * with a sorted array and bsearch. */
struct exact {
	char	**key;
	int	(*cls)[MODEL_N_HEADS];
	size_t	  n;
};

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
idx_cmp(const void *a, const void *b, void *ctx)
{
	const struct exact *e = ctx;

	return strcmp(e->key[*(const size_t *)a], e->key[*(const size_t *)b]);
}

static int
exact_load(struct exact *e, const char *path, const struct model *m)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *k, *c, *o;
	size_t cap = 0, *ord;
	char **keys;
	int (*cls)[MODEL_N_HEADS];

	memset(e, 0, sizeof(*e));
	if (f == NULL)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		if ((k = strtok(line, "\t\n")) == NULL ||
		    (c = strtok(NULL, "\t\n")) == NULL ||
		    (o = strtok(NULL, "\t\n")) == NULL)
			continue;
		e->key = realloc(e->key, (e->n + 1) * sizeof(*e->key));
		e->cls = realloc(e->cls, (e->n + 1) * sizeof(*e->cls));
		if (e->key == NULL || e->cls == NULL)
			die("out of memory");
		e->key[e->n] = strdup(k);
		for (int h = 0; h < MODEL_N_HEADS; h++) {
			const char *name = h == MODEL_CLIENT ? c : o;

			e->cls[e->n][h] = -1;
			for (size_t i = 0; i < model_n_classes(m, h); i++)
				if (strcmp(model_class(m, h, i), name) == 0)
					e->cls[e->n][h] = (int)i;
		}
		e->n++;
	}
	free(line);
	fclose(f);
	/* sort keys and classes together */
	ord = malloc((e->n + 1) * sizeof(*ord));
	keys = malloc((e->n + 1) * sizeof(*keys));
	cls = malloc((e->n + 1) * sizeof(*cls));
	if (ord == NULL || keys == NULL || cls == NULL)
		die("out of memory");
	for (size_t i = 0; i < e->n; i++)
		ord[i] = i;
	qsort_r(ord, e->n, sizeof(*ord), idx_cmp, e);
	for (size_t i = 0; i < e->n; i++) {
		keys[i] = e->key[ord[i]];
		memcpy(cls[i], e->cls[ord[i]], sizeof(cls[i]));
	}
	free(e->key);
	free(e->cls);
	free(ord);
	e->key = keys;
	e->cls = cls;
	return 0;
}

static int
exact_lookup(const struct exact *e, const char *key, enum model_head h)
{
	char **p;

	if (e == NULL || e->n == 0)
		return -1;
	p = bsearch(&key, e->key, e->n, sizeof(*e->key), key_cmp);
	return p != NULL ? e->cls[p - e->key][h] : -1;
}

static void
exact_free(struct exact *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->key[i]);
	free(e->key);
	free(e->cls);
}

/* Score rows of ds (in split, or all when split is DS_N_SPLITS) for head
 * h; fills ev, and writes predictions when pred != NULL. */
static void
evaluate_rows(const struct dataset *ds, const struct labels *l,
    const struct model *m, struct model_scorer *s, enum model_head h,
    enum ds_split split, const struct exact *ex, FILE *pred,
    struct eval *ev)
{
	static float x[BATCH * FEATURES_N], p[BATCH * MODEL_MAX_CLASSES];
	const struct ds_row *batch[BATCH];
	size_t k = model_n_classes(m, h), nb = 0, n_hit = 0;

	metrics_init(&ev->model, k);
	metrics_init(&ev->exact, k);
	for (size_t i = 0; i <= ds->n_rows; i++) {
		if (i < ds->n_rows) {
			const struct ds_row *r = &ds->rows[i];

			if ((split != DS_N_SPLITS && r->split != split) ||
			    map_class(l, m, h, r->label[h]) < 0)
				continue;
			memcpy(x + nb * FEATURES_N, r->x, sizeof(r->x));
			batch[nb++] = r;
			if (nb < BATCH)
				continue;
		}
		if (nb == 0)
			break;
		if (model_score(s, h, x, nb, p) < 0)
			die("scoring failed");
		for (size_t j = 0; j < nb; j++) {
			const struct ds_row *r = batch[j];
			int truth = map_class(l, m, h, r->label[h]);
			size_t c = argmax(p + j * k, k);
			int e = exact_lookup(ex, r->key, h);

			metrics_add(&ev->model, truth, (int)c, p[j * k + c]);
			metrics_add(&ev->exact, truth, e, e >= 0 ? 1 : 0);
			n_hit += e >= 0;
			if (pred != NULL)
				fprintf(pred, "%zu\t%s\t%s\t%s\t%.4f\n",
				    (size_t)(r - ds->rows), r->key,
				    model_class(m, h, (size_t)truth),
				    model_class(m, h, c), p[j * k + c]);
		}
		nb = 0;
	}
	metrics_finish(&ev->model);
	metrics_finish(&ev->exact);
	ev->exact_coverage = ev->model.n ? (double)n_hit /
	    (double)ev->model.n : 0;
}

static void
print_eval(FILE *f, const struct model *m, enum model_head h,
    const struct eval *ev, bool has_exact)
{
	const char *names[MODEL_MAX_CLASSES];

	for (size_t i = 0; i < model_n_classes(m, h); i++)
		names[i] = model_class(m, h, i);
	fprintf(f, "## %s model %s\n", model_head_name(h), model_version(m));
	metrics_print(f, &ev->model, names);
	fprintf(f, "model: macro_f1=%.4f accuracy=%.4f ece=%.4f n=%zu\n",
	    ev->model.macro_f1, ev->model.accuracy, ev->model.ece,
	    ev->model.n);
	if (!has_exact) {
		fprintf(f, "exact-match database: none given (--exact)\n");
		return;
	}
	fprintf(f, "## %s exact-match database (fingerprint seen in "
	    "training -> its majority label; unseen -> no answer)\n",
	    model_head_name(h));
	metrics_print(f, &ev->exact, names);
	fprintf(f, "exact: macro_f1=%.4f accuracy=%.4f ece=%.4f n=%zu "
	    "coverage=%.4f\n", ev->exact.macro_f1, ev->exact.accuracy,
	    ev->exact.ece, ev->exact.n, ev->exact_coverage);
}

/* --- train ------------------------------------------------------------- */

/* Rows of split with a label for head h into X/y (owned by caller). */
static size_t
gather(const struct dataset *ds, enum labels_head h, enum ds_split split,
    float **X, float **y)
{
	size_t n = 0;

	*X = malloc((ds->n_rows + 1) * sizeof(float) * FEATURES_N);
	*y = malloc((ds->n_rows + 1) * sizeof(float));
	if (*X == NULL || *y == NULL)
		die("out of memory");
	for (size_t i = 0; i < ds->n_rows; i++) {
		const struct ds_row *r = &ds->rows[i];

		if (r->split != split || r->label[h] < 0)
			continue;
		memcpy(*X + n * FEATURES_N, r->x, sizeof(r->x));
		(*y)[n++] = (float)r->label[h];
	}
	return n;
}

static void
write_meta(const char *dir, enum labels_head h, const struct labels *l,
    double temperature)
{
	struct model_meta meta = {
		.features_version = FEATURES_VERSION,
		.n_features = FEATURES_N,
		.n_classes = l->n_classes[h],
		.temperature = temperature,
	};
	char path[4096], err[ERR_MAX];

	for (size_t i = 0; i < meta.n_classes; i++)
		memcpy(meta.classes[i], l->classes[h][i], LABELS_NAME_MAX);
	snprintf(path, sizeof(path), "%s/%s.yaml", dir, labels_head_name(h));
	if (model_meta_write(path, &meta, err, sizeof(err)) < 0)
		die(err);
}

/* Class-balanced weights: n / (classes present * rows of the class),
 * to the power pw (0.5 by default: square-rooted, so rare classes gain
 * without dominating). */
static float *
balance_weights(const float *y, size_t n, size_t k, double pw)
{
	size_t cnt[LABELS_MAX_CLASSES] = { 0 }, present = 0;
	float *w = malloc((n + 1) * sizeof(float));

	if (w == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i++)
		cnt[(size_t)y[i]]++;
	for (size_t c = 0; c < k; c++)
		present += cnt[c] > 0;
	for (size_t i = 0; i < n; i++)
		w[i] = (float)pow((double)n / (double)(present *
		    cnt[(size_t)y[i]]), pw);
	return w;
}

static void
train_head(const struct train_opts *o, const struct dataset *ds,
    const struct labels *l, enum labels_head h)
{
	struct xgb_train_params xp = o->xp;
	char path[4096], err[ERR_MAX];
	float *X, *y, *w = NULL;
	size_t n = gather(ds, h, DS_TRAIN, &X, &y);

	if (n == 0)
		die("no labelled training rows");
	if (o->balance)
		w = balance_weights(y, n, l->n_classes[h], o->balance_power);
	xp.n_classes = (unsigned)l->n_classes[h];
	snprintf(path, sizeof(path), "%s/%s", o->out, labels_head_name(h));
	fprintf(stderr, "fptrain: %s: %zu training rows\n",
	    labels_head_name(h), n);
	if (xgb_train(&xp, X, y, w, n, FEATURES_N, path, err,
	    sizeof(err)) < 0)
		die(err);
	write_meta(o->out, h, l, 1.0);
	free(w);
	free(X);
	free(y);
}

/* Mean negative log-likelihood of the true classes at temperature t. */
static double
nll(const float *margins, const float *y, size_t n, size_t k, double t)
{
	float p[MODEL_MAX_CLASSES];
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		model_softmax(margins + i * k, k, t, p);
		sum -= log(fmax(p[(size_t)y[i]], 1e-12));
	}
	return n ? sum / (double)n : 0;
}

/* Temperature scaling: the t in [0.2, 5] (log grid) of least NLL on the
 * calibration split. */
static double
fit_temperature(const struct dataset *ds, enum labels_head h,
    struct model_scorer *s, size_t k)
{
	float *X, *y, *mg;
	size_t n = gather(ds, h, DS_CALIB, &X, &y);
	double best_t = 1, best = INFINITY;

	if ((mg = malloc((n + 1) * k * sizeof(float))) == NULL)
		die("out of memory");
	for (size_t i = 0; i < n; i += BATCH) {
		size_t m = n - i < BATCH ? n - i : BATCH;

		if (model_margins(s, (enum model_head)h, X + i * FEATURES_N,
		    m, mg + i * k) < 0)
			die("scoring failed");
	}
	for (int g = 0; g <= 200 && n > 0; g++) {
		double t = exp(log(0.2) + g * (log(5.0) - log(0.2)) / 200);
		double v = nll(mg, y, n, k, t);

		if (v < best) {
			best = v;
			best_t = t;
		}
	}
	fprintf(stderr, "fptrain: %s: temperature %.4f from %zu calibration "
	    "rows (nll %.4f at 1, %.4f at t)\n", labels_head_name(h), best_t,
	    n, nll(mg, y, n, k, 1), best);
	free(X);
	free(y);
	free(mg);
	return best_t;
}

static void
write_exact(const char *path, const struct dataset *ds,
    const struct labels *l)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	for (size_t i = 0; i < ds->n_rows; i++) {
		const struct ds_row *r = &ds->rows[i];

		if (r->split != DS_TRAIN)
			continue;
		fprintf(f, "%s\t%s\t%s\n", r->key, r->label[0] >= 0 ?
		    l->classes[0][r->label[0]] : "-", r->label[1] >= 0 ?
		    l->classes[1][r->label[1]] : "-");
	}
	if (fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void
card_eval(FILE *f, const struct model *m, enum model_head h,
    const struct eval *raw, const struct eval *cal)
{
	fprintf(f, "\n### %s (temperature %.4f)\n\n```\n", model_head_name(h),
	    model_temperature(m, h));
	print_eval(f, m, h, cal, true);
	fprintf(f, "```\n\nECE before calibration %.4f, after %.4f.\n",
	    raw->model.ece, cal->model.ece);
}

static void
card_data(FILE *f, const struct train_opts *o, const struct dataset *ds,
    const struct labels *l, const size_t (*per_input)[4])
{
	fprintf(f, "## Data\n\n| format | path | records | fingerprints "
	    "added | unusable | unmapped client labels | unmapped OS labels "
	    "|\n|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < o->n_inputs; i++)
		fprintf(f, "| %s | %s | %zu | %zu | %zu | %zu | %zu |\n",
		    ds_format_name(o->inputs[i].fmt), o->inputs[i].path,
		    per_input[i][0], per_input[i][1], per_input[i][2],
		    per_input[i][3] & 0xffffffffu, per_input[i][3] >> 32);
	fprintf(f, "\nfpsensor inputs are our own captures labelled by "
	    "models/label_pcaps.sh; `make eval FPTRAIN_OUT=%s` "
	    "(models/eval.sh) makes them and runs the command above.\n",
	    o->out);
	fprintf(f, "\nRows are fingerprints (distinct ja4_r); a row's label "
	    "is the class with the largest count among its mapped labels "
	    "(models/labels.yaml).  Split by FNV-1a(ja4_r) mod 100: "
	    "< 70 train, < 85 calibration, else test.\n\n");
	for (int h = 0; h < LABELS_N_HEADS; h++) {
		size_t cnt[LABELS_MAX_CLASSES][DS_N_SPLITS] = { { 0 } };

		for (size_t i = 0; i < ds->n_rows; i++)
			if (ds->rows[i].label[h] >= 0)
				cnt[ds->rows[i].label[h]][ds->rows[i].split]++;
		fprintf(f, "| %s class | train | calibration | test |\n"
		    "|---|---|---|---|\n", labels_head_name(h));
		for (size_t c = 0; c < l->n_classes[h]; c++)
			fprintf(f, "| %s | %zu | %zu | %zu |\n",
			    l->classes[h][c], cnt[c][0], cnt[c][1], cnt[c][2]);
		fprintf(f, "\nUnlabelled %s rows (no mapped label): %zu\n\n",
		    labels_head_name(h), ds->n_unlabelled[h]);
	}
}

/* Our own labelled captures (fpsensor input) as the final model scores
 * them: the known hellos tests/unit/test_model.c checks. */
static void
card_known(FILE *f, const struct dataset *ds, const struct labels *l,
    const struct model *m)
{
	char err[ERR_MAX];
	struct model_scorer *s = model_scorer_new(m, 1, err, sizeof(err));
	float p[MODEL_MAX_CLASSES];
	size_t k = model_n_classes(m, MODEL_CLIENT);

	if (s == NULL)
		die(err);
	fprintf(f, "\n## Known hellos (our captures, fpsensor records)\n\n"
	    "| source | ja4_r | true | predicted | probability | split |\n"
	    "|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < ds->n_rows; i++) {
		const struct ds_row *r = &ds->rows[i];
		size_t c;

		if (!(r->sources & 1u << DS_FPSENSOR))
			continue;
		if (model_score(s, MODEL_CLIENT, r->x, 1, p) < 0)
			die("scoring failed");
		c = argmax(p, k);
		fprintf(f, "| fpsensor | %s | %s | %s | %.4f | %s |\n", r->key,
		    r->label[0] >= 0 ? l->classes[0][r->label[0]] : "-",
		    model_class(m, MODEL_CLIENT, c), p[c],
		    ds_split_name(r->split));
	}
	model_scorer_free(s);
}

static void
write_card(const struct train_opts *o, const struct dataset *ds,
    const struct labels *l, const struct model *m,
    const struct eval raw[MODEL_N_HEADS], const struct eval cal[MODEL_N_HEADS],
    const size_t (*per_input)[4])
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/card.md", o->out);
	if ((f = fopen(path, "w")) == NULL)
		die("cannot write card.md");
	fprintf(f, "# Model card: fpsensor client and OS families, version "
	    "%s\n\nRebuilt by:\n\n    %s\n\n", model_version(m), o->command);
	fprintf(f, "XGBoost %s, multi:softprob, %u rounds, max_depth %u, "
	    "eta %g, min_child_weight %g, lambda %g, subsample %g, "
	    "colsample_bytree %g, seed %u, nthread %u, tree_method exact%s."
	    "\nFeatures: layout %d, %d features from the ja4_r of the hello "
	    "(`fptrain features`, man/fptrain.1).\n"
	    "Probabilities: softmax(margin / temperature), temperature fitted "
	    "on the calibration split (least NLL).\n\n", xgb_version(),
	    o->xp.rounds, o->xp.max_depth, o->xp.eta, o->xp.min_child_weight,
	    o->xp.lambda, o->xp.subsample, o->xp.colsample, o->xp.seed,
	    o->xp.nthread, o->balance ? ", class-balanced row weights" : "",
	    FEATURES_VERSION, FEATURES_N);
	card_data(f, o, ds, l, per_input);
	fprintf(f, "## Held-out test split (fingerprints never in training)\n"
	    "\nThe exact-match database is the training split's "
	    "ja4_r -> majority label; since the split is by ja4_r it answers "
	    "nothing on this split (coverage 0), which is the point: the "
	    "model generalises to unseen fingerprints, a lookup table "
	    "cannot.\n");
	for (int h = 0; h < MODEL_N_HEADS; h++)
		card_eval(f, m, (enum model_head)h, &raw[h], &cal[h]);
	fprintf(f, "\n## Limits\n\nFamilies that share a TLS stack are "
	    "hard to tell apart from the hello alone: safari and "
	    "cfnetwork_apple (Apple's system networking), python and "
	    "openssl_curl (OpenSSL), chrome and Electron apps.  Labels are "
	    "process names as mercury recorded them (2019-2020 traffic), "
	    "mapped by models/labels.yaml; a fingerprint shared by many "
	    "processes gets the majority's family.  Classes without training "
	    "rows (see the table above) are never predicted.  TCP and HTTP "
	    "features are not used.\n");
	card_known(f, ds, l, m);
	if (fclose(f) != 0)
		die("cannot write card.md");
}

static void
evaluate_all(const struct dataset *ds, const struct labels *l,
    const char *dir, const struct exact *ex, struct eval ev[MODEL_N_HEADS],
    struct model **out)
{
	char err[ERR_MAX];
	struct model *m;
	struct model_scorer *s;

	if (model_load(dir, &m, err, sizeof(err)) < 0)
		die(err);
	if ((s = model_scorer_new(m, BATCH, err, sizeof(err))) == NULL)
		die(err);
	for (int h = 0; h < MODEL_N_HEADS; h++)
		evaluate_rows(ds, l, m, s, (enum model_head)h, DS_TEST, ex,
		    NULL, &ev[h]);
	model_scorer_free(s);
	if (out != NULL)
		*out = m;
	else
		model_free(m);
}

static void
calibrate(const struct train_opts *o, const struct dataset *ds,
    const struct labels *l)
{
	char err[ERR_MAX];
	struct model *m;
	struct model_scorer *s;
	double t[MODEL_N_HEADS];

	if (model_load(o->out, &m, err, sizeof(err)) < 0)
		die(err);
	if ((s = model_scorer_new(m, BATCH, err, sizeof(err))) == NULL)
		die(err);
	for (int h = 0; h < MODEL_N_HEADS; h++)
		t[h] = fit_temperature(ds, (enum labels_head)h, s,
		    model_n_classes(m, (enum model_head)h));
	model_scorer_free(s);
	model_free(m);
	for (int h = 0; h < MODEL_N_HEADS; h++)
		write_meta(o->out, (enum labels_head)h, l, t[h]);
}

static int
run_train(struct train_opts *o)
{
	char err[ERR_MAX], exact_path[4096];
	struct labels l;
	struct dataset ds = { 0 };
	struct eval raw[MODEL_N_HEADS], cal[MODEL_N_HEADS];
	struct exact ex;
	struct model *m;
	size_t per_input[MAX_INPUTS][4];

	if (labels_load(o->labels, &l, err, sizeof(err)) < 0)
		die(err);
	for (size_t i = 0; i < o->n_inputs; i++) {
		struct dataset before = ds;

		if (ds_read(&ds, &l, o->inputs[i].fmt, o->inputs[i].path, err,
		    sizeof(err)) < 0)
			die(err);
		per_input[i][0] = ds.n_records - before.n_records;
		per_input[i][1] = ds.n_rows - before.n_rows;
		per_input[i][2] = ds.n_malformed - before.n_malformed;
		per_input[i][3] = (ds.n_unmapped[0] - before.n_unmapped[0]) |
		    (size_t)(ds.n_unmapped[1] - before.n_unmapped[1]) << 32;
	}
	ds_finish(&ds);
	if (mkdir(o->out, 0755) < 0 && errno != EEXIST)
		die(strerror(errno));
	for (int h = 0; h < LABELS_N_HEADS; h++)
		train_head(o, &ds, &l, (enum labels_head)h);
	if (o->exact_out == NULL) {
		snprintf(exact_path, sizeof(exact_path), "%s/.exact.tsv",
		    o->out);
		o->exact_out = exact_path;
	}
	write_exact(o->exact_out, &ds, &l);
	evaluate_all(&ds, &l, o->out, NULL, raw, NULL);
	calibrate(o, &ds, &l);
	if ((m = NULL, model_load(o->out, &m, err, sizeof(err))) < 0)
		die(err);
	if (exact_load(&ex, o->exact_out, m) < 0)
		die("cannot read the exact-match database");
	evaluate_all(&ds, &l, o->out, &ex, cal, NULL);
	write_card(o, &ds, &l, m, raw, cal, per_input);
	for (int h = 0; h < MODEL_N_HEADS; h++) {
		print_eval(stdout, m, (enum model_head)h, &cal[h], true);
		printf("%s: macro_f1=%.4f accuracy=%.4f ece=%.4f n=%zu\n",
		    model_head_name((enum model_head)h), cal[h].model.macro_f1,
		    cal[h].model.accuracy, cal[h].model.ece, cal[h].model.n);
	}
	if (o->exact_out == exact_path)
		remove(exact_path);
	exact_free(&ex);
	model_free(m);
	ds_free(&ds);
	labels_free(&l);
	return 0;
}

/* --- cross-validation on the training split ----------------------------- */

/* The fold of a training row: a hash of its ja4_r other than the split's,
 * so folds are by fingerprint too. */
static unsigned
fold_of(const char *key, unsigned k)
{
	uint32_t h = 5381;

	for (; *key != '\0'; key++)
		h = h * 33 + (unsigned char)*key;
	return h % k;
}

/* Out-of-fold predictions of the training rows of head h into mt. */
static void
cv_head(const struct train_opts *o, const struct dataset *ds,
    const struct labels *l, enum labels_head h, struct metrics *mt)
{
	struct xgb_train_params xp = o->xp;
	size_t k = l->n_classes[h], n = 0;
	float *X, *y, *Xa, *ya, *Xq, *p, *w = NULL;
	char err[ERR_MAX];
	size_t na = gather(ds, h, DS_TRAIN, &Xa, &ya);
	unsigned *fold = malloc((na + 1) * sizeof(*fold));

	X = malloc((na + 1) * sizeof(float) * FEATURES_N);
	Xq = malloc((na + 1) * sizeof(float) * FEATURES_N);
	y = malloc((na + 1) * sizeof(float));
	p = malloc((na + 1) * k * sizeof(float));
	if (fold == NULL || X == NULL || Xq == NULL || y == NULL || p == NULL)
		die("out of memory");
	for (size_t i = 0; i < ds->n_rows; i++)
		if (ds->rows[i].split == DS_TRAIN && ds->rows[i].label[h] >= 0)
			fold[n++] = fold_of(ds->rows[i].key, o->cv);
	xp.n_classes = (unsigned)k;
	metrics_init(mt, k);
	for (unsigned f = 0; f < o->cv; f++) {
		size_t nt = 0, nq = 0;

		for (size_t i = 0; i < na; i++) {
			float *dst = fold[i] == f ? Xq + nq++ * FEATURES_N :
			    X + nt * FEATURES_N;

			memcpy(dst, Xa + i * FEATURES_N,
			    FEATURES_N * sizeof(float));
			if (fold[i] != f)
				y[nt++] = ya[i];
		}
		if (nq == 0 || nt == 0)
			continue;
		if (o->balance)
			w = balance_weights(y, nt, k, o->balance_power);
		if (xgb_train_predict(&xp, X, y, w, nt, Xq, nq, FEATURES_N, p,
		    err, sizeof(err)) < 0)
			die(err);
		free(w);
		w = NULL;
		for (size_t i = 0, j = 0; i < na; i++) {
			size_t c;

			if (fold[i] != f)
				continue;
			c = argmax(p + j * k, k);
			metrics_add(mt, (int)ya[i], (int)c, p[j * k + c]);
			j++;
		}
	}
	metrics_finish(mt);
	free(fold);
	free(X);
	free(Xq);
	free(y);
	free(p);
	free(Xa);
	free(ya);
}

/* --cv K: K-fold cross-validation on the training split only (folds by
 * fingerprint), for choosing the training options; nothing is written and
 * the calibration and test splits are not read. */
static int
run_cv(const struct train_opts *o)
{
	char err[ERR_MAX];
	struct labels l;
	struct dataset ds = { 0 };
	struct metrics mt;

	if (labels_load(o->labels, &l, err, sizeof(err)) < 0)
		die(err);
	for (size_t i = 0; i < o->n_inputs; i++)
		if (ds_read(&ds, &l, o->inputs[i].fmt, o->inputs[i].path, err,
		    sizeof(err)) < 0)
			die(err);
	ds_finish(&ds);
	for (int h = 0; h < LABELS_N_HEADS; h++) {
		const char *names[LABELS_MAX_CLASSES];

		for (size_t c = 0; c < l.n_classes[h]; c++)
			names[c] = l.classes[h][c];
		cv_head(o, &ds, &l, (enum labels_head)h, &mt);
		printf("## %s: %u-fold cross-validation on the training split"
		    "\n", labels_head_name((enum labels_head)h), o->cv);
		metrics_print(stdout, &mt, names);
		printf("cv %s: macro_f1=%.4f accuracy=%.4f ece=%.4f n=%zu\n",
		    labels_head_name((enum labels_head)h), mt.macro_f1,
		    mt.accuracy, mt.ece, mt.n);
	}
	ds_free(&ds);
	labels_free(&l);
	return 0;
}

static int
cmd_train(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "labels", required_argument, NULL, 'l' },
		{ "input", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "exact-out", required_argument, NULL, 'x' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "max-depth", required_argument, NULL, 'd' },
		{ "eta", required_argument, NULL, 'e' },
		{ "seed", required_argument, NULL, 's' },
		{ "nthread", required_argument, NULL, 't' },
		{ "balance", no_argument, NULL, 'b' },
		{ "balance-power", required_argument, NULL, 'B' },
		{ "min-child-weight", required_argument, NULL, 'w' },
		{ "lambda", required_argument, NULL, 'L' },
		{ "subsample", required_argument, NULL, 'S' },
		{ "colsample", required_argument, NULL, 'C' },
		{ "cv", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	static struct train_opts o = {
		.xp = { .rounds = 60, .max_depth = 6, .eta = 0.3,
		    .min_child_weight = 1, .lambda = 1, .subsample = 1,
		    .colsample = 1, .seed = 1, .nthread = 1 },
		.balance_power = 0.5,
	};
	char *colon, *end;
	int c;

	join_argv(o.command, sizeof(o.command), argc, argv);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': o.labels = optarg; break;
		case 'o': o.out = optarg; break;
		case 'x': o.exact_out = optarg; break;
		case 'b': o.balance = true; break;
		case 'B': o.balance = true;
			o.balance_power = real_arg("--balance-power", optarg,
			    0, 1);
			break;
		case 'w': o.xp.min_child_weight = real_arg(
			    "--min-child-weight", optarg, -1e-9, 1000);
			break;
		case 'L': o.xp.lambda = real_arg("--lambda", optarg, -1e-9,
			    1000);
			break;
		case 'S': o.xp.subsample = real_arg("--subsample", optarg, 0,
			    1);
			break;
		case 'k': o.cv = num_arg("--cv", optarg, 2, 20);
			break;
		case 'C': o.xp.colsample = real_arg("--colsample", optarg, 0,
			    1);
			break;
		case 'r': o.xp.rounds = num_arg("--rounds", optarg, 1, 10000);
			break;
		case 'd': o.xp.max_depth = num_arg("--max-depth", optarg, 1,
			    20);
			break;
		case 's': o.xp.seed = num_arg("--seed", optarg, 0, 1u << 30);
			break;
		case 't': o.xp.nthread = num_arg("--nthread", optarg, 1, 256);
			break;
		case 'e':
			o.xp.eta = strtod(optarg, &end);
			if (*end != '\0' || !(o.xp.eta > 0 && o.xp.eta <= 1))
				die("--eta: expected a number in (0, 1]");
			break;
		case 'i':
			if (o.n_inputs == MAX_INPUTS)
				die("too many --input");
			if ((colon = strchr(optarg, ':')) == NULL)
				die("--input: FORMAT:PATH expected");
			*colon = '\0';
			o.inputs[o.n_inputs].fmt = ds_format_parse(optarg);
			o.inputs[o.n_inputs].path = colon + 1;
			if (o.inputs[o.n_inputs++].fmt == DS_N_FORMATS)
				die("--input: format is mercury, ja4db, "
				    "fpsensor or leebrotherston");
			break;
		default: usage(stderr); return 2;
		}
	}
	if (o.labels == NULL || (o.out == NULL && o.cv == 0) ||
	    o.n_inputs == 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	return o.cv > 0 ? run_cv(&o) : run_train(&o);
}

/* --- evaluate ---------------------------------------------------------- */

struct eval_opts {
	const char	*model, *labels, *exact, *pred_path;
	enum ds_format	 fmt;
	enum model_head	 head;
	enum ds_split	 split;		/* DS_N_SPLITS: all rows */
};

static int
run_evaluate(const struct eval_opts *o, const char *file)
{
	char err[ERR_MAX], lpath[4096];
	struct labels l;
	struct dataset ds = { 0 };
	struct model *m;
	struct model_scorer *s;
	struct exact ex = { 0 };
	struct eval ev;
	FILE *pred = NULL;

	if (model_load(o->model, &m, err, sizeof(err)) < 0)
		die(err);
	snprintf(lpath, sizeof(lpath), "%s/../labels.yaml", o->model);
	if (labels_load(o->labels ? o->labels : lpath, &l, err,
	    sizeof(err)) < 0)
		die(err);
	if (ds_read(&ds, &l, o->fmt, file, err, sizeof(err)) < 0)
		die(err);
	ds_finish(&ds);
	if (o->exact != NULL && exact_load(&ex, o->exact, m) < 0)
		die("cannot read the --exact database");
	if (o->pred_path != NULL) {
		if ((pred = fopen(o->pred_path, "w")) == NULL)
			die("cannot write --predictions");
		fprintf(pred, "id\tja4_r\ttrue\tpredicted\tprobability\n");
	}
	if ((s = model_scorer_new(m, BATCH, err, sizeof(err))) == NULL)
		die(err);
	evaluate_rows(&ds, &l, m, s, o->head, o->split,
	    o->exact ? &ex : NULL, pred, &ev);
	printf("# %s: %zu records, %zu rows, %zu unusable, %zu rows without "
	    "a %s label\n", file, ds.n_records, ds.n_rows, ds.n_malformed,
	    ds.n_unlabelled[o->head], model_head_name(o->head));
	print_eval(stdout, m, o->head, &ev, o->exact != NULL);
	printf("macro_f1=%.4f accuracy=%.4f ece=%.4f n=%zu\n",
	    ev.model.macro_f1, ev.model.accuracy, ev.model.ece, ev.model.n);
	if (pred != NULL && fclose(pred) != 0)
		die("cannot write --predictions");
	model_scorer_free(s);
	exact_free(&ex);
	model_free(m);
	ds_free(&ds);
	labels_free(&l);
	return 0;
}

/* all, train, calibration or test. */
static enum ds_split
split_arg(const char *s)
{
	if (strcmp(s, "all") == 0)
		return DS_N_SPLITS;
	for (int i = 0; i < DS_N_SPLITS; i++)
		if (strcmp(s, ds_split_name((enum ds_split)i)) == 0)
			return (enum ds_split)i;
	die("--split: all, train, calibration or test");
}

static int
cmd_evaluate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "format", required_argument, NULL, 'f' },
		{ "labels", required_argument, NULL, 'l' },
		{ "head", required_argument, NULL, 'h' },
		{ "split", required_argument, NULL, 's' },
		{ "exact", required_argument, NULL, 'x' },
		{ "predictions", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct eval_opts o = { .fmt = DS_N_FORMATS, .head = MODEL_CLIENT,
	    .split = DS_N_SPLITS };
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': o.model = optarg; break;
		case 'l': o.labels = optarg; break;
		case 'x': o.exact = optarg; break;
		case 'p': o.pred_path = optarg; break;
		case 'f': o.fmt = ds_format_parse(optarg); break;
		case 'h':
			if (strcmp(optarg, "client") == 0)
				o.head = MODEL_CLIENT;
			else if (strcmp(optarg, "os") == 0)
				o.head = MODEL_OS;
			else
				die("--head: client or os");
			break;
		case 's':
			o.split = split_arg(optarg);
			break;
		default: usage(stderr); return 2;
		}
	}
	if (o.model == NULL || o.fmt == DS_N_FORMATS || optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	return run_evaluate(&o, argv[optind]);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "features") == 0 && argc == 2)
		return cmd_features();
	if (strcmp(argv[1], "train") == 0)
		return cmd_train(argc - 1, argv + 1);
	if (strcmp(argv[1], "evaluate") == 0)
		return cmd_evaluate(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}

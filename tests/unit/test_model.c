/* tests/unit/test_model.c: the shipped model directory loads; missing,
 * truncated and wrong-shaped models are refused with the file named;
 * a known hello scores as each shipped version's card.md says (v1, and
 * v2, the default); batched and single scoring agree; v2's UBJSON
 * boosters, loaded in preference to the JSON, score exactly as the JSON
 * does, and a broken one is refused, not passed over.  Skipped (77) when
 * built without XGBoost. */
#include "models/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzers/tls_hello.h"
#include "tests/fixtures/tls/fixtures.h"
#include "tests/test.h"

#ifdef HAVE_XGBOOST
#define TMPDIR	"test_model.tmp"

static char v1[1024], v2[1024];
static const char *src = v1;

/* Copy src/<name> to TMPDIR/<name>, keeping keep bytes (all if < 0) and
 * replacing the first 'from' with 'to' when given. */
static void
copy(const char *name, long keep, const char *from, const char *to)
{
	char from_path[1200], dst[1200], *buf, *hit;
	FILE *f;
	long n;

	snprintf(from_path, sizeof(from_path), "%s/%s", src, name);
	snprintf(dst, sizeof(dst), "%s/%s", TMPDIR, name);
	f = fopen(from_path, "rb");
	if (f == NULL) {
		perror(from_path);
		exit(99);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 256);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(99);
	fclose(f);
	if (from != NULL && (hit = strstr(buf, from)) != NULL) {
		memmove(hit + strlen(to), hit + strlen(from),
		    strlen(hit + strlen(from)) + 1);
		memcpy(hit, to, strlen(to));
		n = (long)strlen(buf);
	}
	if (keep >= 0 && keep < n)
		n = keep;
	f = fopen(dst, "wb");
	fwrite(buf, 1, (size_t)n, f);
	fclose(f);
	free(buf);
}

static void
make_copy(void)
{
	mkdir(TMPDIR, 0755);
	copy("client.json", -1, NULL, NULL);
	copy("client.yaml", -1, NULL, NULL);
	copy("os.json", -1, NULL, NULL);
	copy("os.yaml", -1, NULL, NULL);
}

static void
expect_refused(const char *file, const char *why)
{
	struct model *m = (struct model *)1;
	char err[1024];

	CHECK(model_load(TMPDIR, &m, err, sizeof(err)) == -1);
	CHECK(m == NULL);
	if (!CHECK(strstr(err, file) != NULL && strstr(err, why) != NULL))
		fprintf(stderr, "got '%s', want %s and '%s'\n", err, file, why);
	make_copy();
}

static void
test_errors(void)
{
	struct model *m;
	char err[1024];

	CHECK(model_load("/nonexistent/v9", &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "/nonexistent/v9/client.yaml") != NULL);
	make_copy();
	CHECK(model_load(TMPDIR, &m, err, sizeof(err)) == 0);
	model_free(m);
	remove(TMPDIR "/os.json");
	expect_refused(TMPDIR "/os.json", "No such file");
	copy("client.json", 2000, NULL, NULL);		/* truncated */
	expect_refused(TMPDIR "/client.json", "not a loadable");
	copy("client.json", 0, NULL, NULL);		/* empty */
	expect_refused(TMPDIR "/client.json", "not a loadable");
	copy("client.yaml", -1, "n_features: ", "n_features: 1");
	expect_refused(TMPDIR "/client.yaml", "features");
	copy("os.yaml", -1, "features_version: ", "features_version: 9");
	expect_refused(TMPDIR "/os.yaml", "layout");
	copy("client.yaml", -1, "  - chrome\n", "");	/* one class short */
	expect_refused(TMPDIR "/client.json", "classes");
	copy("os.yaml", -1, "classes:", "bogus: 1\nclasses:");
	expect_refused(TMPDIR "/os.yaml", "unknown key");
	copy("os.yaml", -1, "temperature: ", "temperature: -");
	expect_refused(TMPDIR "/os.yaml", "temperature");
}

/* The predicted class dir/card.md lists for ja4r ("| ja4_r | ... |"). */
static bool
card_class(const char *dir, const char *ja4r, char *cls, size_t clssz)
{
	char path[1300], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/card.md", dir);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	while (!found && getline(&line, &cap, f) > 0) {
		char *p = strstr(line, ja4r), *q;

		if (p == NULL || strncmp(p + strlen(ja4r), " | ", 3) != 0)
			continue;
		/* | source | ja4_r | true | predicted | probability | */
		p += strlen(ja4r) + 3;
		if ((p = strstr(p, " | ")) == NULL)
			continue;
		p += 3;
		if ((q = strchr(p, ' ')) == NULL || (size_t)(q - p) >= clssz)
			continue;
		memcpy(cls, p, (size_t)(q - p));
		cls[q - p] = '\0';
		found = true;
	}
	free(line);
	fclose(f);
	return found;
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

static void
test_score(const char *version)
{
	char dir[1200];
	struct model *m;
	struct model_scorer *s;
	char err[1024], ja4r[FEATURES_JA4R_MAX + 1], want[64];
	static float rows[N_FIXTURES][FEATURES_N];
	float batch[N_FIXTURES * MODEL_MAX_CLASSES], one[MODEL_MAX_CLASSES];
	size_t k, n_known = 0;

	snprintf(dir, sizeof(dir), "%s/models/%s", test_srcdir(), version);
	if (!CHECK(model_load(dir, &m, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_EQ_S(model_version(m), version);
	k = model_n_classes(m, MODEL_CLIENT);
	s = model_scorer_new(m, N_FIXTURES, err, sizeof(err));
	CHECK(s != NULL);
	for (size_t i = 0; i < N_FIXTURES; i++) {
		struct tls_hs_msg msg = { 0 };
		struct tls_client_hello ch;

		CHECK(find_msg(fixtures[i].client, fixtures[i].client_len, 1,
		    &msg));
		CHECK(tls_parse_client_hello(msg.body, msg.len, &ch) == TLS_OK);
		features_from_hello(&ch, 't', rows[i], ja4r, sizeof(ja4r));
		CHECK(model_score(s, MODEL_CLIENT, rows[i], 1, one) == 0);
		if (card_class(dir, ja4r, want, sizeof(want))) {
			n_known++;
			CHECK_EQ_S(model_class(m, MODEL_CLIENT,
			    argmax(one, k)), want);
		}
	}
	CHECK(n_known >= 1);		/* the card lists our captures */
	CHECK(model_score(s, MODEL_CLIENT, rows[0], N_FIXTURES, batch) == 0);
	for (size_t i = 0; i < N_FIXTURES; i++) {
		double sum = 0;

		model_score(s, MODEL_CLIENT, rows[i], 1, one);
		for (size_t c = 0; c < k; c++) {
			CHECK(fabsf(one[c] - batch[i * k + c]) < 1e-6f);
			sum += one[c];
		}
		CHECK(fabs(sum - 1) < 1e-4);
	}
	CHECK(model_score(s, MODEL_CLIENT, rows[0], N_FIXTURES + 1,
	    batch) == -1);
	model_scorer_free(s);
	model_free(m);
}

/* Class probabilities of every fixture's hello under dir's client head
 * into p[N_FIXTURES * MODEL_MAX_CLASSES]; false when dir does not load. */
static bool
score_fixtures(const char *dir, float *p)
{
	struct model *m;
	struct model_scorer *s;
	char err[1024];
	float row[FEATURES_N];

	if (!CHECK(model_load(dir, &m, err, sizeof(err)) == 0)) {
		fprintf(stderr, "%s\n", err);
		return false;
	}
	s = model_scorer_new(m, 1, err, sizeof(err));
	CHECK(s != NULL);
	for (size_t i = 0; s != NULL && i < N_FIXTURES; i++) {
		struct tls_hs_msg msg = { 0 };
		struct tls_client_hello ch;

		CHECK(find_msg(fixtures[i].client, fixtures[i].client_len, 1,
		    &msg));
		CHECK(tls_parse_client_hello(msg.body, msg.len, &ch) == TLS_OK);
		features_from_hello(&ch, 't', row, NULL, 0);
		CHECK(model_score(s, MODEL_CLIENT, row, 1,
		    p + i * MODEL_MAX_CLASSES) == 0);
	}
	model_scorer_free(s);
	model_free(m);
	return true;
}

static void
test_ubj(void)
{
	static float from_ubj[N_FIXTURES * MODEL_MAX_CLASSES],
	    from_json[N_FIXTURES * MODEL_MAX_CLASSES];
	struct model *m;
	char err[1024];

	src = v2;
	make_copy();			/* JSON and YAML only */
	CHECK(score_fixtures(v2, from_ubj));	/* the shipped .ubj */
	CHECK(score_fixtures(TMPDIR, from_json));
	CHECK(memcmp(from_ubj, from_json, sizeof(from_ubj)) == 0);
	copy("client.ubj", 3000, NULL, NULL);	/* truncated: no fallback */
	expect_refused(TMPDIR "/client.ubj", "not a loadable");
	copy("client.ubj", -1, NULL, NULL);
	copy("os.ubj", -1, NULL, NULL);
	CHECK(model_load(TMPDIR, &m, err, sizeof(err)) == 0);
	model_free(m);
	src = v1;
}

static void
cleanup(void)
{
	static const char *const files[] = { "client.json", "client.yaml",
	    "os.json", "os.yaml", "client.ubj", "os.ubj" };
	char path[256];

	for (size_t i = 0; i < 6; i++) {
		snprintf(path, sizeof(path), "%s/%s", TMPDIR, files[i]);
		remove(path);
	}
	rmdir(TMPDIR);
}

#endif

int
main(void)
{
#ifndef HAVE_XGBOOST
	return 77;
#else
	snprintf(v1, sizeof(v1), "%s/models/v1", test_srcdir());
	snprintf(v2, sizeof(v2), "%s/models/v2", test_srcdir());
	test_errors();
	test_ubj();
	test_score("v1");
	test_score("v2");
	cleanup();
	return test_done("test_model");
#endif
}

/* tests/bench/bench_model.c (make bench-model): nanoseconds per row to
 * score the client head of a model directory, one row per call versus
 * batches, on the feature vectors of pcaps' real hellos; and the cost of
 * the feature extraction itself.  Not a test: prints a table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyzers/tls_hello.h"
#include "models/features.h"
#include "models/model.h"
#include "tests/fixtures/tls/fixtures.h"

#define ROWS	4096

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	static float rows[ROWS * FEATURES_N], probs[ROWS * MODEL_MAX_CLASSES];
	static struct tls_client_hello ch[N_FIXTURES];
	struct model *m;
	struct model_scorer *s;
	char err[1024];
	size_t batches[] = { 1, 16, 64, 256, 1024, 4096 };
	double t0;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_model MODEL_DIR\n");
		return 2;
	}
	if (model_load(argv[1], &m, err, sizeof(err)) < 0 ||
	    (s = model_scorer_new(m, ROWS, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_model: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < N_FIXTURES; i++) {
		struct tls_hs_msg msg;

		if (!find_msg(fixtures[i].client, fixtures[i].client_len, 1,
		    &msg))
			return 1;
		tls_parse_client_hello(msg.body, msg.len, &ch[i]);
	}
	t0 = now_ns();
	for (size_t r = 0; r < ROWS; r++)
		features_from_hello(&ch[r % N_FIXTURES], 't',
		    rows + r * FEATURES_N, NULL, 0);
	printf("%-28s %10.0f ns/row\n", "features_from_hello",
	    (now_ns() - t0) / ROWS);
	for (size_t b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
		size_t n = batches[b];
		double best = 1e300;

		for (int rep = 0; rep < 5; rep++) {
			t0 = now_ns();
			for (size_t r = 0; r + n <= ROWS; r += n)
				if (model_score(s, MODEL_CLIENT,
				    rows + r * FEATURES_N, n,
				    probs + r * 0) < 0)
					return 1;
			t0 = (now_ns() - t0) / (double)(ROWS / n * n);
			if (t0 < best)
				best = t0;
		}
		printf("model_score batch %-10zu %10.0f ns/row\n", n, best);
	}
	model_scorer_free(s);
	model_free(m);
	return 0;
}

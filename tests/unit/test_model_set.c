/* tests/unit/test_model_set.c: a model set's batches (sensor/model_set.h)
 * with the shipped model: queued rows are answered after one run as each
 * row scored alone is, a ja4_r queued twice is one row counted as a cache
 * hit, the next ask is a cache hit, a refused ja4_r is counted, a full
 * batch says so, and the batch size is counted.  Skipped (77) when built
 * without XGBoost. */
#include "sensor/model_set.h"

#include <stdio.h>
#include <string.h>

#include "tests/test.h"

#ifdef HAVE_XGBOOST
static char dir[1024];

/* A ja4_r of four ciphers, the first one i's own: distinct for each i. */
static size_t
ja4r(unsigned i, char *buf, size_t sz)
{
	return (size_t)snprintf(buf, sz, "t13d0410h2_%04x,1301,1302,c02b_"
	    "000a,000b,000d,0015,0016,0017,002b,002d,0031,0033_0403,0503",
	    0x0030 + i);
}

static void
load(struct model_set *ms, struct model_counters *c)
{
	struct model_set_config cfg = { .dir = dir };
	char err[512];

	memset(c, 0, sizeof(*c));
	cfg.version[MODEL_PRIMARY] = "v1";
	if (model_set_load(ms, &cfg, c, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(99);
	}
}

/* An opinion kept past its set's life. */
struct kept {
	char		 client[64], os[64];
	float		 client_prob, os_prob;
};

static void
keep(const struct model_opinion *o, struct kept *k)
{
	snprintf(k->client, sizeof(k->client), "%s", o->client);
	snprintf(k->os, sizeof(k->os), "%s", o->os);
	k->client_prob = o->client_prob;
	k->os_prob = o->os_prob;
}

static bool
same(const struct model_opinion *a, const struct kept *b)
{
	return a->is_set && strcmp(a->version, "v1") == 0 &&
	    strcmp(a->client, b->client) == 0 && strcmp(a->os, b->os) == 0 &&
	    a->client_prob == b->client_prob && a->os_prob == b->os_prob;
}

/* Row i scored alone, through a set of its own. */
static void
alone(unsigned i, struct kept *k)
{
	struct model_counters c;
	struct model_opinion o;
	struct model_ticket t;
	struct model_set ms;
	char s[256];
	size_t n = ja4r(i, s, sizeof(s));

	load(&ms, &c);
	CHECK(model_set_request(&ms, MODEL_PRIMARY, s, n, &t) ==
	    MODEL_TICKET_QUEUED);
	model_set_run(&ms);
	CHECK(model_set_answer(&ms, MODEL_PRIMARY, &t, &o));
	keep(&o, k);
	model_set_clear(&ms);
	CHECK_EQ_U(c.batches, 1);
	model_set_free(&ms);
}

static void
test_batch(void)
{
	struct model_counters c;
	struct model_ticket t[4], again, bad;
	struct model_opinion o, first;
	struct kept ref;
	struct model_set ms;
	char s[4][256];
	size_t n[4];

	load(&ms, &c);
	for (unsigned i = 0; i < 3; i++) {
		n[i] = ja4r(i, s[i], sizeof(s[i]));
		CHECK(model_set_request(&ms, MODEL_PRIMARY, s[i], n[i],
		    &t[i]) == MODEL_TICKET_QUEUED);
		CHECK_EQ_U(t[i].row, i);
	}
	/* The first one again: its row, a hit. */
	CHECK(model_set_request(&ms, MODEL_PRIMARY, s[0], n[0], &t[3]) ==
	    MODEL_TICKET_QUEUED);
	CHECK_EQ_U(t[3].row, 0);
	CHECK(model_set_request(&ms, MODEL_PRIMARY, "garbage", 7, &bad) ==
	    MODEL_TICKET_NONE);
	CHECK_EQ_U(c.malformed, 1);
	CHECK(!model_set_answer(&ms, MODEL_PRIMARY, &t[0], &o));
	CHECK(!model_set_full(&ms));
	model_set_run(&ms);
	CHECK_EQ_U(c.rows, 3);
	CHECK_EQ_U(c.batches, 1);
	CHECK_EQ_U(c.batch_hist[2], 1);		/* 3 rows: le 4 */
	for (unsigned i = 0; i < 3; i++) {
		alone(i, &ref);
		CHECK(model_set_answer(&ms, MODEL_PRIMARY, &t[i], &o));
		CHECK(same(&o, &ref));
	}
	CHECK(model_set_answer(&ms, MODEL_PRIMARY, &t[3], &first));
	model_set_answer(&ms, MODEL_PRIMARY, &t[0], &o);
	keep(&o, &ref);
	CHECK(same(&first, &ref));
	model_set_clear(&ms);
	/* Now from the cache. */
	CHECK(model_set_request(&ms, MODEL_PRIMARY, s[1], n[1], &again) ==
	    MODEL_TICKET_READY);
	CHECK(model_set_answer(&ms, MODEL_PRIMARY, &again, &o));
	alone(1, &ref);
	CHECK(same(&o, &ref));
	model_counters_add(&c, &(struct model_counters){ 0 }, &ms);
	CHECK_EQ_U(c.cache_lookups, 6);		/* 4 asks, garbage, again */
	CHECK_EQ_U(c.cache_hits, 2);
	/* No model for the shadow: nothing asked. */
	CHECK(model_set_request(&ms, MODEL_SHADOW, s[0], n[0], &again) ==
	    MODEL_TICKET_NONE);
	model_set_free(&ms);
}

static void
test_full(void)
{
	struct model_counters c;
	struct model_opinion o;
	struct model_ticket t;
	struct model_set ms;
	char s[256];
	size_t n;

	load(&ms, &c);
	for (unsigned i = 0; i < MODEL_SET_BATCH; i++) {
		CHECK(!model_set_full(&ms));
		n = ja4r(i, s, sizeof(s));
		CHECK(model_set_request(&ms, MODEL_PRIMARY, s, n, &t) ==
		    MODEL_TICKET_QUEUED);
	}
	CHECK(model_set_full(&ms));
	n = ja4r(MODEL_SET_BATCH, s, sizeof(s));
	CHECK(model_set_request(&ms, MODEL_PRIMARY, s, n, &t) ==
	    MODEL_TICKET_NONE);
	model_set_run(&ms);
	CHECK_EQ_U(c.batch_hist[5], 1);		/* 32 rows: le 32 */
	CHECK_EQ_U(c.failed, 1);		/* asked past a full batch */
	t.state = MODEL_TICKET_QUEUED;
	t.row = MODEL_SET_BATCH - 1;
	CHECK(model_set_answer(&ms, MODEL_PRIMARY, &t, &o));
	model_set_clear(&ms);
	CHECK(!model_set_full(&ms));
	model_set_free(&ms);
}
#endif

int
main(void)
{
#ifndef HAVE_XGBOOST
	return 77;
#else
	snprintf(dir, sizeof(dir), "%s/models", test_srcdir());
	test_batch();
	test_full();
	return test_done("test_model_set");
#endif
}

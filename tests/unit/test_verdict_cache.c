/* tests/unit/test_verdict_cache.c: LRU order, replacement, counters. */
#include "models/verdict_cache.h"

#include <string.h>

#include "tests/test.h"

static uint64_t
key(const char *s)
{
	return verdict_key(VERDICT_KEY_SEED, s, strlen(s));
}

int
main(void)
{
	struct verdict_cache *c = verdict_cache_new(3);
	struct verdict v = { 1, 2, 0.5f, 0.25f }, got;
	char name[16];

	CHECK(verdict_cache_new(0) == NULL);
	CHECK(c != NULL);
	CHECK(key("a") != key("b"));
	CHECK(verdict_key(verdict_key(VERDICT_KEY_SEED, "ab", 2), "c", 1) ==
	    key("abc"));
	CHECK(!verdict_cache_get(c, key("a"), &got));
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "k%d", i);
		v.client_class = (uint8_t)i;
		verdict_cache_put(c, key(name), &v);
	}
	CHECK_EQ_U(verdict_cache_size(c), 3);
	/* k0 becomes most recent; inserting k3 evicts k1 */
	CHECK(verdict_cache_get(c, key("k0"), &got) && got.client_class == 0);
	v.client_class = 3;
	verdict_cache_put(c, key("k3"), &v);
	CHECK_EQ_U(verdict_cache_size(c), 3);
	CHECK(!verdict_cache_get(c, key("k1"), &got));
	CHECK(verdict_cache_get(c, key("k2"), &got) && got.client_class == 2);
	CHECK(verdict_cache_get(c, key("k3"), &got) && got.client_class == 3);
	CHECK(verdict_cache_get(c, key("k0"), &got));
	/* replace in place */
	v.client_class = 9;
	verdict_cache_put(c, key("k2"), &v);
	CHECK(verdict_cache_get(c, key("k2"), &got) && got.client_class == 9);
	CHECK_EQ_U(verdict_cache_size(c), 3);
	CHECK_EQ_U(verdict_cache_lookups(c), 7);
	CHECK_EQ_U(verdict_cache_hits(c), 5);
	/* many keys through a small cache: never more than capacity */
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		verdict_cache_put(c, key(name), &v);
		CHECK(verdict_cache_get(c, key(name), &got));
	}
	CHECK_EQ_U(verdict_cache_size(c), 3);
	CHECK(!verdict_cache_get(c, key("m996"), &got));
	CHECK(verdict_cache_get(c, key("m997"), &got));
	verdict_cache_clear(c);
	CHECK_EQ_U(verdict_cache_size(c), 0);
	CHECK(!verdict_cache_get(c, key("m999"), &got));
	verdict_cache_free(c);
	verdict_cache_free(NULL);
	return test_done("test_verdict_cache");
}

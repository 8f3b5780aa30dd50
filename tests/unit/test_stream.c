/* tests/unit/test_stream.c */
#include "sensor/stream.h"

#include "tests/test.h"

static struct stream_pool pool;

static int
data_is(const struct stream *s, const char *want)
{
	size_t len;
	const uint8_t *d = stream_data(&pool, s, &len);

	return len == strlen(want) && (len == 0 || memcmp(d, want, len) == 0);
}

static void
test_in_order_and_retransmit(void)
{
	struct stream s = { 0 };

	stream_set_base(&s, 1000);
	CHECK(stream_add(&pool, &s, 1000, (const uint8_t *)"hello", 5));
	CHECK(!stream_add(&pool, &s, 1000, (const uint8_t *)"HELLO", 5));
	CHECK(data_is(&s, "hello"));
	/* Overlap: only the new bytes are taken, the first copy wins. */
	CHECK(stream_add(&pool, &s, 1003, (const uint8_t *)"LO world", 8));
	CHECK(data_is(&s, "hello world"));
	CHECK_EQ_U(pool.n_retransmitted, 1);
	stream_close(&pool, &s);
	CHECK_EQ_U(pool.n_free, pool.n_slots);
	CHECK(!stream_add(&pool, &s, 1011, (const uint8_t *)"!", 1));
}

static void
test_out_of_order(void)
{
	struct stream s = { 0 };

	stream_set_base(&s, 0xfffffffe);	/* wraps */
	CHECK(!stream_add(&pool, &s, 0xfffffffe + 6, (const uint8_t *)"gh",
	    2));
	CHECK(!stream_add(&pool, &s, 0xfffffffe + 3, (const uint8_t *)"de",
	    2));
	CHECK(data_is(&s, ""));
	CHECK(stream_add(&pool, &s, 0xfffffffe, (const uint8_t *)"abc", 3));
	CHECK(data_is(&s, "abcde"));
	CHECK(stream_add(&pool, &s, 0xfffffffe + 5, (const uint8_t *)"f", 1));
	CHECK(data_is(&s, "abcdefgh"));
	stream_close(&pool, &s);
}

static void
test_window_and_ooo_limit(void)
{
	struct stream s = { 0 };
	uint8_t big[600];

	memset(big, 'x', sizeof(big));
	stream_set_base(&s, 0);
	/* Only slot_bytes (512) are kept. */
	CHECK(stream_add(&pool, &s, 0, big, sizeof(big)));
	CHECK(s.is_full);
	CHECK_EQ_U(s.len, 512);
	stream_close(&pool, &s);

	struct stream t = { 0 };
	stream_set_base(&t, 0);
	for (int i = 0; i < STREAM_MAX_OOO; i++)
		CHECK(!stream_add(&pool, &t, 10 + 10 * (uint32_t)i,
		    (const uint8_t *)"z", 1));
	CHECK_EQ_U(pool.n_ooo_dropped, 0);
	CHECK(!stream_add(&pool, &t, 100, (const uint8_t *)"z", 1));
	CHECK_EQ_U(pool.n_ooo_dropped, 1);
	stream_close(&pool, &t);
}

static void
test_pool_exhaustion(void)
{
	struct stream s[5];

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 5; i++)
		stream_add(&pool, &s[i], 0, (const uint8_t *)"a", 1);
	CHECK_EQ_U(pool.n_exhausted, 1);
	CHECK(s[4].is_closed);
	for (int i = 0; i < 5; i++)
		stream_close(&pool, &s[i]);
	CHECK_EQ_U(pool.n_free, 4);
}

int
main(void)
{
	CHECK(stream_pool_init(&pool, 4, 512) == 0);
	test_in_order_and_retransmit();
	test_out_of_order();
	test_window_and_ooo_limit();
	test_pool_exhaustion();
	stream_pool_free(&pool);
	return test_done("test_stream");
}

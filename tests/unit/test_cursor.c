/* tests/unit/test_cursor.c */
#include "cursor.h"

#include "tests/test.h"

static void
test_reads(void)
{
	const uint8_t b[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct cursor c = cur_init(b, sizeof(b));

	CHECK_EQ_U(cur_u8(&c), 1);
	CHECK_EQ_U(cur_be16(&c), 0x0203);
	CHECK_EQ_U(cur_be24(&c), 0x040506);
	CHECK_EQ_U(cur_be32(&c), 0x0708090a);
	CHECK_EQ_U(cur_left(&c), 0);
	CHECK(!c.bad);
	CHECK_EQ_U(cur_u8(&c), 0);
	CHECK(c.bad);

	c = cur_init(b, sizeof(b));
	CHECK_EQ_U(cur_le16(&c), 0x0201);
	CHECK_EQ_U(cur_le32(&c), 0x06050403);
}

static void
test_overrun_is_sticky(void)
{
	const uint8_t b[] = { 0xaa, 0xbb, 0xcc };
	struct cursor c = cur_init(b, sizeof(b));

	CHECK_EQ_U(cur_be32(&c), 0);		/* 4 > 3 */
	CHECK(c.bad);
	CHECK_EQ_U(cur_left(&c), 0);
	CHECK_EQ_U(cur_u8(&c), 0);		/* stays bad */
	CHECK(c.p == c.end);
}

static void
test_sub(void)
{
	const uint8_t b[] = { 3, 'a', 'b', 'c', 9 };
	struct cursor c = cur_init(b, sizeof(b));
	struct cursor s = cur_sub(&c, cur_u8(&c));

	CHECK_EQ_U(cur_left(&s), 3);
	CHECK_EQ_U(cur_u8(&s), 'a');
	CHECK_EQ_U(cur_u8(&c), 9);
	CHECK(!c.bad);

	/* A length that lies makes both parent and child bad. */
	const uint8_t l[] = { 200, 1, 2 };
	c = cur_init(l, sizeof(l));
	s = cur_sub(&c, cur_u8(&c));
	CHECK(c.bad);
	CHECK(s.bad);
	CHECK_EQ_U(cur_left(&s), 0);
	CHECK_EQ_U(cur_u8(&s), 0);
}

static void
test_every_length(void)
{
	const uint8_t b[8] = { 0 };

	for (size_t len = 0; len <= sizeof(b); len++) {
		struct cursor c = cur_init(b, len);

		cur_skip(&c, 2);
		cur_be32(&c);
		cur_u8(&c);
		CHECK_EQ_U(c.bad, len < 7);
	}
	struct cursor z = cur_init(NULL, 0);
	CHECK_EQ_U(cur_left(&z), 0);
	CHECK_EQ_U(cur_peek(&z, 0), 0);
	CHECK(!z.bad);
	uint8_t out[4] = { 1, 1, 1, 1 };
	CHECK(!cur_copy(&z, out, 4));
	CHECK_EQ_U(out[0] | out[3], 0);
}

int
main(void)
{
	test_reads();
	test_overrun_is_sticky();
	test_sub();
	test_every_length();
	return test_done("test_cursor");
}

/* tests/unit/test_slab.c */
#include "slab.h"

#include "tests/test.h"

int
main(void)
{
	struct slab s;
	uint32_t h[5];

	CHECK(slab_init(&s, 4, 100) == 0);
	CHECK_EQ_U(s.slot_bytes, 112);		/* rounded to 16 */
	for (int i = 0; i < 4; i++) {
		h[i] = slab_alloc(&s);
		CHECK(h[i] != 0);
		memset(slab_ptr(&s, h[i]), 0xa0 + i, s.slot_bytes);
	}
	h[4] = slab_alloc(&s);
	CHECK_EQ_U(h[4], 0);
	CHECK_EQ_U(s.n_exhausted, 1);
	CHECK(slab_ptr(&s, 0) == NULL);
	/* Slots do not overlap. */
	for (int i = 0; i < 4; i++)
		CHECK_EQ_U(((uint8_t *)slab_ptr(&s, h[i]))[s.slot_bytes - 1],
		    0xa0 + i);
	/* The slot freed last is reused first; release clears the handle. */
	uint32_t keep = h[2];
	slab_release(&s, &h[2]);
	CHECK_EQ_U(h[2], 0);
	slab_release(&s, &h[2]);		/* no-op */
	CHECK_EQ_U(slab_alloc(&s), keep);
	CHECK_EQ_U(s.max_used, 4);
	slab_free(&s);
	slab_free(&s);
	CHECK(slab_init(&s, 0, 16) == 0);
	CHECK_EQ_U(slab_alloc(&s), 0);
	slab_free(&s);
	return test_done("test_slab");
}

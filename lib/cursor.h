/* lib/cursor.h: bounds-checked, read-only view of untrusted bytes [p, end).
 *
 * Every read checks the remaining length first.  The first overrun marks the
 * cursor bad and moves it to the end; later reads return 0 and move nothing,
 * so a parser can read a whole structure and test ->bad once at the end.
 * A sub-cursor carved from a bad parent is itself bad. */
#ifndef FP_LIB_CURSOR_H
#define FP_LIB_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t	*p;
	const uint8_t	*end;
	bool		 bad;
};

static inline struct cursor
cur_init(const uint8_t *buf, size_t len)
{
	/* buf may be NULL when len is 0: no arithmetic on NULL. */
	struct cursor c = { buf, len ? buf + len : buf, false };
	return c;
}

static inline size_t
cur_left(const struct cursor *c)
{
	return c->bad ? 0 : (size_t)(c->end - c->p);
}

/* True if n more bytes can be read; otherwise marks the cursor bad. */
static inline bool
cur_need(struct cursor *c, size_t n)
{
	if (!c->bad && (size_t)(c->end - c->p) >= n)
		return true;
	c->bad = true;
	c->p = c->end;
	return false;
}

static inline uint8_t
cur_u8(struct cursor *c)
{
	if (!cur_need(c, 1))
		return 0;
	return *c->p++;
}

static inline uint16_t
cur_be16(struct cursor *c)
{
	if (!cur_need(c, 2))
		return 0;
	uint16_t v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return v;
}

static inline uint32_t
cur_be24(struct cursor *c)
{
	if (!cur_need(c, 3))
		return 0;
	uint32_t v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	return v;
}

static inline uint32_t
cur_be32(struct cursor *c)
{
	if (!cur_need(c, 4))
		return 0;
	uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	    (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	return v;
}

static inline uint16_t
cur_le16(struct cursor *c)
{
	if (!cur_need(c, 2))
		return 0;
	uint16_t v = (uint16_t)(c->p[1] << 8 | c->p[0]);
	c->p += 2;
	return v;
}

static inline uint32_t
cur_le32(struct cursor *c)
{
	if (!cur_need(c, 4))
		return 0;
	uint32_t v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 |
	    (uint32_t)c->p[1] << 8 | c->p[0];
	c->p += 4;
	return v;
}

static inline void
cur_skip(struct cursor *c, size_t n)
{
	if (cur_need(c, n))
		c->p += n;
}

/* Copy n bytes into dst (which must hold n); zero-fills dst on overrun. */
static inline bool
cur_copy(struct cursor *c, void *dst, size_t n)
{
	uint8_t *d = dst;

	if (!cur_need(c, n)) {
		if (n > 0)
			memset(d, 0, n);
		return false;
	}
	if (n > 0)
		memcpy(d, c->p, n);
	c->p += n;
	return true;
}

/* Carve an n-byte sub-range; the parent moves past it. */
static inline struct cursor
cur_sub(struct cursor *c, size_t n)
{
	struct cursor s = { c->p, c->p, true };

	if (cur_need(c, n)) {
		s.end = c->p + n;
		s.bad = false;
		c->p += n;
	}
	return s;
}

/* Peek at byte i ahead without moving; 0 (and not bad) if out of range. */
static inline uint8_t
cur_peek(const struct cursor *c, size_t i)
{
	return cur_left(c) > i ? c->p[i] : 0;
}

/* The value of the hex digit c (either case), or -1. */
static inline int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif

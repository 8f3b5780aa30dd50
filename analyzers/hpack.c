/* analyzers/hpack.c: HPACK (RFC 7541) header block decoder. */
#include "analyzers/hpack.h"

#include <string.h>

#include "cursor.h"

/* RFC 7541 Appendix A. */
static const struct {
	const char	*name;
	const char	*value;
} hpack_static[] = {
	{ NULL, NULL },				/* index 0 is invalid */
	{ ":authority", "" }, { ":method", "GET" }, { ":method", "POST" },
	{ ":path", "/" }, { ":path", "/index.html" }, { ":scheme", "http" },
	{ ":scheme", "https" }, { ":status", "200" }, { ":status", "204" },
	{ ":status", "206" }, { ":status", "304" }, { ":status", "400" },
	{ ":status", "404" }, { ":status", "500" }, { "accept-charset", "" },
	{ "accept-encoding", "gzip, deflate" }, { "accept-language", "" },
	{ "accept-ranges", "" }, { "accept", "" },
	{ "access-control-allow-origin", "" }, { "age", "" }, { "allow", "" },
	{ "authorization", "" }, { "cache-control", "" },
	{ "content-disposition", "" }, { "content-encoding", "" },
	{ "content-language", "" }, { "content-length", "" },
	{ "content-location", "" }, { "content-range", "" },
	{ "content-type", "" }, { "cookie", "" }, { "date", "" },
	{ "etag", "" }, { "expect", "" }, { "expires", "" }, { "from", "" },
	{ "host", "" }, { "if-match", "" }, { "if-modified-since", "" },
	{ "if-none-match", "" }, { "if-range", "" },
	{ "if-unmodified-since", "" }, { "last-modified", "" },
	{ "link", "" }, { "location", "" }, { "max-forwards", "" },
	{ "proxy-authenticate", "" }, { "proxy-authorization", "" },
	{ "range", "" }, { "referer", "" }, { "refresh", "" },
	{ "retry-after", "" }, { "server", "" }, { "set-cookie", "" },
	{ "strict-transport-security", "" }, { "transfer-encoding", "" },
	{ "user-agent", "" }, { "vary", "" }, { "via", "" },
	{ "www-authenticate", "" },
};
#define HPACK_STATIC_N	61
_Static_assert(sizeof(hpack_static) / sizeof(hpack_static[0]) ==
    HPACK_STATIC_N + 1, "RFC 7541 static table has 61 entries");

/*
 * RFC 7541 Appendix B is a canonical Huffman code: codes of one length are
 * consecutive and follow symbol order, so the code lengths alone define it.
 * huff_count[L] is the number of codes of L bits; huff_sym lists symbols by
 * (length, value).  Both were derived from the Appendix B length column.
 */
static const uint8_t huff_count[31] = {
	0, 0, 0, 0, 0, 10, 26, 32, 6, 0, 5, 3, 2, 6, 2, 3,
	0, 0, 0, 3, 8, 13, 26, 29, 12, 4, 15, 19, 29, 0, 4,
};
static const uint16_t huff_sym[257] = {
	48, 49, 50, 97, 99, 101, 105, 111, 115, 116, 32, 37, 45, 46, 47, 51,
	52, 53, 54, 55, 56, 57, 61, 65, 95, 98, 100, 102, 103, 104, 108, 109,
	110, 112, 114, 117, 58, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76,
	77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 89, 106, 107, 113, 118,
	119, 120, 121, 122, 38, 42, 44, 59, 88, 90, 33, 34, 40, 41, 63, 39,
	43, 124, 35, 62, 0, 36, 64, 91, 93, 126, 94, 125, 60, 96, 123, 92,
	195, 208, 128, 130, 131, 162, 184, 194, 224, 226, 153, 161, 167, 172,
	176, 177, 179, 209, 216, 217, 227, 229, 230, 129, 132, 133, 134, 136,
	146, 154, 156, 160, 163, 164, 169, 170, 173, 178, 181, 185, 186, 187,
	189, 190, 196, 198, 228, 232, 233, 1, 135, 137, 138, 139, 140, 141,
	143, 147, 149, 150, 151, 152, 155, 157, 158, 165, 166, 168, 174, 175,
	180, 182, 183, 188, 191, 197, 231, 239, 9, 142, 144, 145, 148, 159,
	171, 206, 215, 225, 236, 237, 199, 207, 234, 235, 192, 193, 200, 201,
	202, 205, 210, 213, 218, 219, 238, 240, 242, 243, 255, 203, 204, 211,
	212, 214, 221, 222, 223, 241, 244, 245, 246, 247, 248, 250, 251, 252,
	253, 254, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21,
	23, 24, 25, 26, 27, 28, 29, 30, 31, 127, 220, 249, 10, 13, 22, 256,
};
#define HUFF_EOS	256
#define HUFF_MAX_BITS	30

long
hpack_huffman_decode(const uint8_t *src, size_t len, uint8_t *dst,
    size_t dstsz)
{
	uint32_t code = 0, first = 0, index = 0, bits = 0;
	bool all_ones = true;
	size_t out = 0;

	for (size_t i = 0; i < len; i++) {
		for (int b = 7; b >= 0; b--) {
			uint32_t bit = (src[i] >> b) & 1u, count;

			code |= bit;
			all_ones = all_ones && bit;
			bits++;
			count = huff_count[bits];
			if (code - first < count) {
				uint16_t sym = huff_sym[index + code - first];

				if (sym == HUFF_EOS)
					return -1;
				if (out < dstsz)
					dst[out] = (uint8_t)sym;
				out++;
				code = first = index = bits = 0;
				all_ones = true;
				continue;
			}
			if (bits == HUFF_MAX_BITS)
				return -1;
			index += count;
			first = (first + count) << 1;
			code <<= 1;
		}
	}
	/* Padding: a prefix of EOS (all ones), shorter than a byte. */
	if (bits > 7 || !all_ones)
		return -1;
	return (long)out;
}

/* RFC 7541 5.1 integer with an n-bit prefix already read in first. */
static bool
read_int(struct cursor *c, uint8_t first, int n, uint32_t *out,
    uint32_t *anom)
{
	uint32_t mask = (1u << n) - 1, v = first & mask;
	uint64_t x;
	int shift = 0;
	uint8_t b;

	if (v < mask) {
		*out = v;
		return true;
	}
	x = v;
	do {
		if (cur_left(c) == 0 || shift > 28)
			return false;
		b = cur_u8(c);
		x += (uint64_t)(b & 0x7f) << shift;
		if (x > UINT32_MAX)
			return false;
		shift += 7;
	} while (b & 0x80);
	if (b == 0 && shift > 7)		/* a redundant last byte */
		*anom |= HPACK_ANOM_LONG_INT_PAD;
	*out = (uint32_t)x;
	return true;
}

/* Copy len bytes starting at arena offset off (wrapping) into dst. */
static void
arena_read(const struct hpack_decoder *d, uint32_t off, uint8_t *dst,
    size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = d->arena[(off + i) % HPACK_TABLE_CAP];
}

static void
evict_oldest(struct hpack_decoder *d)
{
	const struct hpack_entry *e = &d->ent[d->first];

	d->size -= (uint32_t)e->name_len + e->value_len + 32;
	d->first = (uint16_t)((d->first + 1) % HPACK_MAX_ENTRIES);
	if (--d->n == 0)
		d->head = d->first = 0;
}

static void
set_max_size(struct hpack_decoder *d, uint32_t max)
{
	d->max_size = max;
	while (d->n > 0 && d->size > d->max_size)
		evict_oldest(d);
}

/* RFC 7541 4.4: evict, then add (or end up empty if it cannot fit). */
static void
table_add(struct hpack_decoder *d, const uint8_t *name, size_t nl,
    const uint8_t *val, size_t vl)
{
	uint64_t need = (uint64_t)nl + vl + 32;
	struct hpack_entry *e;

	while (d->n > 0 && d->size + need > d->max_size)
		evict_oldest(d);
	if (need > d->max_size)
		return;
	e = &d->ent[(d->first + d->n) % HPACK_MAX_ENTRIES];
	e->off = d->head;
	e->name_len = (uint16_t)nl;
	e->value_len = (uint16_t)vl;
	for (size_t i = 0; i < nl + vl; i++)
		d->arena[(d->head + i) % HPACK_TABLE_CAP] =
		    i < nl ? name[i] : val[i - nl];
	d->head = (uint16_t)((d->head + nl + vl) % HPACK_TABLE_CAP);
	d->n++;
	d->size += (uint32_t)need;
}

/* A decoded string: bytes in a caller buffer, full length known. */
struct str {
	uint8_t	*p;
	size_t	 len;		/* stored */
	size_t	 full;		/* on the wire, decoded */
	bool	 is_huffman;
};

/* Resolve index (1..61 static, 62.. dynamic) into name and/or value. */
static bool
lookup(const struct hpack_decoder *d, uint32_t idx, struct str *name,
    struct str *val)
{
	const struct hpack_entry *e;
	size_t nl, vl;

	if (idx == 0)
		return false;
	if (idx <= HPACK_STATIC_N) {
		nl = strlen(hpack_static[idx].name);
		vl = strlen(hpack_static[idx].value);
		memcpy(name->p, hpack_static[idx].name, nl);
		name->len = name->full = nl;
		if (val != NULL) {
			memcpy(val->p, hpack_static[idx].value, vl);
			val->len = val->full = vl;
		}
		return true;
	}
	if (idx - HPACK_STATIC_N > d->n)
		return false;
	e = &d->ent[(d->first + d->n - (idx - HPACK_STATIC_N)) %
	    HPACK_MAX_ENTRIES];
	arena_read(d, e->off, name->p, e->name_len);
	name->len = name->full = e->name_len;
	if (val != NULL) {
		arena_read(d, (uint32_t)e->off + e->name_len, val->p,
		    e->value_len);
		val->len = val->full = e->value_len;
	}
	return true;
}

/* RFC 7541 5.2 string literal into s (HPACK_MAX_STRING bytes). */
static enum hpack_error
read_string(struct cursor *c, struct str *s, uint32_t *anom)
{
	uint32_t len;
	uint8_t first;
	long n;

	if (cur_left(c) == 0)
		return HPACK_ERR_TRUNCATED;
	first = cur_u8(c);
	if (!read_int(c, first, 7, &len, anom))
		return HPACK_ERR_INTEGER;
	if (len > cur_left(c))
		return HPACK_ERR_TRUNCATED;
	s->is_huffman = (first & 0x80) != 0;
	if (s->is_huffman) {
		n = hpack_huffman_decode(c->p, len, s->p, HPACK_MAX_STRING);
		if (n < 0)
			return HPACK_ERR_HUFFMAN;
		s->full = (size_t)n;
	} else {
		s->full = len;
		memcpy(s->p, c->p, len < HPACK_MAX_STRING ? len :
		    HPACK_MAX_STRING);
	}
	s->len = s->full < HPACK_MAX_STRING ? s->full : HPACK_MAX_STRING;
	if (s->len < s->full)
		*anom |= HPACK_ANOM_STRING_CUT;
	cur_skip(c, len);
	return HPACK_ERR_NONE;
}

static void
emit(struct hpack_block *b, const struct str *name, const struct str *val,
    uint8_t flags)
{
	struct hpack_field *f;
	size_t need = name->len + val->len + 2;

	if (b->n_seen < UINT16_MAX)
		b->n_seen++;
	for (size_t i = 0; i < name->len; i++)
		if (name->p[i] >= 'A' && name->p[i] <= 'Z') {
			b->anomalies |= HPACK_ANOM_UPPERCASE_NAME;
			break;
		}
	if (b->n >= HPACK_MAX_FIELDS) {
		b->anomalies |= HPACK_ANOM_FIELDS_TRUNCATED;
		return;
	}
	if (need > (size_t)(HPACK_BLOCK_BUF - b->used)) {
		b->anomalies |= HPACK_ANOM_BUF_FULL;
		return;
	}
	f = &b->f[b->n++];
	f->flags = flags;
	f->name_off = b->used;
	f->name_len = (uint16_t)name->len;
	memcpy(b->buf + b->used, name->p, name->len);
	b->used = (uint16_t)(b->used + name->len);
	b->buf[b->used++] = '\0';
	f->value_off = b->used;
	f->value_len = (uint16_t)val->len;
	memcpy(b->buf + b->used, val->p, val->len);
	b->used = (uint16_t)(b->used + val->len);
	b->buf[b->used++] = '\0';
}

/* One literal representation (RFC 7541 6.2); n is its prefix size. */
static enum hpack_error
literal(struct hpack_decoder *d, struct cursor *c, uint8_t first, int n,
    struct str *name, struct str *val, struct hpack_block *b)
{
	enum hpack_error e;
	uint32_t idx;
	uint8_t flags = 0;

	if (!read_int(c, first, n, &idx, &b->anomalies))
		return HPACK_ERR_INTEGER;
	if (idx == 0) {
		if ((e = read_string(c, name, &b->anomalies)) != HPACK_ERR_NONE)
			return e;
	} else if (!lookup(d, idx, name, NULL))
		return HPACK_ERR_INDEX;
	if ((e = read_string(c, val, &b->anomalies)) != HPACK_ERR_NONE)
		return e;
	if (val->is_huffman)
		flags |= HPACK_F_HUFFMAN;
	if (n == 6) {
		flags |= HPACK_F_ADDED;
		if (name->len < name->full || val->len < val->full) {
			/* Too big for our arena anyway: RFC 4.4 empties it. */
			while (d->n > 0)
				evict_oldest(d);
		} else
			table_add(d, name->p, name->len, val->p, val->len);
	} else if ((first & 0xf0) == 0x10)
		flags |= HPACK_F_NEVER_INDEXED;
	emit(b, name, val, flags);
	return HPACK_ERR_NONE;
}

static enum hpack_error
representation(struct hpack_decoder *d, struct cursor *c, struct str *name,
    struct str *val, struct hpack_block *b)
{
	uint8_t first = cur_u8(c);
	uint32_t idx;

	if (first & 0x80) {				/* 6.1 indexed */
		if (!read_int(c, first, 7, &idx, &b->anomalies))
			return HPACK_ERR_INTEGER;
		if (!lookup(d, idx, name, val))
			return HPACK_ERR_INDEX;
		emit(b, name, val, HPACK_F_INDEXED);
		return HPACK_ERR_NONE;
	}
	if (first & 0x40)				/* 6.2.1 */
		return literal(d, c, first, 6, name, val, b);
	if (first & 0x20) {				/* 6.3 size update */
		if (!read_int(c, first, 5, &idx, &b->anomalies))
			return HPACK_ERR_INTEGER;
		if (b->n_seen > 0)
			b->anomalies |= HPACK_ANOM_LATE_SIZE_UPDATE;
		if (idx > d->limit) {
			b->anomalies |= HPACK_ANOM_SIZE_CLAMPED;
			idx = d->limit;
		}
		set_max_size(d, idx);
		return HPACK_ERR_NONE;
	}
	return literal(d, c, first, 4, name, val, b);	/* 6.2.2, 6.2.3 */
}

void
hpack_init(struct hpack_decoder *d, uint32_t limit)
{
	d->limit = limit < HPACK_TABLE_CAP ? limit : HPACK_TABLE_CAP;
	d->max_size = d->limit;
	d->size = 0;
	d->n = d->first = d->head = 0;
	d->is_broken = false;
}

void
hpack_wipe(struct hpack_decoder *d)
{
	explicit_bzero(d, sizeof(*d));
}

enum hpack_status
hpack_decode(struct hpack_decoder *d, const uint8_t *blk, size_t len,
    struct hpack_block *out)
{
	uint8_t nbuf[HPACK_MAX_STRING], vbuf[HPACK_MAX_STRING];
	struct str name = { .p = nbuf }, val = { .p = vbuf };
	struct cursor c = cur_init(blk, len);

	out->n = out->n_seen = out->used = 0;
	out->anomalies = 0;
	out->err = HPACK_ERR_NONE;
	if (d->is_broken) {
		out->err = HPACK_ERR_BROKEN;
		return HPACK_MALFORMED;
	}
	while (cur_left(&c) > 0) {
		out->err = representation(d, &c, &name, &val, out);
		if (out->err != HPACK_ERR_NONE) {
			d->is_broken = true;
			explicit_bzero(vbuf, sizeof(vbuf));
			return HPACK_MALFORMED;
		}
	}
	explicit_bzero(vbuf, sizeof(vbuf));
	return HPACK_OK;
}

const char *
hpack_field_name(const struct hpack_block *b, size_t i)
{
	return i < b->n ? b->buf + b->f[i].name_off : "";
}

const char *
hpack_field_value(const struct hpack_block *b, size_t i)
{
	return i < b->n ? b->buf + b->f[i].value_off : "";
}

/* sink/record.c: strict JSON walk of a record, with field extraction. */
#include "sink/record.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cursor.h"

#define REC_PATH_MAX	64
#define REC_KEY_MAX	32
#define REC_NUM_MAX	64	/* characters in one number */
#define REC_EXP_MAX	900	/* |exponent|: numeric-safe */

enum field_kind { KIND_STR, KIND_UINT };

struct field {
	const char	*path;		/* dotted member path */
	enum field_kind	 kind;
	size_t		 off;		/* in struct rec_fields */
	size_t		 size;		/* of the char array (KIND_STR) */
	bool		 is_required;
};

#define STR_FIELD(p, m, req) { p, KIND_STR, offsetof(struct rec_fields, m), \
	sizeof(((struct rec_fields *)0)->m), req }
#define UINT_FIELD(p, m, req) { p, KIND_UINT, \
	offsetof(struct rec_fields, m), 0, req }

static const struct field fields[] = {
	UINT_FIELD("schema_version", schema_version, true),
	STR_FIELD("event_id", event_id, true),
	STR_FIELD("ts_start", ts_start, true),
	STR_FIELD("ts_end", ts_end, true),
	STR_FIELD("proto", proto, true),
	STR_FIELD("client.ip", client_ip, true),
	UINT_FIELD("client.port", client_port, true),
	STR_FIELD("server.ip", server_ip, true),
	UINT_FIELD("server.port", server_port, true),
	STR_FIELD("tcp.syn.ja4t", ja4t, false),
	STR_FIELD("tcp.syn.raw_sig", raw_sig, false),
	STR_FIELD("tcp.syn.os", os, false),
	STR_FIELD("model.version", model_version, false),
};
#define N_FIELDS	(sizeof(fields) / sizeof(fields[0]))
_Static_assert(N_FIELDS <= 32, "one bit per field in jp.seen");

static const char *const status_names[REC_N_STATUS] = {
	[REC_OK] = "ok",
	[REC_NOT_JSON] = "not_json",
	[REC_NOT_OBJECT] = "not_object",
	[REC_TOO_DEEP] = "too_deep",
	[REC_BAD_SCHEMA] = "bad_schema",
	[REC_BAD_VERSION] = "bad_version",
};

/* Parser state: the cursor, the dotted path of the current object, which
 * fields were seen, and the first problem. */
struct jp {
	struct cursor	 c;
	struct rec_fields *out;
	char		 path[REC_PATH_MAX];
	size_t		 path_len;
	bool		 path_ok;	/* path fits: fields can match */
	uint32_t	 seen;
	uint32_t	 bad_type;	/* fields present with the wrong type */
	enum rec_status	 st;
	const char	*why;
};

static bool
fail(struct jp *p, enum rec_status st, const char *why)
{
	if (p->st == REC_OK) {
		p->st = st;
		p->why = why;
	}
	return false;
}

static void
skip_ws(struct cursor *c)
{
	while (cur_left(c) > 0) {
		uint8_t b = cur_peek(c, 0);

		if (b != ' ' && b != '\t' && b != '\n' && b != '\r')
			break;
		cur_skip(c, 1);
	}
}

/* Append the code point cp as UTF-8 to dst, if it fits. */
static void
put_utf8(char *dst, size_t dstsz, size_t *n, bool *fits, uint32_t cp)
{
	uint8_t b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		k = 4;
	}
	if (dst == NULL || *n + k >= dstsz) {
		*fits = false;
		return;
	}
	memcpy(dst + *n, b, k);
	*n += k;
}

static bool
read_u4(struct jp *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hex_digit(cur_u8(&p->c));

		if (h < 0 || p->c.bad)
			return fail(p, REC_NOT_JSON, "bad \\u escape");
		*v = *v << 4 | (uint32_t)h;
	}
	return true;
}

/* One UTF-8 sequence starting with lead byte b0 (>= 0x80, consumed). */
static bool
read_utf8(struct jp *p, uint8_t b0, uint32_t *cp)
{
	size_t k;
	uint32_t v, min;

	if (b0 >= 0xc2 && b0 <= 0xdf) {
		k = 1;
		v = b0 & 0x1f;
		min = 0x80;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		k = 2;
		v = b0 & 0x0f;
		min = 0x800;
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		k = 3;
		v = b0 & 0x07;
		min = 0x10000;
	} else
		return fail(p, REC_NOT_JSON, "invalid UTF-8");
	for (size_t i = 0; i < k; i++) {
		uint8_t b = cur_u8(&p->c);

		if (p->c.bad || (b & 0xc0) != 0x80)
			return fail(p, REC_NOT_JSON, "invalid UTF-8");
		v = v << 6 | (b & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return fail(p, REC_NOT_JSON, "invalid UTF-8");
	*cp = v;
	return true;
}

/* A string (the opening quote is next).  Unescaped into dst (may be NULL);
 * *fits is false if it did not fit in dstsz - 1 bytes.  dst is always
 * NUL-terminated when given. */
static bool
parse_string(struct jp *p, char *dst, size_t dstsz, bool *fits)
{
	size_t n = 0;

	*fits = true;
	if (cur_u8(&p->c) != '"')
		return fail(p, REC_NOT_JSON, "string expected");
	for (;;) {
		uint8_t b = cur_u8(&p->c);
		uint32_t cp;

		if (p->c.bad)
			return fail(p, REC_NOT_JSON, "unterminated string");
		if (b == '"')
			break;
		if (b < 0x20)
			return fail(p, REC_NOT_JSON, "control character in "
			    "string");
		if (b == '\\') {
			uint8_t e = cur_u8(&p->c);

			switch (e) {
			case '"': cp = '"'; break;
			case '\\': cp = '\\'; break;
			case '/': cp = '/'; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u': {
				uint32_t lo;

				if (!read_u4(p, &cp))
					return false;
				if (cp == 0)
					return fail(p, REC_NOT_JSON,
					    "\\u0000 (not storable)");
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return fail(p, REC_NOT_JSON,
					    "lone low surrogate");
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (cur_u8(&p->c) != '\\' ||
					    cur_u8(&p->c) != 'u' ||
					    !read_u4(p, &lo) ||
					    lo < 0xdc00 || lo > 0xdfff)
						return fail(p, REC_NOT_JSON,
						    "unpaired surrogate");
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					    (lo - 0xdc00);
				}
				break;
			}
			default:
				return fail(p, REC_NOT_JSON, "bad escape");
			}
		} else if (b >= 0x80) {
			if (!read_utf8(p, b, &cp))
				return false;
		} else
			cp = b;
		put_utf8(dst, dstsz, &n, fits, cp);
	}
	if (dst != NULL && dstsz > 0)
		dst[n < dstsz ? n : dstsz - 1] = '\0';
	return true;
}

/* A number; *is_uint and *v when it is a plain non-negative integer that
 * fits 32 bits. */
static bool
parse_number(struct jp *p, bool *is_uint, uint64_t *v)
{
	const uint8_t *start = p->c.p;
	uint32_t exp = 0;
	bool neg = false, is_int = true;

	*v = 0;
	if (cur_peek(&p->c, 0) == '-') {
		neg = true;
		cur_skip(&p->c, 1);
	}
	if (cur_peek(&p->c, 0) == '0')
		cur_skip(&p->c, 1);
	else if (cur_peek(&p->c, 0) >= '1' && cur_peek(&p->c, 0) <= '9') {
		while (cur_peek(&p->c, 0) >= '0' && cur_peek(&p->c, 0) <= '9') {
			if (*v <= UINT32_MAX)
				*v = *v * 10 + (uint64_t)(cur_u8(&p->c) - '0');
			else
				cur_skip(&p->c, 1);
		}
	} else
		return fail(p, REC_NOT_JSON, "bad number");
	if (cur_peek(&p->c, 0) == '.') {
		is_int = false;
		cur_skip(&p->c, 1);
		if (!(cur_peek(&p->c, 0) >= '0' && cur_peek(&p->c, 0) <= '9'))
			return fail(p, REC_NOT_JSON, "bad number");
		while (cur_peek(&p->c, 0) >= '0' && cur_peek(&p->c, 0) <= '9')
			cur_skip(&p->c, 1);
	}
	if (cur_peek(&p->c, 0) == 'e' || cur_peek(&p->c, 0) == 'E') {
		is_int = false;
		cur_skip(&p->c, 1);
		if (cur_peek(&p->c, 0) == '+' || cur_peek(&p->c, 0) == '-')
			cur_skip(&p->c, 1);
		if (!(cur_peek(&p->c, 0) >= '0' && cur_peek(&p->c, 0) <= '9'))
			return fail(p, REC_NOT_JSON, "bad number");
		while (cur_peek(&p->c, 0) >= '0' && cur_peek(&p->c, 0) <= '9') {
			exp = exp * 10 + (uint32_t)(cur_u8(&p->c) - '0');
			if (exp > REC_EXP_MAX)
				return fail(p, REC_NOT_JSON, "number exponent "
				    "too large");
		}
	}
	if ((size_t)(p->c.p - start) > REC_NUM_MAX)
		return fail(p, REC_NOT_JSON, "number too long");
	*is_uint = is_int && !neg && *v <= UINT32_MAX;
	return true;
}

static bool
parse_literal(struct jp *p, const char *lit)
{
	for (const char *l = lit; *l != '\0'; l++)
		if (cur_u8(&p->c) != (uint8_t)*l || p->c.bad)
			return fail(p, REC_NOT_JSON, "bad literal");
	return true;
}

static bool parse_value(struct jp *p, unsigned depth, int field);

static int
find_field(const char *path)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (strcmp(fields[i].path, path) == 0)
			return (int)i;
	return -1;
}

static bool
parse_object(struct jp *p, unsigned depth)
{
	cur_skip(&p->c, 1);			/* { */
	skip_ws(&p->c);
	if (cur_peek(&p->c, 0) == '}') {
		cur_skip(&p->c, 1);
		return true;
	}
	for (;;) {
		char key[REC_KEY_MAX];
		bool fits, pushed = false;
		size_t saved = p->path_len;
		bool saved_ok = p->path_ok;
		int field = -1;

		skip_ws(&p->c);
		if (!parse_string(p, key, sizeof(key), &fits))
			return false;
		skip_ws(&p->c);
		if (cur_u8(&p->c) != ':')
			return fail(p, REC_NOT_JSON, "':' expected");
		skip_ws(&p->c);
		/* The member's path: parent.key */
		if (p->path_ok && fits && strlen(key) + p->path_len + 2 <=
		    sizeof(p->path)) {
			if (p->path_len > 0)
				p->path[p->path_len++] = '.';
			memcpy(p->path + p->path_len, key, strlen(key) + 1);
			p->path_len += strlen(key);
			pushed = true;
			field = find_field(p->path);
		} else
			p->path_ok = false;
		if (field >= 0) {
			if (p->seen & (1u << field))
				return fail(p, REC_BAD_SCHEMA, "a member given "
				    "twice");
			p->seen |= 1u << field;
		}
		if (!parse_value(p, depth + 1, field))
			return false;
		if (pushed)
			p->path_len = saved;
		p->path[p->path_len] = '\0';
		p->path_ok = saved_ok;
		skip_ws(&p->c);
		switch (cur_u8(&p->c)) {
		case ',':
			continue;
		case '}':
			return true;
		default:
			return fail(p, REC_NOT_JSON, "',' or '}' expected");
		}
	}
}

static bool
parse_array(struct jp *p, unsigned depth)
{
	bool saved_ok = p->path_ok;

	cur_skip(&p->c, 1);			/* [ */
	p->path_ok = false;			/* no fields inside arrays */
	skip_ws(&p->c);
	if (cur_peek(&p->c, 0) == ']') {
		cur_skip(&p->c, 1);
		p->path_ok = saved_ok;
		return true;
	}
	for (;;) {
		skip_ws(&p->c);
		if (!parse_value(p, depth + 1, -1))
			return false;
		skip_ws(&p->c);
		switch (cur_u8(&p->c)) {
		case ',':
			continue;
		case ']':
			p->path_ok = saved_ok;
			return true;
		default:
			return fail(p, REC_NOT_JSON, "',' or ']' expected");
		}
	}
}

/* One value; field >= 0 when it is one the sink keeps. */
static bool
parse_value(struct jp *p, unsigned depth, int field)
{
	const struct field *f = field >= 0 ? &fields[field] : NULL;
	uint8_t b;

	if (depth > REC_MAX_DEPTH)
		return fail(p, REC_TOO_DEEP, "nested too deep");
	if (cur_left(&p->c) == 0)
		return fail(p, REC_NOT_JSON, "value expected");
	b = cur_peek(&p->c, 0);
	if (b == '"') {
		char *dst = f != NULL && f->kind == KIND_STR ?
		    (char *)p->out + f->off : NULL;
		bool fits;

		if (!parse_string(p, dst, f != NULL ? f->size : 0, &fits))
			return false;
		if (f != NULL && (f->kind != KIND_STR || !fits)) {
			p->bad_type |= 1u << field;
			if (dst != NULL)
				dst[0] = '\0';
		}
		return true;
	}
	if (b == '-' || (b >= '0' && b <= '9')) {
		bool is_uint;
		uint64_t v;

		if (!parse_number(p, &is_uint, &v))
			return false;
		if (f != NULL) {
			if (f->kind == KIND_UINT && is_uint)
				*(uint32_t *)(void *)((char *)p->out +
				    f->off) = (uint32_t)v;
			else
				p->bad_type |= 1u << field;
		}
		return true;
	}
	if (f != NULL)
		p->bad_type |= 1u << field;
	if (b == '{')
		return parse_object(p, depth);
	if (b == '[')
		return parse_array(p, depth);
	if (b == 't')
		return parse_literal(p, "true");
	if (b == 'f')
		return parse_literal(p, "false");
	if (b == 'n')
		return parse_literal(p, "null");
	return fail(p, REC_NOT_JSON, "value expected");
}

static bool
is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
digits(const char *s, size_t n, bool *ok)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			*ok = false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v;
}

/* YYYY-MM-DDTHH:MM:SS.ffffffZ, a real date from 1970 to 9999. */
static bool
valid_time(const char *s)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	bool ok = true;
	unsigned y, mo, d, h, mi, sec;

	if (strlen(s) != 27 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != 'Z')
		return false;
	y = digits(s, 4, &ok);
	mo = digits(s + 5, 2, &ok);
	d = digits(s + 8, 2, &ok);
	h = digits(s + 11, 2, &ok);
	mi = digits(s + 14, 2, &ok);
	sec = digits(s + 17, 2, &ok);
	(void)digits(s + 20, 6, &ok);
	if (!ok || y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 ||
	    mi > 59 || sec > 59)
		return false;
	return d <= mdays[mo - 1] + (mo == 2 && is_leap(y));
}

static bool
valid_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

static bool
valid_event_id(const char *s)
{
	if (strlen(s) != 32)
		return false;
	for (const char *c = s; *c != '\0'; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
			return false;
	return true;
}

static enum rec_status
reject(struct jp *p, enum rec_status st, const char *why)
{
	fail(p, st, why);
	return p->st;
}

/* Schema checks on what the walk found. */
static enum rec_status
check_fields(struct jp *p)
{
	struct rec_fields *o = p->out;

	for (size_t i = 0; i < N_FIELDS; i++) {
		if (!fields[i].is_required)
			continue;
		if (!(p->seen & (1u << i)))
			return reject(p, REC_BAD_SCHEMA, "a required member is "
			    "missing");
		if (p->bad_type & (1u << i))
			return reject(p, REC_BAD_SCHEMA, "a required member "
			    "has the wrong type");
	}
	/* Optional members of the wrong type are left out. */
	for (size_t i = 0; i < N_FIELDS; i++)
		if (!fields[i].is_required && (p->bad_type & (1u << i)) &&
		    fields[i].kind == KIND_STR)
			((char *)o + fields[i].off)[0] = '\0';
	if (o->schema_version != REC_SCHEMA_VERSION)
		return reject(p, REC_BAD_VERSION, "unknown schema_version");
	if (!valid_event_id(o->event_id))
		return reject(p, REC_BAD_SCHEMA, "event_id is not 32 hex "
		    "digits");
	if (!valid_time(o->ts_start) || !valid_time(o->ts_end))
		return reject(p, REC_BAD_SCHEMA, "bad ts_start or ts_end");
	if (!valid_ip(o->client_ip) || !valid_ip(o->server_ip))
		return reject(p, REC_BAD_SCHEMA, "bad client or server ip");
	if (o->client_port > 65535 || o->server_port > 65535)
		return reject(p, REC_BAD_SCHEMA, "bad port");
	if (strcmp(o->proto, "tcp") != 0 && strcmp(o->proto, "udp") != 0)
		return reject(p, REC_BAD_SCHEMA, "bad proto");
	return REC_OK;
}

enum rec_status
rec_parse(const uint8_t *buf, size_t len, struct rec_fields *out)
{
	struct jp p;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.c = cur_init(buf, len);
	p.out = out;
	p.path_ok = true;
	skip_ws(&p.c);
	if (cur_left(&p.c) == 0)
		fail(&p, REC_NOT_JSON, "empty");
	else if (cur_peek(&p.c, 0) != '{') {
		if (parse_value(&p, 1, -1))
			fail(&p, REC_NOT_OBJECT, "not a JSON object");
	} else if (parse_value(&p, 1, -1)) {
		skip_ws(&p.c);
		if (cur_left(&p.c) != 0)
			fail(&p, REC_NOT_JSON, "data after the object");
		else
			check_fields(&p);
	}
	if (p.st != REC_OK) {
		/* Say what was wrong, keep nothing half-checked. */
		memset(out, 0, sizeof(*out));
		out->why = p.why;
		return p.st;
	}
	out->why = "ok";
	return REC_OK;
}

const char *
rec_status_name(enum rec_status st)
{
	return (unsigned)st < REC_N_STATUS ? status_names[st] : "unknown";
}

int32_t
rec_day(const char *ts)
{
	bool ok = true;
	int y = (int)digits(ts, 4, &ok);
	unsigned m = digits(ts + 5, 2, &ok), d = digits(ts + 8, 2, &ok);
	int era;
	unsigned yoe, doy, doe;

	/* Days from civil (proleptic Gregorian). */
	y -= m <= 2;
	era = y / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int)doe - 719468);
}

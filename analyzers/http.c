/* analyzers/http.c: HTTP/1.x request and response head parsers. */
#include "analyzers/http.h"

#include <string.h>

#include "cursor.h"

/* Methods recognised when detecting HTTP by content (RFC 9110, PATCH,
 * WebDAV and the usual extensions). */
static const char *const http_methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
	"TRACE", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE",
	"LOCK", "UNLOCK", "REPORT", "SEARCH", "MKACTIVITY", "CHECKOUT",
	"MERGE", "PURGE",
};

/* Values never copied into the output structs. */
static const char *const http_withheld[] = {
	"cookie", "set-cookie", "authorization", "proxy-authorization",
};

typedef void (*header_fn)(void *ctx, const uint8_t *name, size_t name_len,
    const uint8_t *val, size_t val_len);

static inline uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static inline bool
is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static inline bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* RFC 9110 tchar. */
static bool
is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c))
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '.': case '^': case '_':
	case '`': case '|': case '~':
		return true;
	default:
		return false;
	}
}

/* Does name[0..len) equal the lower-case lit[0..lit_len), ignoring case? */
static bool
name_eq(const uint8_t *name, size_t len, const char *lit, size_t lit_len)
{
	if (len != lit_len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (lower(name[i]) != (uint8_t)lit[i])
			return false;
	return true;
}

/* The same against a string literal (only: "" lit does not compile with a
 * pointer), its length known when compiled. */
#define name_is(name, len, lit)	name_eq(name, len, "" lit, sizeof(lit) - 1)

/* Does v[0..n) hold a control character other than HTAB?  Eight bytes at
 * a time while all are printable ASCII (the common case); byte by byte
 * from the first word that is not. */
static bool
has_ctl(const uint8_t *v, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t x;

		memcpy(&x, v + i, 8);
		if ((((x - ones * 0x20) | (x + ones * 0x01) | x) & high) != 0)
			break;
	}
	for (; i < n; i++)
		if ((v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
			return true;
	return false;
}

/* Copy up to dstsz-1 bytes and NUL-terminate; true if all of src fit. */
static bool
copy_field(char *dst, size_t dstsz, const uint8_t *src, size_t len)
{
	size_t n = len < dstsz - 1 ? len : dstsz - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
	return n == len;
}

/* Strip leading and trailing blanks. */
static void
trim_ows(const uint8_t **v, size_t *len)
{
	while (*len > 0 && is_blank((*v)[0])) {
		(*v)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*v)[*len - 1]))
		(*len)--;
}

/* Parse an unsigned decimal; false on empty, non-digit or overflow. */
static bool
parse_u64(const uint8_t *v, size_t len, uint64_t *out)
{
	uint64_t x = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(v[i]) || x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return true;
}

static bool
contains_ci(const uint8_t *v, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	for (size_t i = 0; i + n <= len; i++)
		if (name_eq(v + i, n, lit, n))
			return true;
	return false;
}

/* Store one header in hd; flags describe the line as seen on the wire. */
static void
store_header(struct http_headers *hd, const uint8_t *name, size_t name_len,
    const uint8_t *val, size_t val_len, uint8_t flags, uint32_t *anom)
{
	struct http_header *h;
	size_t room;

	if (hd->n >= HTTP_MAX_HEADERS) {
		*anom |= HTTP_ANOM_TOO_MANY_HEADERS;
		return;
	}
	h = &hd->h[hd->n++];
	h->flags = flags;
	if (!copy_field(h->name, sizeof(h->name), name, name_len)) {
		h->flags |= HTTP_HDR_NAME_CUT;
		*anom |= HTTP_ANOM_NAME_TRUNCATED;
	}
	for (size_t i = 0; i < sizeof(http_withheld) / sizeof(http_withheld[0]);
	    i++)
		if (name_eq(name, name_len, http_withheld[i],
		    strlen(http_withheld[i]))) {
			h->flags |= HTTP_HDR_WITHHELD;
			val_len = 0;
		}
	room = HTTP_VALUES_SIZE - hd->values_used;
	if (room == 0) {
		/* Point at a NUL that is always there: the arena's last byte. */
		h->value_off = HTTP_VALUES_SIZE - 1;
		h->value_len = 0;
		h->flags |= HTTP_HDR_VALUE_CUT;
		*anom |= HTTP_ANOM_VALUES_TRUNCATED;
		return;
	}
	if (val_len + 1 > room) {
		val_len = room - 1;
		h->flags |= HTTP_HDR_VALUE_CUT;
		*anom |= HTTP_ANOM_VALUES_TRUNCATED;
	}
	h->value_off = hd->values_used;
	h->value_len = (uint16_t)val_len;
	memcpy(hd->values + hd->values_used, val, val_len);
	hd->values[hd->values_used + val_len] = '\0';
	hd->values_used = (uint16_t)(hd->values_used + val_len + 1);
}

/* One header line [p, p+n), line terminator removed. */
static void
header_line(const uint8_t *p, size_t n, struct http_headers *hd,
    uint32_t *anom, header_fn fn, void *ctx)
{
	const uint8_t *colon, *val;
	size_t name_len, val_len;
	uint8_t flags = 0;

	if (is_blank(p[0])) {
		*anom |= HTTP_ANOM_OBS_FOLD;
		return;
	}
	if ((colon = memchr(p, ':', n)) == NULL) {
		*anom |= HTTP_ANOM_NO_COLON;
		return;
	}
	name_len = (size_t)(colon - p);
	if (name_len > 0 && is_blank(p[name_len - 1])) {
		*anom |= HTTP_ANOM_SPACE_BEFORE_COLON;
		while (name_len > 0 && is_blank(p[name_len - 1]))
			name_len--;
	}
	if (name_len == 0) {
		*anom |= HTTP_ANOM_NO_COLON;
		return;
	}
	for (size_t i = 0; i < name_len; i++)
		if (!is_tchar(p[i])) {
			flags |= HTTP_HDR_NAME_ODD;
			*anom |= HTTP_ANOM_NAME_CHARS;
			break;
		}
	val = colon + 1;
	val_len = n - (size_t)(val - p);
	/* p0f's rule: skip one blank.  Anything else is odd spacing. */
	if (val_len > 0 && is_blank(val[0])) {
		val++;
		val_len--;
		if (val_len > 0 && is_blank(val[0]))
			flags |= HTTP_HDR_ODD_WS;
	} else if (val_len > 0)
		flags |= HTTP_HDR_ODD_WS;
	if (val_len > 0 && is_blank(val[val_len - 1]))
		flags |= HTTP_HDR_ODD_WS;
	if (flags & HTTP_HDR_ODD_WS)
		*anom |= HTTP_ANOM_ODD_WS;
	if (has_ctl(val, val_len))
		*anom |= HTTP_ANOM_CTL_IN_VALUE;
	if (val_len > HTTP_LONG_VALUE) {
		flags |= HTTP_HDR_LONG;
		*anom |= HTTP_ANOM_LONG_VALUE;
	}
	if (hd->n_seen < UINT16_MAX)
		hd->n_seen++;
	store_header(hd, p, name_len, val, val_len, flags, anom);
	fn(ctx, p, name_len, val, val_len);
}

/* Walk header lines from c up to and including the blank line.  used is
 * the number of head bytes before c (the first line). */
static enum http_status
walk_headers(struct cursor *c, size_t used, struct http_headers *hd,
    uint32_t *anom, size_t *head_len, header_fn fn, void *ctx)
{
	for (;;) {
		size_t left = cur_left(c), n;
		const uint8_t *lf = memchr(c->p, '\n', left);

		if (lf == NULL) {
			if (used + left >= HTTP_MAX_HEAD) {
				*anom |= HTTP_ANOM_HEAD_TOO_LONG;
				return HTTP_MALFORMED;
			}
			return HTTP_NEED_MORE;
		}
		n = (size_t)(lf - c->p);
		if (used + n + 1 > HTTP_MAX_HEAD) {
			*anom |= HTTP_ANOM_HEAD_TOO_LONG;
			return HTTP_MALFORMED;
		}
		struct cursor line = cur_sub(c, n);
		cur_skip(c, 1);
		used += n + 1;
		if (n > 0 && line.p[n - 1] == '\r')
			n--;
		else
			*anom |= HTTP_ANOM_BARE_LF;
		if (n == 0) {
			*head_len = used;
			return HTTP_OK;
		}
		header_line(line.p, n, hd, anom, fn, ctx);
	}
}

/* Request-line method: NEED_MORE while buf could still become one. */
static enum http_status
read_method(struct cursor *c, char *dst)
{
	size_t left = cur_left(c), n = 0;

	while (n < left && c->p[n] != ' ') {
		if (n >= HTTP_MAX_METHOD || c->p[n] < 'A' || c->p[n] > 'Z')
			return HTTP_NOT_HTTP;
		n++;
	}
	for (size_t i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]);
	    i++) {
		size_t ml = strlen(http_methods[i]);

		if (n == left && n <= ml &&
		    memcmp(c->p, http_methods[i], n) == 0)
			return HTTP_NEED_MORE;
		if (n < left && n == ml && memcmp(c->p, http_methods[i], n) == 0) {
			memcpy(dst, c->p, n);
			dst[n] = '\0';
			cur_skip(c, n + 1);
			return HTTP_OK;
		}
	}
	return HTTP_NOT_HTTP;
}

/* Match the literal lit at c, allowing a partial match at the end. */
static enum http_status
expect_lit(struct cursor *c, const char *lit)
{
	size_t n = strlen(lit), left = cur_left(c);

	for (size_t i = 0; i < n; i++) {
		if (i == left)
			return HTTP_NEED_MORE;
		if (c->p[i] != (uint8_t)lit[i])
			return HTTP_NOT_HTTP;
	}
	cur_skip(c, n);
	return HTTP_OK;
}

/* "HTTP/1.x" as the end of a request line or start of a status line. */
static enum http_status
read_version(struct cursor *c, uint8_t *minor)
{
	enum http_status st = expect_lit(c, "HTTP/1.");

	if (st != HTTP_OK)
		return st;
	if (cur_left(c) == 0)
		return HTTP_NEED_MORE;
	if (!is_digit(cur_peek(c, 0)))
		return HTTP_NOT_HTTP;
	*minor = (uint8_t)(cur_u8(c) - '0');
	return HTTP_OK;
}

/* CRLF or LF after the request line's version. */
static enum http_status
read_eol(struct cursor *c, uint32_t *anom)
{
	if (cur_left(c) == 0)
		return HTTP_NEED_MORE;
	if (cur_peek(c, 0) == '\n') {
		*anom |= HTTP_ANOM_BARE_LF;
		cur_skip(c, 1);
		return HTTP_OK;
	}
	return expect_lit(c, "\r\n");
}

static enum http_status
read_target(struct cursor *c, struct http_request *out)
{
	size_t left = cur_left(c), n = 0;

	while (n < left && c->p[n] != ' ') {
		if (c->p[n] < 0x21 || c->p[n] == 0x7f)
			return HTTP_NOT_HTTP;
		if (c->p[n] >= 0x80)
			out->anomalies |= HTTP_ANOM_NON_ASCII_LINE;
		n++;
	}
	if (n == left)
		return left >= HTTP_MAX_HEAD ? HTTP_NOT_HTTP : HTTP_NEED_MORE;
	if (n == 0)
		return HTTP_NOT_HTTP;
	if (!copy_field(out->target, sizeof(out->target), c->p, n))
		out->anomalies |= HTTP_ANOM_TARGET_TRUNCATED;
	cur_skip(c, n + 1);
	return HTTP_OK;
}

struct req_ctx {
	struct http_request	*req;
	struct http_cookies	*ck;
};

static void
content_length(const uint8_t *v, size_t len, bool *has, uint64_t *cl,
    uint32_t *anom)
{
	uint64_t x;

	if (!parse_u64(v, len, &x) || (*has && x != *cl)) {
		*anom |= HTTP_ANOM_BAD_CONTENT_LENGTH;
		return;
	}
	*has = true;
	*cl = x;
}

static void
first_field(char *dst, size_t dstsz, bool *has, uint32_t dup_bit,
    const uint8_t *v, size_t len, uint32_t *anom)
{
	if (*has) {
		*anom |= dup_bit;
		return;
	}
	*has = true;
	if (!copy_field(dst, dstsz, v, len))
		*anom |= HTTP_ANOM_FIELD_TRUNCATED;
}

static void
request_header(void *vctx, const uint8_t *name, size_t name_len,
    const uint8_t *v, size_t len)
{
	struct req_ctx *ctx = vctx;
	struct http_request *r = ctx->req;

	trim_ows(&v, &len);
	if (name_is(name, name_len, "host") || (r->version_major == 2 &&
	    name_is(name, name_len, ":authority")))
		first_field(r->host, sizeof(r->host), &r->has_host,
		    HTTP_ANOM_DUP_HOST, v, len, &r->anomalies);
	else if (name_is(name, name_len, "user-agent"))
		first_field(r->user_agent, sizeof(r->user_agent),
		    &r->has_user_agent, HTTP_ANOM_DUP_UA, v, len,
		    &r->anomalies);
	else if (name_is(name, name_len, "accept-language"))
		first_field(r->accept_language, sizeof(r->accept_language),
		    &r->has_accept_language, 0, v, len, &r->anomalies);
	else if (name_is(name, name_len, "cookie")) {
		if (r->version_major == 2) {
			if (ctx->ck != NULL)
				http_cookies_add(ctx->ck, (const char *)v, len,
				    false);
		} else if (r->has_cookie)
			r->anomalies |= HTTP_ANOM_DUP_COOKIE;
		else if (ctx->ck != NULL)
			http_cookies_add(ctx->ck, (const char *)v, len, true);
		r->has_cookie = true;
		if (r->n_cookie_hdrs < UINT16_MAX)
			r->n_cookie_hdrs++;
	} else if (name_is(name, name_len, "referer")) {
		r->has_referer = true;
		if (r->n_referer_hdrs < UINT16_MAX)
			r->n_referer_hdrs++;
	} else if (name_is(name, name_len, "authorization"))
		r->has_authorization = true;
	else if (name_is(name, name_len, "content-length"))
		content_length(v, len, &r->has_content_length,
		    &r->content_length, &r->anomalies);
	else if (name_is(name, name_len, "transfer-encoding") &&
	    contains_ci(v, len, "chunked"))
		r->is_chunked = true;
}

/* Zero the parse result obj[0..size) but its stored headers *h and their
 * values (9 KiB), which are read only up to h->n and h->values_used. */
static void
reset_around_headers(void *obj, size_t size, struct http_headers *h)
{
	size_t off = (size_t)((char *)h - (char *)obj);
	size_t end = off + sizeof(*h);

	memset(obj, 0, off);
	memset((char *)obj + end, 0, size - end);
	h->n = h->n_seen = h->values_used = 0;
}

enum http_status
http_parse_request(const uint8_t *buf, size_t len, struct http_request *out,
    struct http_cookies *ck)
{
	struct cursor c = cur_init(buf, len);
	struct req_ctx ctx = { out, ck };
	enum http_status st;
	const uint8_t *lf;

	reset_around_headers(out, sizeof(*out), &out->hdrs);
	if (ck != NULL)
		http_cookies_init(ck);
	if ((st = read_method(&c, out->method)) != HTTP_OK ||
	    (st = read_target(&c, out)) != HTTP_OK ||
	    (st = read_version(&c, &out->version_minor)) != HTTP_OK)
		return st;
	out->version_major = 1;
	lf = memchr(buf, '\n', len);
	if ((st = read_eol(&c, &out->anomalies)) != HTTP_OK)
		return st;
	/* read_eol succeeded, so the line's LF is in buf. */
	out->line_len = (uint16_t)(lf != NULL ? (size_t)(lf - buf) : 0);
	st = walk_headers(&c, (size_t)(c.p - buf), &out->hdrs,
	    &out->anomalies, &out->head_len, request_header, &ctx);
	if (st == HTTP_OK && out->is_chunked)
		out->content_length = 0;
	return st;
}

enum http_status
http_parse_nth_request(const uint8_t *buf, size_t len, unsigned n,
    struct http_request *out, struct http_cookies *ck)
{
	size_t off = 0;
	enum http_status st;

	if (n >= HTTP_MAX_PIPELINE) {
		reset_around_headers(out, sizeof(*out), &out->hdrs);
		return HTTP_MALFORMED;
	}
	for (unsigned i = 0;; i++) {
		st = http_parse_request(buf + off, len - off, out,
		    i == n ? ck : NULL);
		out->offset = off;
		if (st != HTTP_OK || i == n)
			return st;
		if (out->is_chunked) {
			out->anomalies |= HTTP_ANOM_BODY_UNKNOWN;
			return HTTP_MALFORMED;
		}
		if (out->content_length > len - off - out->head_len)
			return HTTP_NEED_MORE;
		off += out->head_len + (size_t)out->content_length;
	}
}

static void
response_header(void *vctx, const uint8_t *name, size_t name_len,
    const uint8_t *v, size_t len)
{
	struct http_response *r = vctx;

	trim_ows(&v, &len);
	if (name_is(name, name_len, "server"))
		first_field(r->server, sizeof(r->server), &r->has_server, 0,
		    v, len, &r->anomalies);
	else if (name_is(name, name_len, "content-length"))
		content_length(v, len, &r->has_content_length,
		    &r->content_length, &r->anomalies);
	else if (name_is(name, name_len, "transfer-encoding") &&
	    contains_ci(v, len, "chunked"))
		r->is_chunked = true;
}

/* " NNN[ reason]" then the line end. */
static enum http_status
read_status(struct cursor *c, struct http_response *out)
{
	size_t left, n;
	const uint8_t *lf;

	if (cur_left(c) < 4)
		return HTTP_NEED_MORE;
	if (cur_u8(c) != ' ' || !is_digit(cur_peek(c, 0)) ||
	    !is_digit(cur_peek(c, 1)) || !is_digit(cur_peek(c, 2)))
		return HTTP_NOT_HTTP;
	for (int i = 0; i < 3; i++)
		out->status = (uint16_t)(out->status * 10 + (cur_u8(c) - '0'));
	if (out->status < 100)
		out->anomalies |= HTTP_ANOM_BAD_STATUS;
	left = cur_left(c);
	if ((lf = memchr(c->p, '\n', left)) == NULL) {
		if (left < HTTP_MAX_HEAD)
			return HTTP_NEED_MORE;
		out->anomalies |= HTTP_ANOM_HEAD_TOO_LONG;
		return HTTP_MALFORMED;
	}
	n = (size_t)(lf - c->p);
	struct cursor line = cur_sub(c, n);
	cur_skip(c, 1);
	if (n > 0 && line.p[n - 1] == '\r')
		n--;
	else
		out->anomalies |= HTTP_ANOM_BARE_LF;
	if (n == 0 || line.p[0] != ' ') {
		if (n != 0)
			return HTTP_NOT_HTTP;
		out->anomalies |= HTTP_ANOM_BAD_STATUS;
		return HTTP_OK;
	}
	if (!copy_field(out->reason, sizeof(out->reason), line.p + 1, n - 1))
		out->anomalies |= HTTP_ANOM_FIELD_TRUNCATED;
	return HTTP_OK;
}

enum http_status
http_parse_response(const uint8_t *buf, size_t len, struct http_response *out)
{
	struct cursor c = cur_init(buf, len);
	enum http_status st;

	reset_around_headers(out, sizeof(*out), &out->hdrs);
	if ((st = read_version(&c, &out->version_minor)) != HTTP_OK ||
	    (st = read_status(&c, out)) != HTTP_OK)
		return st;
	out->version_major = 1;
	st = walk_headers(&c, (size_t)(c.p - buf), &out->hdrs,
	    &out->anomalies, &out->head_len, response_header, out);
	if (st == HTTP_OK && out->is_chunked)
		out->content_length = 0;
	return st;
}

void
http_request_add_header(struct http_request *req, const char *name,
    size_t name_len, const char *value, size_t value_len,
    struct http_cookies *ck)
{
	struct req_ctx ctx = { req, ck };
	const uint8_t *n = (const uint8_t *)name, *v = (const uint8_t *)value;

	if (req->hdrs.n_seen < UINT16_MAX)
		req->hdrs.n_seen++;
	store_header(&req->hdrs, n, name_len, v, value_len, 0,
	    &req->anomalies);
	request_header(&ctx, n, name_len, v, value_len);
}

const char *
http_header_value(const struct http_headers *hd, size_t i, size_t *len)
{
	if (i >= hd->n) {
		if (len != NULL)
			*len = 0;
		return "";
	}
	if (len != NULL)
		*len = hd->h[i].value_len;
	return hd->values + hd->h[i].value_off;
}

int
http_header_find(const struct http_headers *hd, const char *name)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i < hd->n; i++) {
		const char *hn = hd->h[i].name;
		size_t j;

		for (j = 0; j < nl && hn[j] != '\0'; j++)
			if (lower((uint8_t)hn[j]) != lower((uint8_t)name[j]))
				break;
		if (j == nl && hn[j] == '\0')
			return (int)i;
	}
	return -1;
}

size_t
http_header_order_hash(const struct http_headers *hd, char dst[17])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t h = 0xcbf29ce484222325ull;
	size_t n = 0;

	for (size_t i = 0; i < hd->n; i++) {
		const uint8_t *name = (const uint8_t *)hd->h[i].name;
		size_t nl = strlen(hd->h[i].name);

		if (name_is(name, nl, "cookie") || name_is(name, nl, "referer"))
			continue;
		for (size_t j = 0; j <= nl; j++) {
			h ^= j < nl ? lower(name[j]) : (uint8_t)',';
			h *= 0x100000001b3ull;
		}
		n++;
	}
	for (int i = 15; i >= 0; i--) {
		dst[i] = hex[h & 0xf];
		h >>= 4;
	}
	dst[16] = '\0';
	return n;
}

void
http_cookies_init(struct http_cookies *ck)
{
	ck->n = 0;
	ck->used = 0;
	ck->flags = 0;
}

static void
cookie_item(struct http_cookies *ck, const char *p, size_t len)
{
	struct http_cookie_item *it;
	const char *eq;

	if (ck->n >= HTTP_MAX_COOKIES) {
		ck->flags |= HTTP_COOKIE_TOO_MANY;
		return;
	}
	if (len > (size_t)(HTTP_COOKIE_SCRATCH - ck->used)) {
		ck->flags |= HTTP_COOKIE_TRUNCATED;
		return;
	}
	it = &ck->item[ck->n++];
	it->off = ck->used;
	it->len = (uint16_t)len;
	eq = memchr(p, '=', len);
	it->name_len = (uint16_t)(eq != NULL ? (size_t)(eq - p) : len);
	memcpy(ck->buf + ck->used, p, len);
	ck->used = (uint16_t)(ck->used + len);
}

void
http_cookies_add(struct http_cookies *ck, const char *value, size_t len,
    bool split)
{
	size_t start = 0;

	if (!split) {
		cookie_item(ck, value, len);
		return;
	}
	for (size_t i = 0; i + 1 < len; i++)
		if (value[i] == ';' && value[i + 1] == ' ') {
			cookie_item(ck, value + start, i - start);
			start = i + 2;
			i++;
		}
	cookie_item(ck, value + start, len - start);
}

/* Values are only ever written to buf[0..used): wipe those bytes, not
 * the whole scratch (4 KiB per request). */
void
http_cookies_wipe(struct http_cookies *ck)
{
	explicit_bzero(ck->buf, ck->used <= sizeof(ck->buf) ? ck->used :
	    sizeof(ck->buf));
	explicit_bzero(ck->item, sizeof(ck->item[0]) * (ck->n <=
	    HTTP_MAX_COOKIES ? ck->n : HTTP_MAX_COOKIES));
	http_cookies_init(ck);
}

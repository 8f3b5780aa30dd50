/* analyzers/http2.c: HTTP/2 client preface, frames and request blocks. */
#include "analyzers/http2.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"

static const char http2_preface_bytes[HTTP2_PREFACE_LEN + 1] =
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum {
	FT_DATA = 0, FT_HEADERS = 1, FT_PRIORITY = 2, FT_SETTINGS = 4,
	FT_WINDOW_UPDATE = 8, FT_CONTINUATION = 9
};
#define FL_ACK		0x01u
#define FL_END_HEADERS	0x04u
#define FL_PADDED	0x08u
#define FL_PRIORITY	0x20u

struct frame {
	const uint8_t	*start;		/* frame header */
	uint32_t	 len;
	uint8_t		 type;
	uint8_t		 flags;
	uint32_t	 stream;
	struct cursor	 payload;
};

/* One frame at c.  NEED_MORE leaves c alone; f->len is set when at least
 * the 9-byte header is there. */
static enum http2_status
read_frame(struct cursor *c, struct frame *f, uint32_t *anom)
{
	struct cursor h = *c;
	uint32_t sid;

	f->start = c->p;
	f->len = 0;
	if (cur_left(c) < 9)
		return HTTP2_NEED_MORE;
	f->len = cur_be24(&h);
	f->type = cur_u8(&h);
	f->flags = cur_u8(&h);
	sid = cur_be32(&h);
	if (sid & 0x80000000u)
		*anom |= HTTP2_ANOM_RESERVED_BIT;
	f->stream = sid & 0x7fffffffu;
	if (cur_left(&h) < f->len)
		return HTTP2_NEED_MORE;
	f->payload = cur_sub(&h, f->len);
	*c = h;
	return HTTP2_OK;
}

static void
read_priority(struct cursor *c, uint32_t stream, struct http2_priority *p)
{
	uint32_t dep = cur_be32(c);

	p->stream_id = stream;
	p->is_exclusive = (dep & 0x80000000u) != 0;
	p->depends_on = dep & 0x7fffffffu;
	p->weight = (uint16_t)(cur_u8(c) + 1);
}

/* The header block that starts with HEADERS frame hf: padding and
 * priority removed, CONTINUATION fragments gathered into scratch. */
static enum http2_status
gather_block(struct cursor *c, struct frame *hf, uint8_t *scratch,
    struct cursor *blk, struct http2_priority *prio, bool *has_prio,
    uint32_t *anom)
{
	struct cursor p = hf->payload;
	size_t pad = 0, n = 0;
	struct frame f;
	enum http2_status st;

	if (hf->flags & FL_PADDED)
		pad = cur_u8(&p);
	if (hf->flags & FL_PRIORITY) {
		read_priority(&p, hf->stream, prio);
		*has_prio = true;
	}
	if (p.bad || pad > cur_left(&p)) {
		*anom |= HTTP2_ANOM_BAD_PADDING;
		return HTTP2_MALFORMED;
	}
	*blk = cur_sub(&p, cur_left(&p) - pad);
	if (hf->flags & FL_END_HEADERS)
		return HTTP2_OK;
	for (;;) {
		size_t fl = cur_left(blk);

		if (n + fl > HTTP2_MAX_BLOCK) {
			*anom |= HTTP2_ANOM_BLOCK_TOO_BIG;
			return HTTP2_MALFORMED;
		}
		memcpy(scratch + n, blk->p, fl);
		n += fl;
		if ((st = read_frame(c, &f, anom)) != HTTP2_OK)
			return st;
		if (f.type != FT_CONTINUATION || f.stream != hf->stream) {
			*anom |= HTTP2_ANOM_BAD_CONTINUATION;
			return HTTP2_MALFORMED;
		}
		*blk = f.payload;
		if (f.flags & FL_END_HEADERS)
			break;
	}
	if (n + cur_left(blk) > HTTP2_MAX_BLOCK) {
		*anom |= HTTP2_ANOM_BLOCK_TOO_BIG;
		return HTTP2_MALFORMED;
	}
	memcpy(scratch + n, blk->p, cur_left(blk));
	*blk = cur_init(scratch, n + cur_left(blk));
	return HTTP2_OK;
}

/* Build *req from a decoded block; pseudo-header letters into order. */
static void
fill_request(const struct hpack_block *hb, struct http_request *req,
    struct http_cookies *ck, char *order, uint32_t *anom)
{
	size_t n_order = 0;
	bool seen_regular = false;

	memset(req, 0, sizeof(*req));
	req->version_major = 2;
	if (ck != NULL)
		http_cookies_init(ck);
	for (size_t i = 0; i < hb->n; i++) {
		const char *name = hpack_field_name(hb, i);
		const char *val = hpack_field_value(hb, i);
		const struct hpack_field *f = &hb->f[i];

		if (name[0] == ':') {
			if (seen_regular)
				*anom |= HTTP2_ANOM_PSEUDO_LATE;
			if (n_order < HTTP2_MAX_PSEUDO)
				order[n_order++] = name[1] != '\0' ? name[1] :
				    '?';
			else
				*anom |= HTTP2_ANOM_PSEUDO_TRUNCATED;
		} else
			seen_regular = true;
		if (strcmp(name, ":method") == 0 && snprintf(req->method,
		    sizeof(req->method), "%s", val) >= (int)sizeof(req->method))
			req->anomalies |= HTTP_ANOM_FIELD_TRUNCATED;
		else if (strcmp(name, ":path") == 0 && snprintf(req->target,
		    sizeof(req->target), "%s", val) >= (int)sizeof(req->target))
			req->anomalies |= HTTP_ANOM_TARGET_TRUNCATED;
		http_request_add_header(req, name, f->name_len, val,
		    f->value_len, ck);
	}
	order[n_order] = '\0';
	if (hb->n_seen > req->hdrs.n_seen) {
		req->hdrs.n_seen = hb->n_seen;
		req->anomalies |= HTTP_ANOM_TOO_MANY_HEADERS;
	}
}

/* Decode the block and fill the request; the block's values are wiped. */
static enum http2_status
decode_block(struct hpack_decoder *dec, struct cursor *blk,
    struct http_request *req, struct http_cookies *ck, char *order,
    uint32_t *anom, uint32_t *hanom)
{
	struct hpack_block hb;
	enum hpack_status hs;

	hs = hpack_decode(dec, blk->p, cur_left(blk), &hb);
	*hanom |= hb.anomalies;
	if (hb.anomalies != 0)
		*anom |= HTTP2_ANOM_HPACK;
	if (hs == HPACK_OK)
		fill_request(&hb, req, ck, order, anom);
	explicit_bzero(hb.buf, hb.used);
	return hs == HPACK_OK ? HTTP2_OK : HTTP2_MALFORMED;
}

static void
note_settings(struct http2_preface *out, struct frame *f)
{
	if (f->len % 6 != 0)
		out->anomalies |= HTTP2_ANOM_SETTINGS_LEN;
	while (cur_left(&f->payload) >= 6) {
		struct http2_setting s;

		s.id = cur_be16(&f->payload);
		s.value = cur_be32(&f->payload);
		if (out->n_settings < HTTP2_MAX_SETTINGS)
			out->settings[out->n_settings++] = s;
		else
			out->anomalies |= HTTP2_ANOM_SETTINGS_TRUNCATED;
	}
	out->has_settings = true;
}

/* SETTINGS, WINDOW_UPDATE and PRIORITY before the first request. */
static void
note_frame(struct http2_preface *out, struct frame *f)
{
	switch (f->type) {
	case FT_SETTINGS:
		if (!(f->flags & FL_ACK) && !out->has_settings)
			note_settings(out, f);
		break;
	case FT_WINDOW_UPDATE:
		if (f->len != 4)
			out->anomalies |= HTTP2_ANOM_FRAME_SIZE;
		else if (f->stream == 0 && !out->has_window_update) {
			out->window_update = cur_be32(&f->payload) &
			    0x7fffffffu;
			out->has_window_update = true;
		}
		break;
	case FT_PRIORITY:
		if (f->len != 5)
			out->anomalies |= HTTP2_ANOM_FRAME_SIZE;
		else if (out->n_priorities < HTTP2_MAX_PRIORITIES)
			read_priority(&f->payload, f->stream,
			    &out->priorities[out->n_priorities++]);
		else
			out->anomalies |= HTTP2_ANOM_PRIORITIES_TRUNCATED;
		break;
	case FT_CONTINUATION:
		out->anomalies |= HTTP2_ANOM_BAD_CONTINUATION;
		break;
	default:
		break;
	}
}

enum http2_status
http2_parse_preface(const uint8_t *buf, size_t len, struct hpack_decoder *dec,
    struct http2_preface *out, struct http_request *req,
    struct http_cookies *ck)
{
	struct cursor c = cur_init(buf, len), blk;
	uint8_t scratch[HTTP2_MAX_BLOCK];
	enum http2_status st;
	struct frame f;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < HTTP2_PREFACE_LEN; i++) {
		if (i == len)
			return HTTP2_NEED_MORE;
		if (buf[i] != (uint8_t)http2_preface_bytes[i])
			return HTTP2_NOT_HTTP2;
	}
	cur_skip(&c, HTTP2_PREFACE_LEN);
	for (int i = 0; i < HTTP2_MAX_FRAMES; i++) {
		if ((st = read_frame(&c, &f, &out->anomalies)) != HTTP2_OK)
			return st;
		if (i == 0 && f.type != FT_SETTINGS)
			out->anomalies |= HTTP2_ANOM_NOT_SETTINGS_FIRST;
		if (f.type != FT_HEADERS) {
			note_frame(out, &f);
			continue;
		}
		out->headers_stream_id = f.stream;
		out->headers_flags = f.flags;
		st = gather_block(&c, &f, scratch, &blk,
		    &out->headers_priority, &out->has_headers_priority,
		    &out->anomalies);
		if (st == HTTP2_OK)
			st = decode_block(dec, &blk, req, ck, out->pseudo_order,
			    &out->anomalies, &out->hpack_anomalies);
		explicit_bzero(scratch, sizeof(scratch));
		if (st == HTTP2_OK)
			out->consumed = (size_t)(c.p - buf);
		return st;
	}
	out->anomalies |= HTTP2_ANOM_FRAME_LIMIT;
	return HTTP2_MALFORMED;
}

enum http2_status
http2_parse_next_request(const uint8_t *buf, size_t len,
    struct hpack_decoder *dec, struct http_request *req,
    struct http_cookies *ck, size_t *consumed, uint32_t *anomalies)
{
	struct cursor c = cur_init(buf, len), blk;
	uint8_t scratch[HTTP2_MAX_BLOCK];
	struct http2_priority prio;
	char order[HTTP2_MAX_PSEUDO + 1];
	uint32_t hanom = 0;
	enum http2_status st;
	bool has_prio = false;
	struct frame f;

	*consumed = 0;
	for (int i = 0; i < HTTP2_MAX_FRAMES; i++) {
		if ((st = read_frame(&c, &f, anomalies)) != HTTP2_OK) {
			/* Drop a whole frame that does not matter. */
			if (cur_left(&c) >= 9 && f.type != FT_HEADERS &&
			    f.type != FT_CONTINUATION)
				*consumed = (size_t)(c.p - buf) + 9 + f.len;
			return st;
		}
		if (f.type == FT_CONTINUATION)
			*anomalies |= HTTP2_ANOM_BAD_CONTINUATION;
		if (f.type != FT_HEADERS) {
			*consumed = (size_t)(c.p - buf);
			continue;
		}
		st = gather_block(&c, &f, scratch, &blk, &prio, &has_prio,
		    anomalies);
		if (st == HTTP2_OK)
			st = decode_block(dec, &blk, req, ck, order, anomalies,
			    &hanom);
		explicit_bzero(scratch, sizeof(scratch));
		if (st == HTTP2_OK)
			*consumed = (size_t)(c.p - buf);
		return st;
	}
	*anomalies |= HTTP2_ANOM_FRAME_LIMIT;
	return HTTP2_NEED_MORE;
}

static void	app(char *, size_t, size_t *, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

/* Append to buf[0..sz) at *n, never past the end. */
static void
app(char *buf, size_t sz, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n + 1 >= sz)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *n, sz - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n = (size_t)r < sz - *n ? *n + (size_t)r : sz - 1;
}

size_t
http2_akamai(const struct http2_preface *p, char *dst, size_t dstsz)
{
	char t[HTTP2_AKAMAI_SIZE * 2];
	size_t n = 0;

	t[0] = '\0';
	for (size_t i = 0; i < p->n_settings; i++)
		app(t, sizeof(t), &n, "%s%u:%u", i ? ";" : "",
		    p->settings[i].id, p->settings[i].value);
	if (p->has_window_update)
		app(t, sizeof(t), &n, "|%u|", p->window_update);
	else
		app(t, sizeof(t), &n, "|00|");
	for (size_t i = 0; i < p->n_priorities; i++)
		app(t, sizeof(t), &n, "%s%u:%u:%u:%u", i ? "," : "",
		    p->priorities[i].stream_id,
		    p->priorities[i].is_exclusive ? 1u : 0u,
		    p->priorities[i].depends_on, p->priorities[i].weight);
	if (p->n_priorities == 0)
		app(t, sizeof(t), &n, "0");
	app(t, sizeof(t), &n, "|");
	for (size_t i = 0; p->pseudo_order[i] != '\0'; i++)
		app(t, sizeof(t), &n, "%s%c", i ? "," : "",
		    p->pseudo_order[i]);
	return (size_t)snprintf(dst, dstsz, "%s", t);
}

/* analyzers/http.h: HTTP/1.x request and response head parsers.
 *
 * Pure parsers over the first bytes of one direction of a TCP stream: bytes
 * in, struct out, no allocation, no globals.  A request is recognised by
 * content, on any port: a known method token, SP, a target, SP and
 * "HTTP/1.x".  Everything is copied into bounded inline arrays; every cap
 * that is hit sets an anomaly bit.
 *
 * Privacy: the values of Cookie, Set-Cookie, Authorization and
 * Proxy-Authorization are never stored in these structs (the header is
 * listed, flagged HTTP_HDR_WITHHELD, with an empty value).  Cookie values
 * needed for the JA4H hash go to the separate, caller-owned struct
 * http_cookies scratch, and only when the caller asks for it. */
#ifndef FP_ANALYZERS_HTTP_H
#define FP_ANALYZERS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD		8192	/* request line + headers + CRLF */
#define HTTP_MAX_METHOD		15
#define HTTP_MAX_TARGET		255
#define HTTP_MAX_HEADERS	64
#define HTTP_MAX_NAME		63	/* longer names are cut */
#define HTTP_VALUES_SIZE	4096	/* all stored header values + NULs */
#define HTTP_MAX_HOST		255
#define HTTP_MAX_UA		511
#define HTTP_MAX_LANG		127
#define HTTP_MAX_SERVER		255
#define HTTP_MAX_REASON		63
#define HTTP_LONG_VALUE		1024	/* values above this set HTTP_HDR_LONG */
#define HTTP_MAX_PIPELINE	32	/* deepest request http_parse_nth_request reaches */

/* Request and response anomalies (->anomalies). */
#define HTTP_ANOM_BARE_LF		0x00000001u	/* line ended by LF alone */
#define HTTP_ANOM_TARGET_TRUNCATED	0x00000002u
#define HTTP_ANOM_NON_ASCII_LINE	0x00000004u	/* byte >= 0x80 in first line */
#define HTTP_ANOM_TOO_MANY_HEADERS	0x00000008u	/* over HTTP_MAX_HEADERS */
#define HTTP_ANOM_NAME_TRUNCATED	0x00000010u
#define HTTP_ANOM_NAME_CHARS		0x00000020u	/* non-token byte in a name */
#define HTTP_ANOM_SPACE_BEFORE_COLON	0x00000040u
#define HTTP_ANOM_OBS_FOLD		0x00000080u	/* continuation line, ignored */
#define HTTP_ANOM_NO_COLON		0x00000100u	/* line without ':' or name */
#define HTTP_ANOM_VALUES_TRUNCATED	0x00000200u	/* HTTP_VALUES_SIZE hit */
#define HTTP_ANOM_CTL_IN_VALUE		0x00000400u	/* control byte other than HT */
#define HTTP_ANOM_ODD_WS		0x00000800u	/* not exactly ": " + value */
#define HTTP_ANOM_DUP_HOST		0x00001000u
#define HTTP_ANOM_DUP_COOKIE		0x00002000u	/* JA4H keeps the first */
#define HTTP_ANOM_DUP_UA		0x00004000u
#define HTTP_ANOM_FIELD_TRUNCATED	0x00008000u	/* host/ua/lang/server cut */
#define HTTP_ANOM_BAD_CONTENT_LENGTH	0x00010000u	/* not digits, or conflicting */
#define HTTP_ANOM_HEAD_TOO_LONG		0x00020000u	/* no end within HTTP_MAX_HEAD */
#define HTTP_ANOM_BODY_UNKNOWN		0x00040000u	/* chunked: cannot pipeline */
#define HTTP_ANOM_LONG_VALUE		0x00080000u	/* a value over HTTP_LONG_VALUE */
#define HTTP_ANOM_BAD_STATUS		0x00100000u	/* status < 100, no reason SP */

/* Per-header flags (struct http_header.flags). */
#define HTTP_HDR_WITHHELD	0x01u	/* value deliberately not stored */
#define HTTP_HDR_VALUE_CUT	0x02u	/* value arena full: value cut */
#define HTTP_HDR_NAME_CUT	0x04u
#define HTTP_HDR_NAME_ODD	0x08u	/* name has non-token bytes */
#define HTTP_HDR_LONG		0x10u	/* value longer than HTTP_LONG_VALUE */
#define HTTP_HDR_ODD_WS		0x20u	/* 0 or >1 blanks after ':', or trailing */

enum http_status {
	HTTP_OK,
	HTTP_NEED_MORE,		/* a prefix of a plausible head: feed more */
	HTTP_NOT_HTTP,		/* not an HTTP/1.x head */
	HTTP_MALFORMED		/* HTTP, but broken or over a hard cap */
};

/* One header line.  The value is stored as p0f sees it: the bytes after the
 * colon and at most one blank, up to the line end, CR removed, nothing else
 * trimmed; it is NUL-terminated inside the owning struct's values[]. */
struct http_header {
	char		name[HTTP_MAX_NAME + 1];	/* case kept, NUL-terminated */
	uint16_t	value_off;			/* into values[] */
	uint16_t	value_len;			/* stored bytes, no NUL */
	uint8_t		flags;				/* HTTP_HDR_* */
};

struct http_headers {
	struct http_header	h[HTTP_MAX_HEADERS];
	uint16_t		n;		/* stored, in wire order */
	uint16_t		n_seen;		/* on the wire, may exceed n */
	uint16_t		values_used;
	char			values[HTTP_VALUES_SIZE];
};

struct http_request {
	char		method[HTTP_MAX_METHOD + 1];
	char		target[HTTP_MAX_TARGET + 1];	/* bounded copy */
	uint8_t		version_major;			/* 1, or 2 when filled by h2 */
	uint8_t		version_minor;
	uint16_t	line_len;	/* first line up to LF, CR included */
	struct http_headers hdrs;
	/* First occurrence of each, OWS-trimmed, NUL-terminated. */
	char		host[HTTP_MAX_HOST + 1];
	char		user_agent[HTTP_MAX_UA + 1];
	char		accept_language[HTTP_MAX_LANG + 1];
	bool		has_host;
	bool		has_user_agent;
	bool		has_accept_language;
	bool		has_cookie;	/* any Cookie header (value not kept) */
	bool		has_referer;
	bool		has_authorization;
	bool		has_content_length;
	bool		is_chunked;	/* Transfer-Encoding mentions chunked */
	uint16_t	n_cookie_hdrs;	/* Cookie headers on the wire */
	uint16_t	n_referer_hdrs;
	uint64_t	content_length;
	size_t		offset;		/* where this request starts in buf */
	size_t		head_len;	/* request line through the blank line */
	uint32_t	anomalies;	/* HTTP_ANOM_* */
};

struct http_response {
	uint8_t		version_major;
	uint8_t		version_minor;
	uint16_t	status;		/* 3 digits; < 100: BAD_STATUS */
	char		reason[HTTP_MAX_REASON + 1];
	struct http_headers hdrs;
	char		server[HTTP_MAX_SERVER + 1];	/* first Server, trimmed */
	bool		has_server;
	bool		has_content_length;
	bool		is_chunked;
	uint64_t	content_length;
	size_t		head_len;
	uint32_t	anomalies;	/* HTTP_ANOM_* */
};

/* Scratch for cookie name=value items, filled only when the caller passes
 * one.  It holds cookie VALUES: it exists solely so that a cookie hash can
 * be computed (JA4H).  Owned by the caller, never serialised; wipe it with
 * http_cookies_wipe() once the hash is taken. */
#define HTTP_MAX_COOKIES	64
#define HTTP_COOKIE_SCRATCH	4096
#define HTTP_COOKIE_TOO_MANY	0x1u	/* over HTTP_MAX_COOKIES */
#define HTTP_COOKIE_TRUNCATED	0x2u	/* scratch full */

struct http_cookie_item {
	uint16_t	off;		/* into buf */
	uint16_t	len;		/* whole "name=value" item */
	uint16_t	name_len;	/* bytes before the first '=' */
};

struct http_cookies {
	struct http_cookie_item	item[HTTP_MAX_COOKIES];
	uint16_t		n;
	uint16_t		used;
	uint32_t		flags;		/* HTTP_COOKIE_* */
	char			buf[HTTP_COOKIE_SCRATCH];
};

/* Parse the request head at the start of buf[0..len).  Pure; *out is fully
 * overwritten (out->hdrs.h[] and .values[] past n and values_used
 * excepted: left as they were).  On HTTP_OK, out->head_len is the head size and the request
 * body (out->content_length bytes unless out->is_chunked) follows it.  On
 * HTTP_NEED_MORE and HTTP_MALFORMED, *out holds what was parsed so far.
 * ck may be NULL; otherwise it is reset and receives the items of the
 * first Cookie header, split on "; " (FoxIO's JA4H rule). */
enum http_status http_parse_request(const uint8_t *buf, size_t len,
		    struct http_request *out, struct http_cookies *ck);

/* Parse the n-th (0-based, n < HTTP_MAX_PIPELINE) pipelined request of a
 * client stream: each earlier request is skipped as head + Content-Length.
 * Returns HTTP_MALFORMED with HTTP_ANOM_BODY_UNKNOWN when an earlier
 * request is chunked, HTTP_NEED_MORE when buf ends before request n is
 * complete.  out->offset tells where request n starts.  ck as above. */
enum http_status http_parse_nth_request(const uint8_t *buf, size_t len,
		    unsigned n, struct http_request *out,
		    struct http_cookies *ck);

/* Parse a response head ("HTTP/1.x NNN reason") at the start of buf.
 * Same contract as http_parse_request. */
enum http_status http_parse_response(const uint8_t *buf, size_t len,
		    struct http_response *out);

/* Append one header field to req as if it had been parsed: counted,
 * stored (withheld values dropped) and interpreted (Host, User-Agent,
 * Accept-Language, Cookie, Referer, ...).  Used by the HTTP/2 parser with
 * decoded HPACK fields; req->version_major must already be set.  With
 * version 2, ":authority" counts as Host and every cookie field is one
 * item for ck (may be NULL); with version 1 only the first Cookie header
 * goes to ck, split on "; ". */
void		 http_request_add_header(struct http_request *req,
		    const char *name, size_t name_len, const char *value,
		    size_t value_len, struct http_cookies *ck);

/* Value of stored header i as a NUL-terminated string (borrowed from hd,
 * valid while hd is); *len gets its length when len is not NULL. */
const char	*http_header_value(const struct http_headers *hd, size_t i,
		    size_t *len);

/* Index of the first stored header whose name equals name ignoring ASCII
 * case, or -1. */
int		 http_header_find(const struct http_headers *hd,
		    const char *name);

/* Header-order fingerprint: FNV-1a 64 over the lower-cased names of the
 * stored headers, in wire order, each followed by ',', skipping Cookie and
 * Referer (they come and go per request); printed as 16 lower-case hex
 * digits.  dst must hold 17 bytes.  Returns the number of names hashed. */
size_t		 http_header_order_hash(const struct http_headers *hd,
		    char dst[17]);

/* Cookie scratch.  _init empties it; _add appends one raw header value,
 * split into items on "; " when split is true (HTTP/1 Cookie header) or
 * taken whole (one HTTP/2 cookie field); _wipe zeroes it. */
void		 http_cookies_init(struct http_cookies *ck);
void		 http_cookies_add(struct http_cookies *ck, const char *value,
		    size_t len, bool split);
void		 http_cookies_wipe(struct http_cookies *ck);

#endif

/* analyzers/http2.h: HTTP/2 client stream (prior knowledge, h2c, or any
 * decrypted h2 stream): connection preface, the frames before the first
 * request, and request header blocks.
 *
 * Produces the Akamai HTTP/2 fingerprint (Shuster and Lerner, "Passive
 * Fingerprinting of HTTP/2 Clients", Black Hat EU 2017):
 *
 *   SETTINGS|WINDOW_UPDATE|PRIORITY|PSEUDO_HEADER_ORDER
 *
 *   SETTINGS       "id:value" of the first SETTINGS frame, wire order, ';'
 *   WINDOW_UPDATE  increment of the first stream-0 WINDOW_UPDATE, "00" if none
 *   PRIORITY       "stream:exclusive:depends_on:weight" per PRIORITY frame
 *                  before the first HEADERS, ','; weight is the wire value
 *                  plus one (1..256); "0" if none
 *   PSEUDO_HEADER_ORDER  first letters of the first request's pseudo-header
 *                  names, ',' ("m,a,s,p")
 *
 * and fills a struct http_request from each HEADERS block (version 2.0,
 * all fields in order, pseudo-headers included) for JA4H.  Pure parsers;
 * the only state carried between calls is the caller's HPACK decoder. */
#ifndef FP_ANALYZERS_HTTP2_H
#define FP_ANALYZERS_HTTP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/hpack.h"
#include "analyzers/http.h"

#define HTTP2_PREFACE_LEN	24
#define HTTP2_MAX_SETTINGS	16
#define HTTP2_MAX_PRIORITIES	16
#define HTTP2_MAX_PSEUDO	8
#define HTTP2_MAX_BLOCK		16384	/* HEADERS + CONTINUATION fragments */
#define HTTP2_MAX_FRAMES	64	/* frames examined per call */
#define HTTP2_AKAMAI_SIZE	1024	/* ample for the capped lists */

#define HTTP2_ANOM_SETTINGS_TRUNCATED	0x0001u	/* over HTTP2_MAX_SETTINGS */
#define HTTP2_ANOM_PRIORITIES_TRUNCATED	0x0002u
#define HTTP2_ANOM_SETTINGS_LEN		0x0004u	/* length not a multiple of 6 */
#define HTTP2_ANOM_NOT_SETTINGS_FIRST	0x0008u	/* RFC 9113 3.4 */
#define HTTP2_ANOM_BLOCK_TOO_BIG	0x0010u	/* over HTTP2_MAX_BLOCK */
#define HTTP2_ANOM_BAD_PADDING		0x0020u
#define HTTP2_ANOM_RESERVED_BIT		0x0040u	/* R bit set in a stream id */
#define HTTP2_ANOM_PSEUDO_LATE		0x0080u	/* pseudo after a regular field */
#define HTTP2_ANOM_PSEUDO_TRUNCATED	0x0100u	/* over HTTP2_MAX_PSEUDO */
#define HTTP2_ANOM_FRAME_LIMIT		0x0200u	/* no request in MAX_FRAMES */
#define HTTP2_ANOM_BAD_CONTINUATION	0x0400u	/* other frame inside a block */
#define HTTP2_ANOM_HPACK		0x0800u	/* see hpack_anomalies */
#define HTTP2_ANOM_FRAME_SIZE		0x1000u	/* fixed-size frame, odd length */

enum http2_status {
	HTTP2_OK,
	HTTP2_NEED_MORE,
	HTTP2_NOT_HTTP2,	/* no client connection preface */
	HTTP2_MALFORMED
};

struct http2_setting {
	uint16_t	id;
	uint32_t	value;
};

struct http2_priority {
	uint32_t	stream_id;
	uint32_t	depends_on;
	uint16_t	weight;		/* 1..256: wire value + 1 */
	bool		is_exclusive;
};

struct http2_preface {
	struct http2_setting	settings[HTTP2_MAX_SETTINGS];
	uint8_t			n_settings;
	bool			has_settings;
	bool			has_window_update;
	uint32_t		window_update;
	struct http2_priority	priorities[HTTP2_MAX_PRIORITIES];
	uint8_t			n_priorities;
	char			pseudo_order[HTTP2_MAX_PSEUDO + 1];	/* "masp" */
	uint32_t		headers_stream_id;
	uint8_t			headers_flags;
	bool			has_headers_priority;
	struct http2_priority	headers_priority;
	size_t			consumed;	/* through the first block */
	uint32_t		anomalies;	/* HTTP2_ANOM_* */
	uint32_t		hpack_anomalies; /* HPACK_ANOM_* */
};

/* Parse the client stream buf[0..len) from its first byte: preface, the
 * frames up to and including the first complete request header block.
 * On HTTP2_OK the block is decoded with dec (which is updated), *req is
 * filled (see http_request_add_header; ck may be NULL) and out->consumed
 * is the offset just past the block.  On any other status *req and *ck
 * are untouched, *out holds what was seen, and dec is untouched too unless
 * the block failed to decode (then it is marked broken, see hpack.h). */
enum http2_status http2_parse_preface(const uint8_t *buf, size_t len,
		    struct hpack_decoder *dec, struct http2_preface *out,
		    struct http_request *req, struct http_cookies *ck);

/* Parse from a frame boundary (e.g. a previous call's consumed) to the
 * next complete request header block; other frames are skipped.  On
 * HTTP2_OK as above, *consumed just past the block.  On HTTP2_NEED_MORE,
 * *consumed is how much the caller may drop: up to the start of an
 * incomplete header block, or past the end of an incomplete frame that
 * does not matter (then it may exceed len). */
enum http2_status http2_parse_next_request(const uint8_t *buf, size_t len,
		    struct hpack_decoder *dec, struct http_request *req,
		    struct http_cookies *ck, size_t *consumed,
		    uint32_t *anomalies);

/* Format the Akamai fingerprint into dst; returns the full length, like
 * snprintf (dstsz includes the NUL). */
size_t		 http2_akamai(const struct http2_preface *p, char *dst,
		    size_t dstsz);

#endif

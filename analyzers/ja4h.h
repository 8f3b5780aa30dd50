/* analyzers/ja4h.h: JA4H HTTP client fingerprint.
 *
 * JA4H is part of JA4+ and licensed under the FoxIO License 1.1 (see
 * https://github.com/FoxIO-LLC/ja4); this file is compiled only with
 * --enable-ja4plus.
 *
 * ja4h = a_b_c_d where
 *   a = method (2 lower-case chars) . version ("10" "11" "20" "30")
 *       . 'c'|'n' (Cookie) . 'r'|'n' (Referer)
 *       . header count without Cookie/Referer, 2 digits, at most 99
 *       . Accept-Language: first item before ',', '-' removed, lower-cased,
 *         cut or padded with '0' to 4 chars ("0000" when absent)
 *   b = sha256-12 of the header names, wire order and case, comma-joined,
 *       without Cookie/Referer (HTTP/2: pseudo-headers included)
 *   c = sha256-12 of the cookie names, sorted byte-wise, comma-joined
 *   d = sha256-12 of the "name=value" items in that order (items with the
 *       same name: by the whole item), comma-joined
 * A hash of an empty list is "000000000000".
 *
 * Raw forms: ja4h_r is "a_<names>_<sorted cookie names>_d" and ja4h_ro is
 * "a_<names>_<cookie names, wire order>_<d over wire order>".  Unlike
 * FoxIO's tools, the last section keeps the hash instead of spelling out
 * cookie values: cookie values never leave the parser's scratch. */
#ifndef FP_ANALYZERS_JA4H_H
#define FP_ANALYZERS_JA4H_H

#include <stdint.h>

#include "analyzers/http.h"

#define JA4H_SIZE	52		/* 51 chars + NUL */
#define JA4H_RAW_SIZE	4096

#define JA4H_HEADERS_INCOMPLETE	0x1u	/* header cap hit: b is partial */
#define JA4H_COOKIES_INCOMPLETE	0x2u	/* cookie scratch overflowed */
#define JA4H_RAW_TRUNCATED	0x4u	/* a raw form was cut to fit */
#define JA4H_NO_COOKIE_SCRATCH	0x8u	/* cookies seen, ck was NULL */

struct ja4h {
	char		ja4h[JA4H_SIZE];
	char		ja4h_r[JA4H_RAW_SIZE];	/* names, cookie values hashed */
	char		ja4h_ro[JA4H_RAW_SIZE];
	uint32_t	flags;			/* JA4H_* */
};

/* Compute JA4H from a parsed request (HTTP/1 from http_parse_request, or
 * HTTP/2 from h2_parse_*) and the cookie scratch the parser filled (may be
 * NULL when the request had no cookies).  Pure apart from libcrypto;
 * *out is fully overwritten.  Cookie values are read from ck only. */
void	ja4h_compute(const struct http_request *req,
	    const struct http_cookies *ck, struct ja4h *out);

#endif

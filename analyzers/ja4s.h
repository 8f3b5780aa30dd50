/* analyzers/ja4s.h: JA4S, the TLS server (ServerHello) fingerprint.
 *
 * JA4S is a JA4+ method under the FoxIO License 1.1: this file is only
 * built with --enable-ja4plus.  Pure function, no allocation, no globals. */
#ifndef FP_ANALYZERS_JA4S_H
#define FP_ANALYZERS_JA4S_H

#include <stdbool.h>
#include <stddef.h>

#include "analyzers/tls_hello.h"

#define JA4S_LEN	25	/* t130200_1301_234ea6891581 */
/* Longest ja4s_r: "t130200_1301_" then "xxxx," per extension. */
#define JA4S_RAW_MAX	(13 + 5 * TLS_MAX_EXTENSIONS)

/* JA4S of sh (ja4s, or ja4s_r when is_raw) into dst, snprintf-style:
 * returns the full length; proto is 't' (TCP), 'q' (QUIC) or 'd' (DTLS).
 * Version is the supported_versions selection when present, else
 * legacy_version; extensions keep their order; no extensions hash to
 * "000000000000". */
size_t	ja4s_format(const struct tls_server_hello *sh, char proto,
	    bool is_raw, char *dst, size_t dstsz);

#endif

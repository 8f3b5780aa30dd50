/* analyzers/tls_fp.h: JA3, JA3S and JA4 (BSD-3-Clause methods) from parsed
 * hellos.
 *
 * JA3/JA3S follow the original Salesforce definition (GREASE removed, as
 * Wireshark computes them); JA4 follows FoxIO's JA4 specification.
 * Hashing uses libcrypto's SHA256_* and MD5_* on the stack; each thread
 * keeps a memo of its recent digests, allocated once, at its first hash.
 * Nothing else is allocated.
 * The string functions behave like snprintf: they write at most dstsz bytes
 * including the NUL (when dstsz > 0) and return the length of the whole
 * string, so a return >= dstsz means it was cut.  A buffer of the *_MAX
 * size + 1 always suffices. */
#ifndef FP_ANALYZERS_TLS_FP_H
#define FP_ANALYZERS_TLS_FP_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

#include "analyzers/tls_hello.h"

#define TLS_FP_MD5_HEX_LEN	32
#define TLS_FP_HASH12_LEN	12
#define TLS_FP_JA4_LEN		36 /* t13d1516h2_8daaf6152771_e5627efa2ab1 */

/* Longest JA3 and JA3S strings the parser's caps allow ("65535," and
 * "65535-" per value). */
#define TLS_FP_JA3_MAX		(6 + 6 * TLS_MAX_CIPHERS + 1 + \
	6 * TLS_MAX_EXTENSIONS + 1 + 6 * TLS_MAX_GROUPS + 1 + \
	4 * TLS_MAX_POINT_FORMATS)
#define TLS_FP_JA3S_MAX		(6 + 6 + 6 * TLS_MAX_EXTENSIONS)
/* Longest JA4 raw string: "t13d1516h2_" then "xxxx," per value. */
#define TLS_FP_JA4_RAW_MAX	(11 + 5 * TLS_MAX_CIPHERS + 1 + \
	5 * TLS_MAX_EXTENSIONS + 1 + 5 * TLS_MAX_SIG_ALGS)

enum tls_fp_ja4_form {
	TLS_FP_JA4,		/* ja4: sorted, hashed */
	TLS_FP_JA4_R,		/* ja4_r: sorted, raw */
	TLS_FP_JA4_O,		/* ja4_o: original order, hashed */
	TLS_FP_JA4_RO		/* ja4_ro: original order, raw */
};

/* JA3 string of ch, e.g. "771,4865-4866,0-23-65281,29-23-24,0". */
size_t		tls_fp_ja3(const struct tls_client_hello *ch, char *dst,
		    size_t dstsz);

/* MD5 of the JA3 string, 32 lower-case hex digits (needs dstsz >= 33).
 * Returns 32, or 0 (and writes "") if libcrypto fails. */
size_t		tls_fp_ja3_md5(const struct tls_client_hello *ch, char *dst,
		    size_t dstsz);

/* JA3S string of sh, e.g. "771,49199,65281-0-11-35-16". */
size_t		tls_fp_ja3s(const struct tls_server_hello *sh, char *dst,
		    size_t dstsz);

/* MD5 of the JA3S string, as tls_fp_ja3_md5(). */
size_t		tls_fp_ja3s_md5(const struct tls_server_hello *sh, char *dst,
		    size_t dstsz);

/* JA4 of ch in the given form; proto is 't' (TLS over TCP), 'q' (QUIC) or
 * 'd' (DTLS), chosen by the caller.  The hashed forms are TLS_FP_JA4_LEN
 * long; a libcrypto failure gives hash parts of "000000000000". */
size_t		tls_fp_ja4(const struct tls_client_hello *ch, char proto,
		    enum tls_fp_ja4_form form, char *dst, size_t dstsz);

/* Two forms at once, sharing the work: the hashed one into fp (returns
 * its length) and the raw one into raw (length in *raw_len); JA4 and
 * ja4_r, or with original_order ja4_o and ja4_ro.  Same output as two
 * tls_fp_ja4() calls. */
size_t		tls_fp_ja4_pair(const struct tls_client_hello *ch, char proto,
		    bool original_order, char *fp, size_t fpsz, char *raw,
		    size_t rawsz, size_t *raw_len);

/* MD5 hex of src[0..len) into dst, snprintf-style (32, or 0 if libcrypto
 * fails): JA3 and JA3S hashes of strings already made. */
size_t		tls_fp_md5_hex(const char *src, size_t len, char *dst,
		    size_t dstsz);

/* SHA-256 of data[0..len) into out; always true. */
bool		tls_fp_sha256(const void *data, size_t len, uint8_t out[32]);

/* Free this thread's digest memo and certificate arena (lib/
 * crypto_arena.h).  Call when a worker thread stops; a later hash or
 * certificate makes new ones. */
void		tls_fp_thread_cleanup(void);

/* --- helpers shared with the JA4+ methods ------------------------------ */

/* JA4's two-character code of a protocol version: "13", "12", "11", "10",
 * "s3", "s2", "d1", "d2", "d3", or "00" when unknown.  Static string. */
const char	*tls_fp_version_code(uint16_t version);

/* JA4's two-character ALPN code of one protocol name (a may be NULL):
 * first and last characters when both are ASCII alphanumeric, else first
 * and last hex digits of the value, "00" when absent or empty. */
void		tls_fp_alpn_code(const struct tls_alpn *a, char out[3]);

/* First 12 lower-case hex digits of SHA-256(s[0..len)), NUL-terminated;
 * "000000000000" when len is 0 (JA4's empty-list rule) or libcrypto
 * fails.  Returns false only on libcrypto failure. */
bool		tls_fp_hash12(const char *s, size_t len,
		    char out[TLS_FP_HASH12_LEN + 1]);

/* snprintf-style string builder: appends while room is left, and counts
 * the full length in len either way.  p[cap - 1] is kept for the NUL. */
struct tls_fp_str {
	char	*p;
	size_t	 cap;
	size_t	 len;
};

static inline struct tls_fp_str
tls_fp_str_init(char *dst, size_t dstsz)
{
	struct tls_fp_str s = { dst, dstsz, 0 };

	if (dstsz > 0)
		dst[0] = '\0';
	return s;
}

static inline void
tls_fp_str_putc(struct tls_fp_str *s, char ch)
{
	if (s->len + 1 < s->cap) {
		s->p[s->len] = ch;
		s->p[s->len + 1] = '\0';
	}
	s->len++;
}

/* str[0..n), at once when it fits with its NUL, else char by char. */
static inline void
tls_fp_str_putn(struct tls_fp_str *s, const char *str, size_t n)
{
	if (s->len + n < s->cap) {
		memcpy(s->p + s->len, str, n);
		s->len += n;
		s->p[s->len] = '\0';
		return;
	}
	for (size_t i = 0; i < n; i++)
		tls_fp_str_putc(s, str[i]);
}

static inline void
tls_fp_str_puts(struct tls_fp_str *s, const char *str)
{
	tls_fp_str_putn(s, str, strlen(str));
}

/* Four lower-case hex digits. */
static inline void
tls_fp_str_hex16(struct tls_fp_str *s, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";

	if (s->len + 4 < s->cap) {	/* room for all four and the NUL */
		char *p = s->p + s->len;

		p[0] = hex[v >> 12];
		p[1] = hex[(v >> 8) & 0xf];
		p[2] = hex[(v >> 4) & 0xf];
		p[3] = hex[v & 0xf];
		p[4] = '\0';
		s->len += 4;
		return;
	}
	for (int shift = 12; shift >= 0; shift -= 4)
		tls_fp_str_putc(s, hex[(v >> shift) & 0xf]);
}

#endif

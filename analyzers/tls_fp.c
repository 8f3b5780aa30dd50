/* analyzers/tls_fp.c: JA3, JA3S and JA4 strings and hashes. */
#define OPENSSL_SUPPRESS_DEPRECATED	/* SHA256_Init, MD5_Init */
#include "analyzers/tls_fp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/md5.h>
#include <openssl/sha.h>

#include "crypto_arena.h"

static const char hex_digits[] = "0123456789abcdef";

/* The hashes are libcrypto's SHA256_* and MD5_* on the stack: an EVP
 * digest context allocates its state again at every init (OpenSSL 3.0),
 * which would be an allocation per fingerprint. */
enum { DIGEST_SHA256, DIGEST_MD5, N_DIGESTS };

/* Clients repeat a few fingerprints endlessly, so each thread remembers
 * the last digests it made: a direct-mapped table, allocated on first use,
 * keyed by the whole input (compared byte for byte, so a hit is exact).
 * Inputs longer than MEMO_IN_MAX are always hashed. */
#define MEMO_SLOTS	128
#define MEMO_IN_MAX	768

struct digest_memo {
	uint16_t	len;		/* of in[]; 0: empty slot */
	uint8_t		which;
	uint8_t		out_digits;
	char		out[2 * 32 + 1];
	char		in[MEMO_IN_MAX];
};

static _Thread_local struct digest_memo *memo;

void
tls_fp_thread_cleanup(void)
{
	free(memo);
	memo = NULL;
	crypto_arena_thread_end();
}

/* Slot of s[0..len): a multiply-xorshift mix of its 8-byte words. */
static size_t
memo_slot(const char *s, size_t len, int which)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len ^ (uint64_t)which << 56, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	for (; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
	h ^= h >> 29;
	return (size_t)(h * 0xc4ceb9fe1a85ec53ull >> 57) % MEMO_SLOTS;
}

static bool digest_hex_compute(int which, const char *s, size_t len,
    char *out, size_t out_digits);

/* Lower-case hex of a digest of s[0..len), its first out_digits digits,
 * into out (out_digits + 1 bytes); false if libcrypto fails. */
static bool
digest_hex(int which, const char *s, size_t len, char *out,
    size_t out_digits)
{
	struct digest_memo *m;

	if (len == 0 || len > MEMO_IN_MAX || out_digits > 64 ||
	    (memo == NULL && (memo = calloc(MEMO_SLOTS, sizeof(*memo))) ==
	    NULL))
		return digest_hex_compute(which, s, len, out, out_digits);
	m = &memo[memo_slot(s, len, which)];
	if (m->len == len && m->which == which &&
	    m->out_digits == out_digits && memcmp(m->in, s, len) == 0) {
		memcpy(out, m->out, out_digits + 1);
		return true;
	}
	if (!digest_hex_compute(which, s, len, out, out_digits))
		return false;
	m->len = (uint16_t)len;
	m->which = (uint8_t)which;
	m->out_digits = (uint8_t)out_digits;
	memcpy(m->in, s, len);
	memcpy(m->out, out, out_digits + 1);
	return true;
}

/* The digest of s[0..len) into d (32 or 16 bytes); its length. */
static size_t
digest(int which, const void *s, size_t len, unsigned char *d)
{
	SHA256_CTX sha;
	MD5_CTX md5;

	if (which == DIGEST_MD5) {
		MD5_Init(&md5);
		MD5_Update(&md5, s, len);
		MD5_Final(d, &md5);
		return MD5_DIGEST_LENGTH;
	}
	SHA256_Init(&sha);
	SHA256_Update(&sha, s, len);
	SHA256_Final(d, &sha);
	return SHA256_DIGEST_LENGTH;
}

static bool
digest_hex_compute(int which, const char *s, size_t len, char *out,
    size_t out_digits)
{
	unsigned char d[SHA256_DIGEST_LENGTH];

	if (digest(which, s, len, d) * 2 < out_digits) {
		out[0] = '\0';
		return false;
	}
	for (size_t i = 0; i < out_digits; i++)
		out[i] = hex_digits[(d[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	out[out_digits] = '\0';
	return true;
}

bool
tls_fp_sha256(const void *data, size_t len, uint8_t out[32])
{
	digest(DIGEST_SHA256, data, len, out);
	return true;
}

bool
tls_fp_hash12(const char *s, size_t len, char out[TLS_FP_HASH12_LEN + 1])
{
	if (len > 0 && digest_hex(DIGEST_SHA256, s, len, out,
	    TLS_FP_HASH12_LEN))
		return true;
	memset(out, '0', TLS_FP_HASH12_LEN);
	out[TLS_FP_HASH12_LEN] = '\0';
	return len == 0;
}

/* MD5 hex of src into dst (snprintf-style; 32 or 0 on failure). */
static size_t
md5_out(const char *src, size_t len, char *dst, size_t dstsz)
{
	char hex[TLS_FP_MD5_HEX_LEN + 1];
	struct tls_fp_str s = tls_fp_str_init(dst, dstsz);

	if (!digest_hex(DIGEST_MD5, src, len, hex, TLS_FP_MD5_HEX_LEN))
		return 0;
	tls_fp_str_puts(&s, hex);
	return s.len;
}

size_t
tls_fp_md5_hex(const char *src, size_t len, char *dst, size_t dstsz)
{
	return md5_out(src, len, dst, dstsz);
}

/* --- JA3 / JA3S ------------------------------------------------------- */

static void
put_dec(struct tls_fp_str *s, unsigned v)
{
	char tmp[8];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n < sizeof(tmp));
	if (s->len + n < s->cap) {	/* all digits and the NUL fit */
		for (size_t i = 0; i < n; i++)
			s->p[s->len + i] = tmp[n - 1 - i];
		s->len += n;
		s->p[s->len] = '\0';
		return;
	}
	while (n > 0)
		tls_fp_str_putc(s, tmp[--n]);
}

/* Dash-separated decimal values, GREASE left out. */
static void
put_dec_list(struct tls_fp_str *s, const uint16_t *v, size_t n)
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (tls_is_grease(v[i]))
			continue;
		if (!first)
			tls_fp_str_putc(s, '-');
		put_dec(s, v[i]);
		first = false;
	}
}

size_t
tls_fp_ja3(const struct tls_client_hello *ch, char *dst, size_t dstsz)
{
	struct tls_fp_str s = tls_fp_str_init(dst, dstsz);

	put_dec(&s, ch->legacy_version);
	tls_fp_str_putc(&s, ',');
	put_dec_list(&s, ch->ciphers, ch->n_ciphers);
	tls_fp_str_putc(&s, ',');
	put_dec_list(&s, ch->extensions, ch->n_extensions);
	tls_fp_str_putc(&s, ',');
	put_dec_list(&s, ch->groups, ch->n_groups);
	tls_fp_str_putc(&s, ',');
	for (size_t i = 0; i < ch->n_point_formats; i++) {
		if (i > 0)
			tls_fp_str_putc(&s, '-');
		put_dec(&s, ch->point_formats[i]);
	}
	return s.len;
}

size_t
tls_fp_ja3_md5(const struct tls_client_hello *ch, char *dst, size_t dstsz)
{
	char buf[TLS_FP_JA3_MAX + 1];
	size_t n = tls_fp_ja3(ch, buf, sizeof(buf));

	return md5_out(buf, n, dst, dstsz);
}

size_t
tls_fp_ja3s(const struct tls_server_hello *sh, char *dst, size_t dstsz)
{
	struct tls_fp_str s = tls_fp_str_init(dst, dstsz);

	put_dec(&s, sh->legacy_version);
	tls_fp_str_putc(&s, ',');
	put_dec(&s, sh->cipher);
	tls_fp_str_putc(&s, ',');
	put_dec_list(&s, sh->extensions, sh->n_extensions);
	return s.len;
}

size_t
tls_fp_ja3s_md5(const struct tls_server_hello *sh, char *dst, size_t dstsz)
{
	char buf[TLS_FP_JA3S_MAX + 1];
	size_t n = tls_fp_ja3s(sh, buf, sizeof(buf));

	return md5_out(buf, n, dst, dstsz);
}

/* --- JA4 -------------------------------------------------------------- */

const char *
tls_fp_version_code(uint16_t version)
{
	switch (version) {
	case 0x0304:	return "13";
	case 0x0303:	return "12";
	case 0x0302:	return "11";
	case 0x0301:	return "10";
	case 0x0300:	return "s3";
	case 0x0002:	return "s2";
	case 0xfeff:	return "d1";
	case 0xfefd:	return "d2";
	case 0xfefc:	return "d3";
	default:	return "00";
	}
}

static bool
is_alnum(uint8_t b)
{
	return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') ||
	    (b >= 'a' && b <= 'z');
}

void
tls_fp_alpn_code(const struct tls_alpn *a, char out[3])
{
	uint8_t first, last;

	out[0] = out[1] = '0';
	out[2] = '\0';
	if (a == NULL || a->wire_len == 0 || a->len == 0)
		return;
	first = a->name[0];
	last = a->last;
	if (is_alnum(first) && is_alnum(last)) {
		out[0] = (char)first;
		out[1] = (char)last;
	} else {
		out[0] = hex_digits[first >> 4];
		out[1] = hex_digits[last & 0xf];
	}
}

/* Order of versions for "highest": DTLS counts down from 0xfeff. */
static unsigned
version_rank(uint16_t v)
{
	return v >> 8 == 0xfe ? 0xffu - (v & 0xff) : v;
}

/* supported_versions' highest non-GREASE value, else legacy_version. */
static uint16_t
ja4_version(const struct tls_client_hello *ch)
{
	uint16_t best = 0;
	bool found = false;

	for (size_t i = 0; i < ch->n_versions; i++) {
		uint16_t v = ch->versions[i];

		if (tls_is_grease(v))
			continue;
		if (!found || version_rank(v) > version_rank(best))
			best = v;
		found = true;
	}
	return found ? best : ch->legacy_version;
}

/* Insertion sort: the lists are short (a few dozen values at most), where
 * it beats qsort and its indirect compare. */
static void
sort_u16(uint16_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		uint16_t x = v[i];
		size_t j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Copy v[0..n) without GREASE (and, if drop_sni_alpn, without extensions
 * 0000 and 0010) into out[]; sort if asked.  Returns the count. */
static size_t
ja4_list(const uint16_t *v, size_t n, bool drop_sni_alpn, bool sort,
    uint16_t *out)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		if (tls_is_grease(v[i]))
			continue;
		if (drop_sni_alpn && (v[i] == TLS_EXT_SERVER_NAME ||
		    v[i] == TLS_EXT_ALPN))
			continue;
		out[m++] = v[i];
	}
	if (sort && m > 1)
		sort_u16(out, m);
	return m;
}

static void
put_hex_list(struct tls_fp_str *s, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			tls_fp_str_putc(s, ',');
		tls_fp_str_hex16(s, v[i]);
	}
}

static size_t
count_non_grease(const uint16_t *v, size_t n)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (!tls_is_grease(v[i]))
			m++;
	return m;
}

/* JA4_a: proto, version, SNI flag, counts, ALPN code (10 chars). */
static void
ja4_a(const struct tls_client_hello *ch, char proto, struct tls_fp_str *s)
{
	size_t n_ciphers = count_non_grease(ch->ciphers, ch->n_ciphers);
	size_t n_exts = count_non_grease(ch->extensions, ch->n_extensions);
	char alpn[3];

	tls_fp_str_putc(s, proto);
	tls_fp_str_puts(s, tls_fp_version_code(ja4_version(ch)));
	tls_fp_str_putc(s, ch->has_sni ? 'd' : 'i');
	n_ciphers = n_ciphers > 99 ? 99 : n_ciphers;
	n_exts = n_exts > 99 ? 99 : n_exts;
	tls_fp_str_putc(s, (char)('0' + n_ciphers / 10));
	tls_fp_str_putc(s, (char)('0' + n_ciphers % 10));
	tls_fp_str_putc(s, (char)('0' + n_exts / 10));
	tls_fp_str_putc(s, (char)('0' + n_exts % 10));
	tls_fp_alpn_code(ch->n_alpn > 0 ? &ch->alpn[0] : NULL, alpn);
	tls_fp_str_puts(s, alpn);
}

/* Append part b or c: raw, or hashed to 12 digits. */
static void
put_part(struct tls_fp_str *s, const char *raw, size_t raw_len, bool hashed)
{
	char h[TLS_FP_HASH12_LEN + 1];

	tls_fp_str_putc(s, '_');
	if (!hashed) {
		tls_fp_str_putn(s, raw, raw_len);
		return;
	}
	(void)tls_fp_hash12(raw, raw_len, h);
	tls_fp_str_putn(s, h, TLS_FP_HASH12_LEN);
}

/* Parts b and c of JA4, unhashed, in sorted or original order. */
struct ja4_parts {
	char		ciphers[5 * TLS_MAX_CIPHERS + 1];
	char		exts[5 * TLS_MAX_EXTENSIONS + 1 + 5 * TLS_MAX_SIG_ALGS + 1];
	size_t		ciphers_len;
	size_t		exts_len;
};

static void
ja4_parts(const struct tls_client_hello *ch, bool sorted,
    struct ja4_parts *pt)
{
	uint16_t tmp[TLS_MAX_CIPHERS];
	struct tls_fp_str b = tls_fp_str_init(pt->ciphers,
	    sizeof(pt->ciphers));
	struct tls_fp_str c = tls_fp_str_init(pt->exts, sizeof(pt->exts));
	size_t n, n_sig;

	_Static_assert(TLS_MAX_CIPHERS >= TLS_MAX_EXTENSIONS &&
	    TLS_MAX_CIPHERS >= TLS_MAX_SIG_ALGS, "tmp holds every list");
	n = ja4_list(ch->ciphers, ch->n_ciphers, false, sorted, tmp);
	put_hex_list(&b, tmp, n);
	n = ja4_list(ch->extensions, ch->n_extensions, sorted, sorted, tmp);
	put_hex_list(&c, tmp, n);
	n_sig = ja4_list(ch->sig_algs, ch->n_sig_algs, false, false, tmp);
	if (n_sig > 0) {
		tls_fp_str_putc(&c, '_');
		put_hex_list(&c, tmp, n_sig);
	}
	/* The buffers hold the longest lists; clamp all the same. */
	pt->ciphers_len = b.len < sizeof(pt->ciphers) ? b.len :
	    sizeof(pt->ciphers) - 1;
	pt->exts_len = c.len < sizeof(pt->exts) ? c.len : sizeof(pt->exts) - 1;
}

static size_t
ja4_write(const struct tls_client_hello *ch, char proto,
    const struct ja4_parts *pt, bool hashed, char *dst, size_t dstsz)
{
	struct tls_fp_str s = tls_fp_str_init(dst, dstsz);

	ja4_a(ch, proto, &s);
	put_part(&s, pt->ciphers, pt->ciphers_len, hashed);
	put_part(&s, pt->exts, pt->exts_len, hashed);
	return s.len;
}

size_t
tls_fp_ja4(const struct tls_client_hello *ch, char proto,
    enum tls_fp_ja4_form form, char *dst, size_t dstsz)
{
	struct ja4_parts pt;

	ja4_parts(ch, form == TLS_FP_JA4 || form == TLS_FP_JA4_R, &pt);
	return ja4_write(ch, proto, &pt, form == TLS_FP_JA4 ||
	    form == TLS_FP_JA4_O, dst, dstsz);
}

size_t
tls_fp_ja4_pair(const struct tls_client_hello *ch, char proto,
    bool original_order, char *fp, size_t fpsz, char *raw, size_t rawsz,
    size_t *raw_len)
{
	struct ja4_parts pt;

	ja4_parts(ch, !original_order, &pt);
	*raw_len = ja4_write(ch, proto, &pt, false, raw, rawsz);
	return ja4_write(ch, proto, &pt, true, fp, fpsz);
}

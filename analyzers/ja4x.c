/* analyzers/ja4x.c: JA4X (FoxIO License 1.1) with OpenSSL's X.509 decoder. */
#include "analyzers/ja4x.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/objects.h>
#include <openssl/x509.h>

#include "analyzers/tls_fp.h"
#include "crypto_arena.h"

/* Part buffers: generous, and JA4X_ANOM_RAW_CUT if ever too small. */
#define PART_MAX	4096

static void
put_oid_hex(struct tls_fp_str *s, const ASN1_OBJECT *obj)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = OBJ_get0_data(obj);
	size_t n = OBJ_length(obj);

	for (size_t i = 0; p != NULL && i < n; i++) {
		tls_fp_str_putc(s, hex[p[i] >> 4]);
		tls_fp_str_putc(s, hex[p[i] & 0xf]);
	}
}

static void
name_oids(const X509_NAME *name, struct tls_fp_str *s)
{
	int n = X509_NAME_entry_count(name);

	for (int i = 0; i < n; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);

		if (i > 0)
			tls_fp_str_putc(s, ',');
		put_oid_hex(s, X509_NAME_ENTRY_get_object(e));
	}
}

static void
ext_oids(const X509 *x, struct tls_fp_str *s)
{
	int n = X509_get_ext_count(x);

	for (int i = 0; i < n; i++) {
		X509_EXTENSION *e = X509_get_ext(x, i);

		if (i > 0)
			tls_fp_str_putc(s, ',');
		put_oid_hex(s, X509_EXTENSION_get_object(e));
	}
}

/* One escaped byte of an attribute value. */
static void
put_value_byte(struct tls_fp_str *s, uint8_t b, bool is_utf8)
{
	static const char hex[] = "0123456789abcdef";

	if (b == '\\' || b == ',') {
		tls_fp_str_putc(s, '\\');
		tls_fp_str_putc(s, (char)b);
	} else if (b >= 0x20 && (b < 0x7f || (b >= 0x80 && is_utf8))) {
		tls_fp_str_putc(s, (char)b);
	} else {
		tls_fp_str_puts(s, "\\x");
		tls_fp_str_putc(s, hex[b >> 4]);
		tls_fp_str_putc(s, hex[b & 0xf]);
	}
}

/* A code point as UTF-8 (BMPString, UniversalString values). */
static void
put_code_point(struct tls_fp_str *s, uint32_t cp)
{
	if (cp < 0x80) {
		put_value_byte(s, (uint8_t)cp, false);
	} else if (cp < 0x800) {
		tls_fp_str_putc(s, (char)(0xc0 | cp >> 6));
		tls_fp_str_putc(s, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		tls_fp_str_putc(s, (char)(0xe0 | cp >> 12));
		tls_fp_str_putc(s, (char)(0x80 | ((cp >> 6) & 0x3f)));
		tls_fp_str_putc(s, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x110000) {
		tls_fp_str_putc(s, (char)(0xf0 | cp >> 18));
		tls_fp_str_putc(s, (char)(0x80 | ((cp >> 12) & 0x3f)));
		tls_fp_str_putc(s, (char)(0x80 | ((cp >> 6) & 0x3f)));
		tls_fp_str_putc(s, (char)(0x80 | (cp & 0x3f)));
	} else {
		tls_fp_str_putc(s, '?');
	}
}

static void
put_value(struct tls_fp_str *s, const ASN1_STRING *v)
{
	const unsigned char *p = ASN1_STRING_get0_data(v);
	int n = ASN1_STRING_length(v);
	int type = ASN1_STRING_type(v);

	if (p == NULL || n <= 0)
		return;
	if (type == V_ASN1_BMPSTRING || type == V_ASN1_UNIVERSALSTRING) {
		int w = type == V_ASN1_BMPSTRING ? 2 : 4;

		for (int i = 0; i + w <= n; i += w) {
			uint32_t cp = 0;

			for (int k = 0; k < w; k++)
				cp = cp << 8 | p[i + k];
			put_code_point(s, cp);
		}
		return;
	}
	for (int i = 0; i < n; i++)
		put_value_byte(s, p[i], type == V_ASN1_UTF8STRING);
}

/* "C=US, O=Example, CN=example.com" in certificate order. */
static bool
name_string(const X509_NAME *name, char *dst, size_t dstsz)
{
	struct tls_fp_str s = tls_fp_str_init(dst, dstsz);
	int n = X509_NAME_entry_count(name);

	for (int i = 0; i < n; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
		int nid = OBJ_obj2nid(obj);
		const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
		char oid[80];

		if (sn == NULL) {
			if (OBJ_obj2txt(oid, sizeof(oid), obj, 1) <= 0)
				snprintf(oid, sizeof(oid), "?");
			sn = oid;
		}
		if (i > 0)
			tls_fp_str_puts(&s, ", ");
		tls_fp_str_puts(&s, sn);
		tls_fp_str_putc(&s, '=');
		put_value(&s, X509_NAME_ENTRY_get_data(e));
	}
	return s.len < dstsz;
}

/* Append "_" (unless first), then the part raw or hashed. */
static void
put_part(struct ja4x *out, struct tls_fp_str *fp, struct tls_fp_str *raw,
    const char *part, size_t part_len, bool is_first)
{
	char h[TLS_FP_HASH12_LEN + 1];

	if (!is_first) {
		tls_fp_str_putc(fp, '_');
		tls_fp_str_putc(raw, '_');
	}
	if (part_len >= PART_MAX) {
		out->anomalies |= JA4X_ANOM_RAW_CUT;
		part_len = PART_MAX - 1;
	}
	(void)tls_fp_hash12(part, part_len, h);
	tls_fp_str_puts(fp, h);
	tls_fp_str_puts(raw, part);
}

static void
fingerprint(const X509 *x, struct ja4x *out)
{
	char part[PART_MAX];
	struct tls_fp_str fp = tls_fp_str_init(out->ja4x, sizeof(out->ja4x));
	struct tls_fp_str raw = tls_fp_str_init(out->raw, sizeof(out->raw));
	struct tls_fp_str s;

	s = tls_fp_str_init(part, sizeof(part));
	name_oids(X509_get_issuer_name(x), &s);
	put_part(out, &fp, &raw, part, s.len, true);
	s = tls_fp_str_init(part, sizeof(part));
	name_oids(X509_get_subject_name(x), &s);
	put_part(out, &fp, &raw, part, s.len, false);
	s = tls_fp_str_init(part, sizeof(part));
	ext_oids(x, &s);
	put_part(out, &fp, &raw, part, s.len, false);
	if (raw.len >= sizeof(out->raw))
		out->anomalies |= JA4X_ANOM_RAW_CUT;
}

enum tls_status
ja4x_from_der(const uint8_t *der, size_t len, struct ja4x *out)
{
	const unsigned char *p = der;
	X509 *x;
	bool is_whole, is_arena;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > LONG_MAX)
		return TLS_MALFORMED;
	/* OpenSSL allocates as it decodes: from this thread's arena. */
	is_arena = crypto_arena_begin();
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		if (is_arena)
			crypto_arena_end();
		return TLS_MALFORMED;
	}
	if (p != der + len)
		out->anomalies |= JA4X_ANOM_TRAILING;
	fingerprint(x, out);
	is_whole = name_string(X509_get_issuer_name(x), out->issuer,
	    sizeof(out->issuer));
	if (!name_string(X509_get_subject_name(x), out->subject,
	    sizeof(out->subject)) || !is_whole)
		out->anomalies |= JA4X_ANOM_NAME_CUT;
	X509_free(x);
	if (is_arena)
		crypto_arena_end();
	return TLS_OK;
}

/* models/features.c: ja4_r -> feature vector, and the sources that lead
 * there (live ClientHello, mercury str_repr). */
#include "models/features.h"

#include <math.h>
#include <string.h>

#include "analyzers/tls_fp.h"
#include "cursor.h"

/* Scalar features first, then one block per code-point table. */
enum {
	F_PROTO, F_VERSION, F_SNI, F_N_CIPHERS, F_N_EXTS, F_N_SIG,
	F_ALPN_FIRST, F_ALPN_LAST, F_N_CIPHERS_OTHER, F_N_EXTS_OTHER,
	F_N_SIG_OTHER, F_N_SCALARS
};

struct code_point {
	uint16_t	 code;
	const char	*name;
	const char	*meaning;
};

#define CP(c, n, m)	{ c, n, m }

static const struct code_point ciphers[] = {
	CP(0x0004, "cipher_0004", "RSA_RC4_128_MD5 offered"),
	CP(0x0005, "cipher_0005", "RSA_RC4_128_SHA offered"),
	CP(0x000a, "cipher_000a", "RSA_3DES_EDE_CBC_SHA offered"),
	CP(0x0016, "cipher_0016", "DHE_RSA_3DES_EDE_CBC_SHA offered"),
	CP(0x002f, "cipher_002f", "RSA_AES_128_CBC_SHA offered"),
	CP(0x0032, "cipher_0032", "DHE_DSS_AES_128_CBC_SHA offered"),
	CP(0x0033, "cipher_0033", "DHE_RSA_AES_128_CBC_SHA offered"),
	CP(0x0035, "cipher_0035", "RSA_AES_256_CBC_SHA offered"),
	CP(0x0038, "cipher_0038", "DHE_DSS_AES_256_CBC_SHA offered"),
	CP(0x0039, "cipher_0039", "DHE_RSA_AES_256_CBC_SHA offered"),
	CP(0x003c, "cipher_003c", "RSA_AES_128_CBC_SHA256 offered"),
	CP(0x003d, "cipher_003d", "RSA_AES_256_CBC_SHA256 offered"),
	CP(0x0040, "cipher_0040", "DHE_DSS_AES_128_CBC_SHA256 offered"),
	CP(0x0041, "cipher_0041", "RSA_CAMELLIA_128_CBC_SHA offered"),
	CP(0x0067, "cipher_0067", "DHE_RSA_AES_128_CBC_SHA256 offered"),
	CP(0x006a, "cipher_006a", "DHE_DSS_AES_256_CBC_SHA256 offered"),
	CP(0x006b, "cipher_006b", "DHE_RSA_AES_256_CBC_SHA256 offered"),
	CP(0x0084, "cipher_0084", "RSA_CAMELLIA_256_CBC_SHA offered"),
	CP(0x0088, "cipher_0088", "DHE_RSA_CAMELLIA_256_CBC_SHA offered"),
	CP(0x009c, "cipher_009c", "RSA_AES_128_GCM_SHA256 offered"),
	CP(0x009d, "cipher_009d", "RSA_AES_256_GCM_SHA384 offered"),
	CP(0x009e, "cipher_009e", "DHE_RSA_AES_128_GCM_SHA256 offered"),
	CP(0x009f, "cipher_009f", "DHE_RSA_AES_256_GCM_SHA384 offered"),
	CP(0x00a2, "cipher_00a2", "DHE_DSS_AES_128_GCM_SHA256 offered"),
	CP(0x00a3, "cipher_00a3", "DHE_DSS_AES_256_GCM_SHA384 offered"),
	CP(0x00ff, "cipher_00ff", "EMPTY_RENEGOTIATION_INFO_SCSV offered"),
	CP(0x1301, "cipher_1301", "TLS_AES_128_GCM_SHA256 offered"),
	CP(0x1302, "cipher_1302", "TLS_AES_256_GCM_SHA384 offered"),
	CP(0x1303, "cipher_1303", "TLS_CHACHA20_POLY1305_SHA256 offered"),
	CP(0x1304, "cipher_1304", "TLS_AES_128_CCM_SHA256 offered"),
	CP(0x5600, "cipher_5600", "FALLBACK_SCSV offered"),
	CP(0xc007, "cipher_c007", "ECDHE_ECDSA_RC4_128_SHA offered"),
	CP(0xc008, "cipher_c008", "ECDHE_ECDSA_3DES_EDE_CBC_SHA offered"),
	CP(0xc009, "cipher_c009", "ECDHE_ECDSA_AES_128_CBC_SHA offered"),
	CP(0xc00a, "cipher_c00a", "ECDHE_ECDSA_AES_256_CBC_SHA offered"),
	CP(0xc011, "cipher_c011", "ECDHE_RSA_RC4_128_SHA offered"),
	CP(0xc012, "cipher_c012", "ECDHE_RSA_3DES_EDE_CBC_SHA offered"),
	CP(0xc013, "cipher_c013", "ECDHE_RSA_AES_128_CBC_SHA offered"),
	CP(0xc014, "cipher_c014", "ECDHE_RSA_AES_256_CBC_SHA offered"),
	CP(0xc023, "cipher_c023", "ECDHE_ECDSA_AES_128_CBC_SHA256 offered"),
	CP(0xc024, "cipher_c024", "ECDHE_ECDSA_AES_256_CBC_SHA384 offered"),
	CP(0xc027, "cipher_c027", "ECDHE_RSA_AES_128_CBC_SHA256 offered"),
	CP(0xc028, "cipher_c028", "ECDHE_RSA_AES_256_CBC_SHA384 offered"),
	CP(0xc02b, "cipher_c02b", "ECDHE_ECDSA_AES_128_GCM_SHA256 offered"),
	CP(0xc02c, "cipher_c02c", "ECDHE_ECDSA_AES_256_GCM_SHA384 offered"),
	CP(0xc02f, "cipher_c02f", "ECDHE_RSA_AES_128_GCM_SHA256 offered"),
	CP(0xc030, "cipher_c030", "ECDHE_RSA_AES_256_GCM_SHA384 offered"),
	CP(0xc09c, "cipher_c09c", "RSA_AES_128_CCM offered"),
	CP(0xc09d, "cipher_c09d", "RSA_AES_256_CCM offered"),
	CP(0xc09e, "cipher_c09e", "DHE_RSA_AES_128_CCM offered"),
	CP(0xc09f, "cipher_c09f", "DHE_RSA_AES_256_CCM offered"),
	CP(0xc0ac, "cipher_c0ac", "ECDHE_ECDSA_AES_128_CCM offered"),
	CP(0xc0ad, "cipher_c0ad", "ECDHE_ECDSA_AES_256_CCM offered"),
	CP(0xc0ae, "cipher_c0ae", "ECDHE_ECDSA_AES_128_CCM_8 offered"),
	CP(0xc0af, "cipher_c0af", "ECDHE_ECDSA_AES_256_CCM_8 offered"),
	CP(0xcca8, "cipher_cca8", "ECDHE_RSA_CHACHA20_POLY1305 offered"),
	CP(0xcca9, "cipher_cca9", "ECDHE_ECDSA_CHACHA20_POLY1305 offered"),
	CP(0xccaa, "cipher_ccaa", "DHE_RSA_CHACHA20_POLY1305 offered"),
};

/* Extensions other than 0000 (SNI) and 0010 (ALPN), which ja4_r leaves
 * out of its list: they are the features sni and alpn_first/last. */
static const struct code_point extensions[] = {
	CP(0x0001, "ext_0001", "max_fragment_length present"),
	CP(0x0005, "ext_0005", "status_request present"),
	CP(0x000a, "ext_000a", "supported_groups present"),
	CP(0x000b, "ext_000b", "ec_point_formats present"),
	CP(0x000d, "ext_000d", "signature_algorithms present"),
	CP(0x000f, "ext_000f", "heartbeat present"),
	CP(0x0011, "ext_0011", "status_request_v2 present"),
	CP(0x0012, "ext_0012", "signed_certificate_timestamp present"),
	CP(0x0015, "ext_0015", "padding present"),
	CP(0x0016, "ext_0016", "encrypt_then_mac present"),
	CP(0x0017, "ext_0017", "extended_master_secret present"),
	CP(0x0018, "ext_0018", "token_binding present"),
	CP(0x001b, "ext_001b", "compress_certificate present"),
	CP(0x001c, "ext_001c", "record_size_limit present"),
	CP(0x0022, "ext_0022", "delegated_credentials present"),
	CP(0x0023, "ext_0023", "session_ticket present"),
	CP(0x0029, "ext_0029", "pre_shared_key present"),
	CP(0x002a, "ext_002a", "early_data present"),
	CP(0x002b, "ext_002b", "supported_versions present"),
	CP(0x002c, "ext_002c", "cookie present"),
	CP(0x002d, "ext_002d", "psk_key_exchange_modes present"),
	CP(0x0031, "ext_0031", "post_handshake_auth present"),
	CP(0x0032, "ext_0032", "signature_algorithms_cert present"),
	CP(0x0033, "ext_0033", "key_share present"),
	CP(0x0039, "ext_0039", "quic_transport_parameters present"),
	CP(0x3374, "ext_3374", "next_protocol_negotiation present"),
	CP(0x4469, "ext_4469", "application_settings (old id) present"),
	CP(0x44cd, "ext_44cd", "application_settings present"),
	CP(0x7550, "ext_7550", "channel_id present"),
	CP(0xca34, "ext_ca34", "extension 0xca34 present"),
	CP(0xfe0d, "ext_fe0d", "encrypted_client_hello present"),
	CP(0xff01, "ext_ff01", "renegotiation_info present"),
};

static const struct code_point sig_algs[] = {
	CP(0x0201, "sig_0201", "position of rsa_pkcs1_sha1 (0: absent)"),
	CP(0x0202, "sig_0202", "position of dsa_sha1"),
	CP(0x0203, "sig_0203", "position of ecdsa_sha1"),
	CP(0x0301, "sig_0301", "position of rsa_pkcs1_sha224"),
	CP(0x0302, "sig_0302", "position of dsa_sha224"),
	CP(0x0303, "sig_0303", "position of ecdsa_sha224"),
	CP(0x0401, "sig_0401", "position of rsa_pkcs1_sha256"),
	CP(0x0402, "sig_0402", "position of dsa_sha256"),
	CP(0x0403, "sig_0403", "position of ecdsa_secp256r1_sha256"),
	CP(0x0420, "sig_0420", "position of rsa_pkcs1_sha256_legacy"),
	CP(0x0501, "sig_0501", "position of rsa_pkcs1_sha384"),
	CP(0x0502, "sig_0502", "position of dsa_sha384"),
	CP(0x0503, "sig_0503", "position of ecdsa_secp384r1_sha384"),
	CP(0x0601, "sig_0601", "position of rsa_pkcs1_sha512"),
	CP(0x0602, "sig_0602", "position of dsa_sha512"),
	CP(0x0603, "sig_0603", "position of ecdsa_secp521r1_sha512"),
	CP(0x0804, "sig_0804", "position of rsa_pss_rsae_sha256"),
	CP(0x0805, "sig_0805", "position of rsa_pss_rsae_sha384"),
	CP(0x0806, "sig_0806", "position of rsa_pss_rsae_sha512"),
	CP(0x0807, "sig_0807", "position of ed25519"),
	CP(0x0808, "sig_0808", "position of ed448"),
	CP(0x0809, "sig_0809", "position of rsa_pss_pss_sha256"),
	CP(0x080a, "sig_080a", "position of rsa_pss_pss_sha384"),
	CP(0x080b, "sig_080b", "position of rsa_pss_pss_sha512"),
	CP(0x081a, "sig_081a", "position of ecdsa_brainpoolP256r1tls13"),
	CP(0x081b, "sig_081b", "position of ecdsa_brainpoolP384r1tls13"),
	CP(0x081c, "sig_081c", "position of ecdsa_brainpoolP512r1tls13"),
	CP(0x0904, "sig_0904", "position of mldsa44"),
	CP(0x0905, "sig_0905", "position of mldsa65"),
	CP(0x0906, "sig_0906", "position of mldsa87"),
};

#define N_CIPHERS	(sizeof(ciphers) / sizeof(ciphers[0]))
#define N_EXTS		(sizeof(extensions) / sizeof(extensions[0]))
#define N_SIGS		(sizeof(sig_algs) / sizeof(sig_algs[0]))
#define OFF_CIPHERS	F_N_SCALARS
#define OFF_EXTS	(OFF_CIPHERS + N_CIPHERS)
#define OFF_SIGS	(OFF_EXTS + N_EXTS)
_Static_assert(OFF_SIGS + N_SIGS == FEATURES_N,
    "FEATURES_N is the sum of the tables");

#define S(i, n, m)	[i] = { n, m }
#define T(o, t, i)	[o + i] = { t[i].name, t[i].meaning }
#define T4(o, t, i)	T(o, t, i), T(o, t, i + 1), T(o, t, i + 2), \
	T(o, t, i + 3)
#define T8(o, t, i)	T4(o, t, i), T4(o, t, i + 4)

/* Designated from the tables so names and meanings are written once;
 * a table longer than its T8 rows is caught by the assert above and the
 * check in features_index(). */
const struct feature_def features_layout[FEATURES_N] = {
	S(F_PROTO, "proto", "0 TLS over TCP (t), 1 QUIC (q), 2 DTLS (d)"),
	S(F_VERSION, "tls_version", "highest version offered, wire value "
	    "(0x0304 = 772 for TLS 1.3); 0 unknown"),
	S(F_SNI, "sni", "1 when a server_name extension is present"),
	S(F_N_CIPHERS, "n_ciphers", "cipher suites offered, GREASE excluded"),
	S(F_N_EXTS, "n_extensions", "extensions, GREASE excluded, SNI and "
	    "ALPN included (JA4 count, at most 99)"),
	S(F_N_SIG, "n_sig_algs", "signature algorithms offered"),
	S(F_ALPN_FIRST, "alpn_first", "ASCII code of JA4's first ALPN "
	    "character (0 when no ALPN)"),
	S(F_ALPN_LAST, "alpn_last", "ASCII code of JA4's last ALPN "
	    "character (0 when no ALPN)"),
	S(F_N_CIPHERS_OTHER, "n_ciphers_other", "ciphers not in the "
	    "cipher_* features"),
	S(F_N_EXTS_OTHER, "n_extensions_other", "extensions not in the "
	    "ext_* features"),
	S(F_N_SIG_OTHER, "n_sig_algs_other", "signature algorithms not in "
	    "the sig_* features"),
	T8(OFF_CIPHERS, ciphers, 0), T8(OFF_CIPHERS, ciphers, 8),
	T8(OFF_CIPHERS, ciphers, 16), T8(OFF_CIPHERS, ciphers, 24),
	T8(OFF_CIPHERS, ciphers, 32), T8(OFF_CIPHERS, ciphers, 40),
	T8(OFF_CIPHERS, ciphers, 48), T(OFF_CIPHERS, ciphers, 56),
	T(OFF_CIPHERS, ciphers, 57),
	T8(OFF_EXTS, extensions, 0), T8(OFF_EXTS, extensions, 8),
	T8(OFF_EXTS, extensions, 16), T8(OFF_EXTS, extensions, 24),
	T8(OFF_SIGS, sig_algs, 0), T8(OFF_SIGS, sig_algs, 8),
	T8(OFF_SIGS, sig_algs, 16), T4(OFF_SIGS, sig_algs, 24),
	T(OFF_SIGS, sig_algs, 28), T(OFF_SIGS, sig_algs, 29),
};
_Static_assert(N_CIPHERS == 58 && N_EXTS == 32 && N_SIGS == 30,
    "features_layout's T rows cover each table exactly");

int
features_index(const char *name)
{
	for (size_t i = 0; i < FEATURES_N; i++)
		if (features_layout[i].name != NULL &&
		    strcmp(features_layout[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Table index of code, or -1 (tables are short and sorted: bisect). */
static int
lookup(const struct code_point *t, size_t n, uint16_t code)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t[mid].code == code)
			return (int)mid;
		if (t[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Four hex digits at s (at least 4 chars) -> value, or -1. */
static int32_t
hex16(const char *s)
{
	int32_t v = 0;

	for (int i = 0; i < 4; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static uint16_t
version_of_code(char a, char b)
{
	static const struct { char c[2]; uint16_t v; } codes[] = {
		{ "13", 0x0304 }, { "12", 0x0303 }, { "11", 0x0302 },
		{ "10", 0x0301 }, { "s3", 0x0300 }, { "s2", 0x0002 },
		{ "d1", 0xfeff }, { "d2", 0xfefd }, { "d3", 0xfefc },
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].c[0] == a && codes[i].c[1] == b)
			return codes[i].v;
	return 0;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* JA4_a: "t13d1516h2" (10 characters). */
static bool
parse_prefix(const char *s, float *out)
{
	static const char protos[] = "tqd";
	const char *p = memchr(protos, s[0], 3);

	if (s[0] == '\0' || p == NULL)
		return false;
	if (!is_digit(s[4]) || !is_digit(s[5]) || !is_digit(s[6]) ||
	    !is_digit(s[7]) || (s[3] != 'd' && s[3] != 'i'))
		return false;
	if (!(s[1] == '0' && s[2] == '0') && version_of_code(s[1], s[2]) == 0)
		return false;
	if ((unsigned char)s[8] <= ' ' || (unsigned char)s[8] > '~' ||
	    (unsigned char)s[9] <= ' ' || (unsigned char)s[9] > '~')
		return false;
	out[F_PROTO] = (float)(p - protos);
	out[F_VERSION] = version_of_code(s[1], s[2]);
	out[F_SNI] = s[3] == 'd';
	out[F_N_EXTS] = (float)((s[6] - '0') * 10 + (s[7] - '0'));
	out[F_ALPN_FIRST] = s[8] == '0' && s[9] == '0' ? 0 : s[8];
	out[F_ALPN_LAST] = s[8] == '0' && s[9] == '0' ? 0 : s[9];
	return true;
}

/* One comma list of 4-hex values s[0..len) into the table block at off
 * (value 1, or the 1-based position when is_pos).  Returns the count, or
 * -1 when malformed. */
static int
parse_list(const char *s, size_t len, const struct code_point *t, size_t n,
    size_t off, bool is_pos, float *out, float *n_other)
{
	int count = 0;

	if (len == 0)
		return 0;
	if ((len + 1) % 5 != 0 || len / 5 >= TLS_MAX_CIPHERS)
		return -1;
	for (size_t i = 0; i < len; i += 5) {
		int32_t v = hex16(s + i);
		int k;

		if (v < 0 || (i + 4 < len && s[i + 4] != ','))
			return -1;
		count++;
		k = lookup(t, n, (uint16_t)v);
		if (k < 0)
			*n_other += 1;
		else if (out[off + (size_t)k] == 0)	/* first position */
			out[off + (size_t)k] = is_pos ? (float)count : 1;
	}
	return count;
}

static enum features_status
malformed(float *out)
{
	for (size_t i = 0; i < FEATURES_N; i++)
		out[i] = NAN;
	return FEATURES_MALFORMED;
}

enum features_status
features_from_ja4r(const char *s, size_t len, float out[FEATURES_N])
{
	const char *part[4];
	size_t part_len[4], n_parts = 0, start = 11;
	int n;

	if (len < 11 || len > FEATURES_JA4R_MAX || s[10] != '_' ||
	    memchr(s, '\0', len) != NULL)
		return malformed(out);
	memset(out, 0, FEATURES_N * sizeof(out[0]));
	if (!parse_prefix(s, out))
		return malformed(out);
	for (size_t i = 11; i <= len; i++) {
		if (i < len && s[i] != '_')
			continue;
		if (n_parts == 3)
			return malformed(out);
		part[n_parts] = s + start;
		part_len[n_parts++] = i - start;
		start = i + 1;
	}
	if (n_parts < 2)
		return malformed(out);
	n = parse_list(part[0], part_len[0], ciphers, N_CIPHERS, OFF_CIPHERS,
	    false, out, &out[F_N_CIPHERS_OTHER]);
	if (n < 0)
		return malformed(out);
	out[F_N_CIPHERS] = (float)n;
	if (parse_list(part[1], part_len[1], extensions, N_EXTS, OFF_EXTS,
	    false, out, &out[F_N_EXTS_OTHER]) < 0)
		return malformed(out);
	n = n_parts < 3 ? 0 : parse_list(part[2], part_len[2], sig_algs,
	    N_SIGS, OFF_SIGS, true, out, &out[F_N_SIG_OTHER]);
	if (n < 0 || (n_parts == 3 && n == 0))
		return malformed(out);
	out[F_N_SIG] = (float)n;
	return FEATURES_OK;
}

enum features_status
features_from_hello(const struct tls_client_hello *ch, char proto,
    float out[FEATURES_N], char *ja4r, size_t ja4r_sz)
{
	char buf[TLS_FP_JA4_RAW_MAX + 1];
	size_t n = tls_fp_ja4(ch, proto, TLS_FP_JA4_R, buf, sizeof(buf));

	if (ja4r != NULL && ja4r_sz > 0) {
		size_t m = n < ja4r_sz - 1 ? n : ja4r_sz - 1;

		memcpy(ja4r, buf, m);
		ja4r[m] = '\0';
	}
	if (n >= sizeof(buf))
		return malformed(out);
	return features_from_ja4r(buf, n, out);
}

/* --- mercury str_repr ---------------------------------------------------- */

#define STR_REPR_MAX_GROUP	8192	/* bytes in one parenthesized group */

/* The hex between '(' at *pos and its ')' decoded into buf; *pos moves
 * past the ')'.  Returns the byte count, or -1. */
static int
hex_group(const char *s, size_t len, size_t *pos, uint8_t *buf, size_t cap)
{
	size_t i = *pos, n = 0;

	if (i >= len || s[i] != '(')
		return -1;
	for (i++; i < len && s[i] != ')'; i += 2) {
		int hi = hex_digit(s[i]);
		int lo = i + 1 < len ? hex_digit(s[i + 1]) : -1;

		if (hi < 0 || lo < 0 || n == cap)
			return -1;
		buf[n++] = (uint8_t)(hi << 4 | lo);
	}
	if (i >= len)
		return -1;
	*pos = i + 1;
	return (int)n;
}

static void
put_u16(uint16_t *list, uint16_t *n, size_t cap, uint16_t v,
    uint32_t *anomalies)
{
	if (*n < cap)
		list[(*n)++] = v;
	else
		*anomalies |= TLS_ANOM_LIST_CAP;
}

/* A 16-bit list with a length prefix of prefix_len (1 or 2) bytes. */
static bool
u16_list(struct cursor *c, size_t prefix_len, uint16_t *list, uint16_t *n,
    size_t cap, uint32_t *anomalies)
{
	struct cursor l = cur_sub(c, prefix_len == 1 ? cur_u8(c) :
	    cur_be16(c));

	if (cur_left(&l) % 2 != 0)
		return false;
	while (cur_left(&l) >= 2)
		put_u16(list, n, cap, cur_be16(&l), anomalies);
	return !l.bad && !c->bad;
}

static bool
alpn_list(struct cursor *c, struct tls_client_hello *ch)
{
	struct cursor l = cur_sub(c, cur_be16(c));

	while (cur_left(&l) > 0 && !l.bad) {
		uint8_t n = cur_u8(&l);
		struct cursor name = cur_sub(&l, n);
		struct tls_alpn *a;

		if (name.bad || n == 0)
			return false;
		ch->has_alpn = true;
		if (ch->n_alpn == TLS_MAX_ALPN)
			continue;
		a = &ch->alpn[ch->n_alpn++];
		a->wire_len = n;
		a->len = n < TLS_MAX_ALPN_LEN ? n : TLS_MAX_ALPN_LEN;
		a->last = name.p[n - 1];
		memcpy(a->name, name.p, a->len);
	}
	return !l.bad && !c->bad;
}

/* One "(tttt[data])" extension: type, then (when mercury kept it) the
 * length-prefixed data. */
static bool
str_repr_ext(const uint8_t *b, size_t n, struct tls_client_hello *ch)
{
	struct cursor c = cur_init(b, n);
	uint16_t type = cur_be16(&c);
	bool ok = true;

	if (c.bad)
		return false;
	put_u16(ch->extensions, &ch->n_extensions, TLS_MAX_EXTENSIONS, type,
	    &ch->anomalies);
	if (type == TLS_EXT_SERVER_NAME)
		ch->has_sni = true;
	if (cur_left(&c) == 0)
		return true;		/* type only */
	struct cursor d = cur_sub(&c, cur_be16(&c));
	if (d.bad || cur_left(&c) != 0)
		return false;
	switch (type) {
	case TLS_EXT_SIGNATURE_ALGORITHMS:
		ok = u16_list(&d, 2, ch->sig_algs, &ch->n_sig_algs,
		    TLS_MAX_SIG_ALGS, &ch->anomalies);
		break;
	case TLS_EXT_SUPPORTED_VERSIONS:
		ch->has_supported_versions = true;
		ok = u16_list(&d, 1, ch->versions, &ch->n_versions,
		    TLS_MAX_VERSIONS, &ch->anomalies);
		break;
	case TLS_EXT_SUPPORTED_GROUPS:
		ok = u16_list(&d, 2, ch->groups, &ch->n_groups,
		    TLS_MAX_GROUPS, &ch->anomalies);
		break;
	case TLS_EXT_ALPN:
		ok = alpn_list(&d, ch);
		break;
	default:
		break;
	}
	return ok;
}

enum features_status
features_parse_str_repr(const char *s, size_t len,
    struct tls_client_hello *out)
{
	uint8_t buf[STR_REPR_MAX_GROUP];
	size_t pos = 0;
	int n;

	memset(out, 0, sizeof(*out));
	if ((n = hex_group(s, len, &pos, buf, sizeof(buf))) != 2)
		return FEATURES_MALFORMED;
	out->legacy_version = (uint16_t)(buf[0] << 8 | buf[1]);
	if ((n = hex_group(s, len, &pos, buf, sizeof(buf))) < 0 || n % 2)
		return FEATURES_MALFORMED;
	for (int i = 0; i < n; i += 2)
		put_u16(out->ciphers, &out->n_ciphers, TLS_MAX_CIPHERS,
		    (uint16_t)(buf[i] << 8 | buf[i + 1]), &out->anomalies);
	if (pos == len)
		return FEATURES_OK;	/* no extensions (SSLv3, old TLS) */
	if (s[pos] != '(')
		return FEATURES_MALFORMED;
	for (pos++; pos < len && s[pos] == '(';) {
		if ((n = hex_group(s, len, &pos, buf, sizeof(buf))) < 0 ||
		    !str_repr_ext(buf, (size_t)n, out))
			return FEATURES_MALFORMED;
	}
	if (pos + 1 != len || s[pos] != ')')
		return FEATURES_MALFORMED;
	return FEATURES_OK;
}

enum features_status
features_from_str_repr(const char *s, size_t len, float out[FEATURES_N],
    char *ja4r, size_t ja4r_sz)
{
	struct tls_client_hello ch;

	if (features_parse_str_repr(s, len, &ch) != FEATURES_OK) {
		if (ja4r != NULL && ja4r_sz > 0)
			ja4r[0] = '\0';
		return malformed(out);
	}
	return features_from_hello(&ch, 't', out, ja4r, ja4r_sz);
}

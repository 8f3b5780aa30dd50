/* models/features.h: the feature vector the client/OS models see.
 *
 * One extractor for training and inference.  Every source is first brought
 * to the JA4 raw string (ja4_r: "t13d1516h2_<sorted ciphers>_<sorted
 * extensions>_<signature algorithms in order>"), and the vector is computed
 * from that string alone by features_from_ja4r():
 *   - a live ClientHello (struct tls_client_hello) goes through tls_fp_ja4();
 *   - a mercury str_repr "(version)(ciphers)((ext)(ext)...)" is parsed into
 *     a struct tls_client_hello (features_parse_str_repr()), then the same;
 *   - a ja4_r string from a record is used as it is.
 * Why: ja4_r is the poorest of the three sources.  It drops GREASE, the
 * SNI and ALPN extension ids (only a d/i flag and a two-character ALPN code
 * stay), the order of ciphers and extensions, the supported groups and the
 * point formats.  A feature that only the richer sources carry would be
 * NaN for ja4_r records and silently shift the model; so the vector holds
 * exactly what ja4_r carries, and identical ja4_r means identical vector,
 * whichever source it came from.  Order survives only for the signature
 * algorithms (each one's feature is its 1-based position, 0 when absent).
 *
 * The layout is the table features_layout[] (name and meaning per index),
 * printed by `fptrain features` and in man/fptrain.1.  Any change to it
 * must bump FEATURES_VERSION: models record the version they were trained
 * with and model_load() refuses another. */
#ifndef FP_MODELS_FEATURES_H
#define FP_MODELS_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/tls_hello.h"

#define FEATURES_VERSION	1
#define FEATURES_N		131

/* Longest ja4_r the extractor reads; longer input is malformed. */
#define FEATURES_JA4R_MAX	4096

struct feature_def {
	const char	*name;		/* "cipher_1301", "n_ciphers" */
	const char	*meaning;	/* one line for the docs */
};

/* index -> name and meaning; FEATURES_N entries. */
extern const struct feature_def features_layout[FEATURES_N];

enum features_status {
	FEATURES_OK,
	FEATURES_MALFORMED	/* out is then all NaN */
};

/* Vector of the ja4_r string s[0..len) into out[FEATURES_N] (fully
 * overwritten).  Pure: no allocation, no globals; safe on any input. */
enum features_status	features_from_ja4r(const char *s, size_t len,
			    float out[FEATURES_N]);

/* Vector of a parsed ClientHello; proto as for tls_fp_ja4() ('t', 'q',
 * 'd').  The ja4_r it went through is written to ja4r (may be NULL) of
 * ja4r_sz bytes, snprintf-style. */
enum features_status	features_from_hello(const struct tls_client_hello *ch,
			    char proto, float out[FEATURES_N], char *ja4r,
			    size_t ja4r_sz);

/* Parse a mercury TLS str_repr s[0..len) into *out (fully overwritten):
 * legacy version, ciphers and extension types in order (GREASE kept, as
 * mercury writes it: 0a0a), and, from the extension data mercury keeps,
 * signature algorithms, supported versions and ALPN names; has_sni when
 * extension 0000 is present.  A hello without extensions may have no
 * third group ("(0300)(0005000a)").  FEATURES_OK or FEATURES_MALFORMED
 * (bad hex, unbalanced parentheses, lengths that lie). */
enum features_status	features_parse_str_repr(const char *s, size_t len,
			    struct tls_client_hello *out);

/* Vector of a mercury str_repr (TLS over TCP), and its ja4_r as for
 * features_from_hello(). */
enum features_status	features_from_str_repr(const char *s, size_t len,
			    float out[FEATURES_N], char *ja4r, size_t ja4r_sz);

/* Index of a feature by name, or -1. */
int			features_index(const char *name);

#endif

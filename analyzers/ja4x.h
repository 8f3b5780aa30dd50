/* analyzers/ja4x.h: JA4X, the X.509 certificate fingerprint, plus the
 * certificate's issuer and subject as printable strings.
 *
 * JA4X is a JA4+ method under the FoxIO License 1.1: this file is only
 * built with --enable-ja4plus.  No globals; the DER is decoded with
 * OpenSSL's d2i_X509(), which allocates inside libcrypto and is freed
 * before return. */
#ifndef FP_ANALYZERS_JA4X_H
#define FP_ANALYZERS_JA4X_H

#include <stddef.h>
#include <stdint.h>

#include "analyzers/tls_record.h"

#define JA4X_LEN	38	/* three 12-digit hashes, two '_' */
#define JA4X_RAW_MAX	2047	/* ja4x_r is cut beyond (anomaly) */
#define JA4X_NAME_MAX	511	/* issuer/subject are cut beyond */

#define JA4X_ANOM_RAW_CUT	0x01u	/* a part did not fit: hash of cut */
#define JA4X_ANOM_NAME_CUT	0x02u	/* issuer or subject string cut */
#define JA4X_ANOM_TRAILING	0x04u	/* bytes after the certificate */

struct ja4x {
	char		ja4x[JA4X_LEN + 1];
	char		raw[JA4X_RAW_MAX + 1];		/* ja4x_r */
	char		issuer[JA4X_NAME_MAX + 1];	/* "C=US, O=..." */
	char		subject[JA4X_NAME_MAX + 1];
	uint32_t	anomalies;			/* JA4X_ANOM_* */
};

/* JA4X of the DER certificate der[0..len): SHA-256 (12 hex digits) of the
 * comma-separated hex of the issuer RDN attribute OIDs, of the subject's,
 * and of the extension OIDs, each in certificate order ("000000000000"
 * for an empty list).  Issuer and subject are "SN=value" pairs joined by
 * ", " in certificate order, with '\\', ',' and non-printable bytes
 * escaped.  *out is fully overwritten.  TLS_OK, or TLS_MALFORMED when
 * OpenSSL cannot decode the certificate (*out then empty strings). */
enum tls_status	ja4x_from_der(const uint8_t *der, size_t len,
		    struct ja4x *out);

#endif

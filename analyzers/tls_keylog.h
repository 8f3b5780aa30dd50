/* analyzers/tls_keylog.h: TLS secrets from an NSS key log
 * (SSLKEYLOGFILE format), by client random.
 *
 * Lines are "LABEL <client random, 64 hex> <secret, hex>"; '#' starts a
 * comment line.  Kept: CLIENT_RANDOM (TLS 1.2 master secret, 48 bytes) and
 * the TLS 1.3 traffic secrets CLIENT_HANDSHAKE_TRAFFIC_SECRET,
 * CLIENT_TRAFFIC_SECRET_0, SERVER_HANDSHAKE_TRAFFIC_SECRET and
 * SERVER_TRAFFIC_SECRET_0 (32 or 48 bytes).  Other labels of the format
 * (EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET, ...) are valid and
 * skipped; anything else is refused, counted and logged as "NAME:LINE:
 * why", never with the line itself.
 *
 * The table is filled at startup (it grows then; it is read-only after,
 * so workers share it) and wiped with OPENSSL_cleanse when freed. */
#ifndef FP_ANALYZERS_TLS_KEYLOG_H
#define FP_ANALYZERS_TLS_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TLS_KEYLOG_SECRET_MAX	48
#define TLS_KEYLOG_LINE_MAX	512	/* longer lines are refused */
#define TLS_KEYLOG_FILE_MAX	(64u << 20)	/* bytes read of a file */

enum tls_keylog_kind {
	TLS_KL_MASTER,		/* CLIENT_RANDOM: TLS 1.2 master secret */
	TLS_KL_CLIENT_HS,	/* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	TLS_KL_CLIENT_AP,	/* CLIENT_TRAFFIC_SECRET_0 */
	TLS_KL_SERVER_HS,	/* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	TLS_KL_SERVER_AP,	/* SERVER_TRAFFIC_SECRET_0 */
	TLS_KL_KINDS
};

struct tls_keylog_entry {
	uint8_t	 client_random[32];
	uint8_t	 have;			/* bit 1 << kind: held */
	uint8_t	 len[TLS_KL_KINDS];	/* bytes of each secret */
	uint8_t	 secret[TLS_KL_KINDS][TLS_KEYLOG_SECRET_MAX];
};

struct tls_keylog {
	struct tls_keylog_entry	*e;	/* open addressing */
	size_t			 cap;	/* power of two, or 0 */
	size_t			 n;	/* client randoms held */
	uint64_t		 n_keys;	/* secrets loaded */
	uint64_t		 n_refused;	/* lines refused */
};

/* An empty table: zero it. */
void	tls_keylog_init(struct tls_keylog *kl);

/* Wipe and free the secrets. */
void	tls_keylog_free(struct tls_keylog *kl);

/* Add the lines of buf[0..len) (any bytes); name and the line number
 * prefix each refused line's message.  A later secret for the same client
 * random and label replaces the earlier one.  Returns the number of
 * lines refused, or -1 with errno ENOMEM (the table is left as it was
 * before the failing line). */
long	tls_keylog_load_buf(struct tls_keylog *kl, const char *name,
	    const char *buf, size_t len);

/* Read the key log at path (at most TLS_KEYLOG_FILE_MAX bytes).  Returns
 * the lines refused, or -1 with err[0..errlen) saying why ("PATH: ..."). */
long	tls_keylog_load_file(struct tls_keylog *kl, const char *path,
	    char *err, size_t errlen);

/* The secrets of a client random, or NULL. */
const struct tls_keylog_entry *tls_keylog_find(const struct tls_keylog *kl,
	    const uint8_t client_random[32]);

#endif

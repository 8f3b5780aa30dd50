/* analyzers/tls.h: TLS analyzer glue: ClientHello/ServerHello fingerprints
 * per flow, over TCP streams (tls_analyzer) and over UDP, QUIC Initials and
 * DTLS (tls_udp_analyzer).
 *
 * Fingerprint fields are rendered once, when a hello is complete, into
 * record fragments (analyzers/frag.h), one per side of a flow that has TLS,
 * so per-flow state stays a few dozen bytes whatever the hellos carry. */
#ifndef FP_ANALYZERS_TLS_H
#define FP_ANALYZERS_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzers/analyzer.h"
#include "analyzers/frag.h"
#include "analyzers/quic.h"
#include "analyzers/tls_hello.h"
#include "json.h"
#include "slab.h"

#define TLS_HS_SCRATCH		(64 * 1024)

/* QUIC reassembly state of both sides, in a slab slot while the hellos
 * are open: [0] the client's Initials, [1] the server's. */
struct tls_quic_slot {
	struct quic_keys	 keys[2];
	struct quic_crypto_buf	 crypto[2];
};

struct tls_cert_cache;
struct tls_hello_cache;
struct tls_keylog;
struct tls_dec_ctx;

/* Flows decrypted at once per worker with --tls-keylog: a 16 KiB buffer
 * each, reserved, resident only as used. */
#define TLS_DEC_SLOTS		1024

/* Per-worker TLS resources, created at start (all memory reserved then). */
struct tls_ctx {
	struct frag_pool	*frags;		/* borrowed: the worker's */
	struct slab		 quic;		/* struct tls_quic_slot */
	struct quic_ctx		*quic_ctx;	/* NULL: QUIC not decrypted */
	uint8_t			*hs;		/* TLS_HS_SCRATCH */
	struct tls_client_hello	 ch;		/* parse scratch */
	struct tls_server_hello	 sh;
	void			*x509;		/* struct ja4x scratch, JA4+ */
	struct tls_cert_cache	*certs;		/* rendered JA4X by cert */
	struct tls_hello_cache	*hellos;	/* rendered JA3/JA4 by hello */
	const struct tls_keylog	*keylog;	/* borrowed, or NULL */
	struct slab		 dec;		/* struct tls_dec */
	struct tls_dec_ctx	*dec_ctx;
	/* Counters for --stats. */
	uint64_t		 n_client_hellos;
	uint64_t		 n_server_hellos;
	uint64_t		 n_quic_initials;
	uint64_t		 n_quic_auth_failed;
	uint64_t		 n_malformed;
	uint64_t		 n_cert_cache_hits;
	uint64_t		 n_cert_cache_misses;
	uint64_t		 n_hello_cache_hits;
	uint64_t		 n_hello_cache_misses;
	uint64_t		 n_dec_flows;	/* client random in the key log */
	uint64_t		 n_dec_decrypted; /* gave plaintext */
	uint64_t		 n_dec_auth_failed;
	uint64_t		 n_dec_unsupported; /* suite, version, secret */
};

/* Set up with the worker's fragment pool (borrowed) and n_quic_slots QUIC
 * reassembly slots.  Returns NULL with errno set on failure. */
struct tls_ctx	*tls_ctx_new(struct frag_pool *frags, uint32_t n_quic_slots);
void		 tls_ctx_free(struct tls_ctx *t);

/* Decrypt the client side of TCP flows whose client random is in kl
 * (borrowed, read-only, must outlive t), n_slots flows at once.  Returns
 * 0, or -1 with errno set. */
int		 tls_ctx_set_keylog(struct tls_ctx *t,
		    const struct tls_keylog *kl, uint32_t n_slots);

/* The plaintext decrypted so far from direction dir of a flow, given its
 * tls analyzer state: NULL if the flow is not being decrypted (then
 * *len is 0), else the application data (*len may be 0 while the
 * handshake goes on).  *first is set the first time a non-NULL plaintext
 * is returned for the flow: the application analyzers start over on it. */
const uint8_t	*tls_plaintext(void *state, struct an_ctx *ctx, int dir,
		    size_t *len, bool *first);

/* Print the counters as key=value lines. */
void		 tls_ctx_stats(const struct tls_ctx *t, FILE *fp);

/* A flow's rendered fields: [0] the client's, [1] the server's, and where
 * the client's fingerprints lie in its fragment, for the verdict. */
struct tls_frags {
	struct frag	 side[2];
	struct frag_ref	 ja4;
	struct frag_ref	 ja4_r;
	struct frag_ref	 ja3_hash;
	struct frag_ref	 alpn;		/* the first protocol offered */
	bool		 has_grease;
};

/* Render the client fields of ch (proto 't', 'q' or 'd') into the flow's
 * client fragment.  False if no slot was free or the fields did not fit
 * (counted). */
bool		 tls_render_client(struct tls_ctx *t, struct tls_frags *fr,
		    const struct tls_client_hello *ch, char proto);
bool		 tls_render_server(struct tls_ctx *t, struct tls_frags *fr,
		    const struct tls_server_hello *sh, char proto);

/* Add the "certificates" array (JA4X, issuer, subject of each) of a
 * Certificate message body to the server fragment.  JA4+ builds only. */
void		 tls_render_certs(struct tls_ctx *t, struct tls_frags *fr,
		    const uint8_t *body, const struct tls_certificate *certs);

/* Write both fragments into the record object being written. */
void		 tls_emit_frags(const struct tls_ctx *t,
		    const struct tls_frags *fr, struct json *j);
void		 tls_release_frags(struct tls_ctx *t, struct tls_frags *fr);

/* Add the client's fingerprints of fr to ev (EV_TLS), borrowed from its
 * fragment. */
void		 tls_frags_evidence(const struct tls_ctx *t,
		    const struct tls_frags *fr, struct evidence *ev);

/* Names of TLS_ANOM_* / TLS_REC_ANOM_* bits, for the record. */
void		 tls_emit_anomalies(struct json *j, const char *key,
		    uint32_t hello_anoms, uint32_t rec_anoms);

extern const struct analyzer tls_analyzer;
extern const struct analyzer tls_udp_analyzer;

#endif

/* analyzers/tls_decrypt.h: the client's application data of a TLS
 * connection whose secrets are in the key log (analyzers/tls_keylog.h),
 * so that the HTTP analyzers see its first requests.
 *
 * TLS 1.3 (RFC 8446 5.2-5.3, 7.3): record keys from the client handshake
 * and application traffic secrets by HKDF-Expand-Label; the client's
 * handshake records (Finished) first, then application data; the inner
 * content type after the zero padding.  TLS 1.2 (RFC 5246 6.3, 5288,
 * 7905): AEAD suites only (AES-GCM with its explicit nonce,
 * ChaCha20-Poly1305), keys from the master secret by the TLS 1.2 PRF.
 * All of it through OpenSSL libcrypto EVP.
 *
 * Bounded: at most TLS_DEC_PLAIN_MAX bytes of plaintext per flow; a record
 * that fails authentication ends decryption for the flow.  A struct
 * tls_dec is a flow's fixed buffer (a slab slot, taken only by flows whose
 * client random is in the key log); a struct tls_dec_ctx holds the
 * worker's OpenSSL objects and record scratch.  Decrypting a record
 * allocates nothing; deriving keys (once or twice per flow) may allocate
 * inside OpenSSL. */
#ifndef FP_ANALYZERS_TLS_DECRYPT_H
#define FP_ANALYZERS_TLS_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/tls_keylog.h"
#include "analyzers/tls_record.h"

#define TLS_DEC_PLAIN_MAX	(16 * 1024)
#define TLS_DEC_SERVER_HS_MAX	(16 * 1024)	/* server's TLS 1.3 flight */

enum tls_dec_phase {
	TLS_DEC_WAIT,		/* no ServerHello yet */
	TLS_DEC_HS,		/* 1.3 handshake keys, 1.2 before Finished */
	TLS_DEC_APP,		/* application keys */
	TLS_DEC_DONE,		/* full, closed, or cannot decrypt */
	TLS_DEC_FAILED		/* a record failed authentication */
};

/* A flow's decryption state and plaintext.  Zero the head (up to plain)
 * and set keys to start. */
struct tls_dec {
	const struct tls_keylog_entry *keys;	/* borrowed: the table's */
	uint64_t	 seq;		/* next record's sequence number */
	uint32_t	 consumed;	/* stream bytes walked: records */
	uint32_t	 plain_len;	/* bytes in plain */
	uint16_t	 version;	/* 0x0303 or 0x0304 */
	uint16_t	 suite;
	uint8_t		 phase;		/* enum tls_dec_phase */
	uint8_t		 aead;		/* index of the cipher */
	uint8_t		 hash_len;	/* 32 or 48 */
	uint8_t		 key_len;
	bool		 saw_ccs;	/* TLS 1.2: encrypted from here */
	bool		 trial;		/* 1.3: no handshake key */
	/* Early data offered: 0-RTT records before the Finished are
	 * skipped. */
	bool		 early_data;
	uint8_t		 key[32];
	uint8_t		 iv[12];	/* 1.2 GCM: the first 4 */
	/* TLS 1.3 server side, handshake only (its certificates). */
	uint64_t	 s_seq;
	uint32_t	 s_consumed;
	uint32_t	 s_hs_len;	/* bytes in s_hs */
	uint8_t		 s_phase;	/* HS, DONE (Finished seen) or FAILED */
	uint8_t		 s_key[32];
	uint8_t		 s_iv[12];
	uint8_t		 plain[TLS_DEC_PLAIN_MAX];
	uint8_t		 s_hs[TLS_DEC_SERVER_HS_MAX];
};

struct tls_dec_ctx;

/* The worker's OpenSSL objects.  NULL with errno set on failure. */
struct tls_dec_ctx *tls_dec_ctx_new(void);
void		 tls_dec_ctx_free(struct tls_dec_ctx *c);

/* Start d for a client random's secrets e. */
void		 tls_dec_init(struct tls_dec *d,
		    const struct tls_keylog_entry *e);

/* The ServerHello is known: version 0x0303 or 0x0304, the suite and the
 * server random.  Derives the first keys.  -1 (d->phase DONE) if the
 * version or suite is not one decrypted here or a secret is missing. */
int		 tls_dec_start(struct tls_dec_ctx *c, struct tls_dec *d,
		    uint16_t version, uint16_t suite,
		    const uint8_t server_random[32]);

/* Walk the client's records in stream[0..len) (from the first TLS byte;
 * len only grows) from d->consumed, appending application data to
 * d->plain.  Returns the phase after: HS or APP (more may come), DONE or
 * FAILED. */
enum tls_dec_phase tls_dec_feed(struct tls_dec_ctx *c, struct tls_dec *d,
		    const uint8_t *stream, size_t len);

/* The server's records in stream[0..len) (TLS 1.3, from the first TLS
 * byte; len only grows): its encrypted handshake messages are appended to
 * d->s_hs until its Finished.  Returns d->s_phase: HS while more may come,
 * DONE (Finished seen, buffer full, or no server secret) or FAILED. */
enum tls_dec_phase tls_dec_feed_server(struct tls_dec_ctx *c,
		    struct tls_dec *d, const uint8_t *stream, size_t len);

/* Wipe d (keys and plaintext). */
void		 tls_dec_wipe(struct tls_dec *d);

#endif

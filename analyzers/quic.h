/* analyzers/quic.h: QUIC v1 (RFC 9000/9001) and v2 (RFC 9369) client
 * Initial packets: header parsing, Initial key derivation, header protection
 * removal, payload decryption, frame parsing and CRYPTO stream reassembly,
 * so that the TLS ClientHello carried in the Initials can be handed to the
 * TLS parser.
 *
 * Initials of v1, v2, drafts 22 to 32 (0xff000016-0xff000020, v1's layout
 * with their drafts' salts) and Facebook's mvfst on drafts 22 and 27
 * (0xfaceb001, 0xfaceb002, 0xfaceb00e) are decrypted.  Other drafts and
 * vendor versions (gQUIC Q0xx), version negotiation (version 0) and grease
 * versions (0x?a?a?a?a) are recognised as long-header packets but not
 * decrypted (QUIC_UNSUPPORTED).
 *
 * Layers, pure unless noted:
 *   quic_is_initial_candidate()  cheap content probe, any UDP port
 *   quic_parse_long_header()     one long-header packet, no crypto
 *   quic_parse_frames()          one decrypted Initial payload
 *   quic_crypto_*()              CRYPTO stream reassembly
 *   quic_keys_derive()           Initial keys from a DCID (uses ctx)
 *   quic_decrypt_initial()       one protected Initial (uses ctx)
 *   quic_parse_datagram()        a whole UDP payload: all of the above
 *
 * Crypto and memory.  OpenSSL libcrypto (3.x) does the work: HKDF-SHA256
 * through EVP_KDF, AES-128-GCM and AES-128-ECB through EVP_CIPHER.  A
 * struct quic_ctx owns every OpenSSL object and a plaintext scratch buffer;
 * it is created once per worker thread with quic_ctx_new() and is not
 * thread-safe.  Decrypting a packet re-keys the ctx's cipher contexts in
 * place and allocates nothing (test_quic counts OpenSSL's allocations).
 * Key derivation, once per connection rather than per packet, goes through
 * EVP_KDF_derive() on the ctx's reused EVP_KDF_CTX; inside it OpenSSL 3.0
 * allocates and frees some 60 small blocks per derivation, which its API
 * does not let us avoid.  struct quic_keys and struct quic_crypto_buf are
 * plain caller-owned data (typically per flow), with no pointers: zero
 * them to initialise, copy them freely.
 */
#ifndef FP_ANALYZERS_QUIC_H
#define FP_ANALYZERS_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIC_VERSION_1		0x00000001u
#define QUIC_VERSION_2		0x6b3343cfu

#define QUIC_CID_MAX		20	/* RFC 9000 17.2; v1, v2, drafts */
#define QUIC_MIN_INITIAL_DGRAM	1200	/* RFC 9000 14.1 */
#define QUIC_CRYPTO_MAX		16384	/* ClientHello reassembly cap */
#define QUIC_CRYPTO_MAX_RANGES	16	/* disjoint received ranges kept */
#define QUIC_MAX_PACKETS	16	/* coalesced packets walked */

/* Anomaly bits: oddities worth a feature, never a reason to crash. */
#define QUIC_ANOM_FIXED_BIT_CLEAR	0x00001u /* RFC 9287 greasing */
#define QUIC_ANOM_SHORT_DATAGRAM	0x00002u /* client Initial < 1200 B */
#define QUIC_ANOM_TRAILING_BYTES	0x00004u /* after the last packet */
#define QUIC_ANOM_AUTH_FAILED		0x00008u /* an Initial failed AEAD */
#define QUIC_ANOM_UNKNOWN_FRAME		0x00010u /* not allowed in Initial */
#define QUIC_ANOM_FRAME_TRUNCATED	0x00020u /* frame overran payload */
#define QUIC_ANOM_CRYPTO_OVERFLOW	0x00040u /* past QUIC_CRYPTO_MAX */
#define QUIC_ANOM_CRYPTO_RANGES		0x00080u /* too many gaps: dropped */
#define QUIC_ANOM_CRYPTO_CONFLICT	0x00100u /* resent bytes differ */
#define QUIC_ANOM_RESERVED_BITS		0x00200u /* reserved header bits */
#define QUIC_ANOM_CONN_CLOSE		0x00400u /* CONNECTION_CLOSE seen */
#define QUIC_ANOM_REKEYED		0x00800u /* Retry or version change */
#define QUIC_ANOM_BAD_COALESCED		0x01000u /* later packet unparsable */
#define QUIC_ANOM_MIXED_VERSIONS	0x02000u /* coalesced versions */
#define QUIC_ANOM_NO_FRAMES		0x04000u /* empty Initial payload */
#define QUIC_ANOM_TOO_MANY_PACKETS	0x08000u /* > QUIC_MAX_PACKETS */
#define QUIC_ANOM_DCID_SHORT		0x10000u /* first DCID < 8 bytes */

enum quic_status {
	QUIC_OK,		/* done; see the out struct */
	QUIC_NOT_MINE,		/* not a QUIC long-header packet */
	QUIC_UNSUPPORTED,	/* long header, version not v1/v2 */
	QUIC_NO_INITIAL,	/* v1/v2 packets, but no Initial among them */
	QUIC_AUTH_FAILED,	/* Initial(s) present, none authenticated */
	QUIC_MALFORMED,		/* inconsistent or truncated header/payload */
	QUIC_ERROR		/* OpenSSL failed (runtime, not input) */
};

enum quic_pkt_type {
	QUIC_PKT_INITIAL,
	QUIC_PKT_0RTT,
	QUIC_PKT_HANDSHAKE,
	QUIC_PKT_RETRY
};

/* One long-header packet, as found on the wire (before any decryption). */
struct quic_long_header {
	uint32_t		version;
	enum quic_pkt_type	type;		/* only for v1/v2 */
	uint8_t			first_byte;	/* still header-protected */
	uint8_t			dcid_len;
	uint8_t			dcid[QUIC_CID_MAX];
	uint8_t			scid_len;
	uint8_t			scid[QUIC_CID_MAX];
	uint64_t		token_len;	/* Initial only */
	size_t			pn_offset;	/* from the first byte */
	size_t			packet_len;	/* whole packet, with tag */
};

/* Initial keys of one direction of one connection, plus the packet number
 * state needed to decode truncated packet numbers. */
struct quic_keys {
	bool		is_valid;
	uint32_t	version;
	uint8_t		dcid_len;	/* the DCID the keys came from */
	uint8_t		dcid[QUIC_CID_MAX];
	uint8_t		key[16];
	uint8_t		iv[12];
	uint8_t		hp[16];
	int64_t		largest_pn;	/* -1: none decrypted yet */
};

/* The reassembled CRYPTO stream of the client's Initial packet number
 * space, offsets [0, QUIC_CRYPTO_MAX).  Zero it before first use. */
struct quic_crypto_range {
	uint32_t	start;		/* [start, end) received */
	uint32_t	end;
};

struct quic_crypto_buf {
	uint32_t		 n_ranges;
	struct quic_crypto_range range[QUIC_CRYPTO_MAX_RANGES]; /* sorted */
	uint32_t		 anomalies;	/* QUIC_ANOM_CRYPTO_*, so far */
	uint8_t			 data[QUIC_CRYPTO_MAX];
};

/* Frame statistics of the Initial payloads of one datagram. */
struct quic_frames {
	uint32_t	n_padding;	/* PADDING bytes */
	uint16_t	n_ping;
	uint16_t	n_ack;
	uint16_t	n_crypto;
	bool		has_close;
	uint64_t	close_error;	/* CONNECTION_CLOSE error code */
	uint32_t	anomalies;	/* QUIC_ANOM_* */
};

/* What quic_parse_datagram() saw in one UDP payload. */
struct quic_datagram {
	uint32_t		version;	/* of the first packet */
	uint8_t			dcid_len;	/* of the first packet */
	uint8_t			dcid[QUIC_CID_MAX];
	uint8_t			scid_len;
	uint8_t			scid[QUIC_CID_MAX];
	uint64_t		token_len;	/* of the first Initial */
	uint16_t		n_packets;	/* long-header packets walked */
	uint16_t		n_initials;	/* Initials decrypted */
	uint16_t		n_auth_failed;	/* Initials failing the AEAD */
	int64_t			last_pn;	/* last decrypted, or -1 */
	struct quic_frames	frames;
	uint32_t		anomalies;	/* QUIC_ANOM_*, incl. frames' */
};

struct quic_ctx;

/* Cheap probe for detection by content, on any port: true if the UDP
 * payload starts like a v1/v2 Initial (long-header and fixed bits set,
 * known version, Initial type bits for that version, both CIDs <= 20 bytes
 * and within len).  Pure; reads at most 27 bytes; NULL is false.  Neither
 * checks the datagram size nor decrypts. */
bool		quic_is_initial_candidate(const uint8_t *udp_payload,
		    size_t len);

/* Parse the long header of the packet at buf[0..len) (len is what remains
 * of the datagram).  Pure.  QUIC_OK: *out complete, packet_len <= len (a
 * Retry, having no Length, takes all of len).  QUIC_UNSUPPORTED: version
 * filled, and the CIDs when both are present and <= 20 bytes (else their
 * lengths are 0); the packet length cannot be known.  QUIC_NOT_MINE: short
 * header, or under 5 bytes.  QUIC_MALFORMED: truncated, CID > 20 or Length
 * past len.  *out is fully overwritten in every case. */
enum quic_status quic_parse_long_header(const uint8_t *buf, size_t len,
		    struct quic_long_header *out);

/* Parse the frames of one decrypted Initial payload: PADDING, PING, ACK,
 * CRYPTO (added to *crypto), CONNECTION_CLOSE.  Any other frame stops the
 * walk with QUIC_ANOM_UNKNOWN_FRAME.  Pure.  Counts and anomaly bits are
 * added to *st (the caller zeroes it); crypto may be NULL to skip
 * reassembly.  QUIC_OK, or QUIC_MALFORMED when a frame overran the payload
 * or the payload was empty (frames before it are kept). */
enum quic_status quic_parse_frames(const uint8_t *payload, size_t len,
		    struct quic_crypto_buf *crypto, struct quic_frames *st);

/* Add CRYPTO stream bytes data[0..len) at stream offset off.  Bytes past
 * QUIC_CRYPTO_MAX are dropped (QUIC_ANOM_CRYPTO_OVERFLOW); a fragment that
 * would need more than QUIC_CRYPTO_MAX_RANGES disjoint ranges is dropped
 * (QUIC_ANOM_CRYPTO_RANGES); overlapping bytes keep their first value
 * (QUIC_ANOM_CRYPTO_CONFLICT if they differ).  Returns the anomaly bits
 * raised by this call, also ORed into buf->anomalies.  Pure. */
uint32_t	quic_crypto_add(struct quic_crypto_buf *buf, uint64_t off,
		    const uint8_t *data, size_t len);

/* Number of contiguous bytes received from stream offset 0. */
size_t		quic_crypto_contiguous(const struct quic_crypto_buf *buf);

/* True once the first TLS handshake message is a ClientHello (type 1)
 * fully covered by contiguous bytes from offset 0.  *msg_len (optional)
 * gets its length including the 4-byte header: buf->data[0..*msg_len) is
 * then the complete handshake message.  False (and *msg_len 0) otherwise,
 * including when the message cannot fit in QUIC_CRYPTO_MAX. */
/* As quic_crypto_hello_complete() for a message of any handshake type
 * (2: the server's ServerHello in its own Initial CRYPTO stream). */
bool		quic_crypto_msg_complete(const struct quic_crypto_buf *buf,
		    uint8_t type, size_t *msg_len);
bool		quic_crypto_hello_complete(const struct quic_crypto_buf *buf,
		    size_t *msg_len);

/* Create / free a per-worker context (owns the OpenSSL objects and a 64 KiB
 * scratch buffer).  quic_ctx_new() returns NULL if OpenSSL or memory is
 * unavailable; quic_ctx_free(NULL) is a no-op.  Call at startup only. */
struct quic_ctx	*quic_ctx_new(void);
void		 quic_ctx_free(struct quic_ctx *ctx);

/* Derive the client Initial keys of version (v1 or v2) from the DCID of the
 * client's first Initial.  Returns 0 with *keys filled (largest_pn -1), or
 * -1 on unsupported version, dcid_len > QUIC_CID_MAX or an OpenSSL failure,
 * leaving *keys with is_valid false.  ctx is borrowed. */
int		quic_keys_derive(struct quic_ctx *ctx, uint32_t version,
		    const uint8_t *dcid, size_t dcid_len,
		    struct quic_keys *keys);

/* The same for either side: server true gives the keys that protect the
 * server's Initials ("server in"), from the same client-chosen DCID. */
int		quic_keys_derive_side(struct quic_ctx *ctx, uint32_t version,
		    const uint8_t *dcid, size_t dcid_len, bool server,
		    struct quic_keys *keys);

/* One decrypted Initial. */
struct quic_plain {
	const uint8_t	*payload;	/* borrowed: ctx scratch, see below */
	size_t		 payload_len;
	uint64_t	 pn;		/* full packet number */
	uint8_t		 pn_len;	/* 1..4 bytes on the wire */
	uint8_t		 first_byte;	/* header protection removed */
};

/* Remove header protection from and decrypt the Initial at pkt, described
 * by hdr (from quic_parse_long_header() on the same bytes, so pkt holds
 * hdr->packet_len bytes), with keys; keys->largest_pn is updated on
 * success.  QUIC_OK: *out filled; out->payload points into ctx's scratch
 * buffer and is valid until the next call with ctx.  QUIC_AUTH_FAILED:
 * wrong keys or corrupted packet.  QUIC_MALFORMED: too short for the
 * header-protection sample, or not an Initial.  QUIC_ERROR: OpenSSL
 * failure or keys not valid.  *out is untouched unless QUIC_OK. */
enum quic_status quic_decrypt_initial(struct quic_ctx *ctx,
		    struct quic_keys *keys, const uint8_t *pkt,
		    const struct quic_long_header *hdr, struct quic_plain *out);

/* Walk every coalesced long-header packet of one client-to-server UDP
 * payload; decrypt the v1/v2 Initials, parse their frames and add their
 * CRYPTO data to *crypto (which may be NULL); skip 0-RTT and Handshake
 * packets by their Length; stop at a short-header packet or padding.
 *
 * *keys is per-connection state, zeroed by the caller at flow start.  If
 * !keys->is_valid, keys are derived from the DCID of this Initial and kept
 * only if it authenticates.  Otherwise the cached keys are used, whatever
 * the packet's DCID (later client Initials carry the server's CID).  Only
 * if they fail: keys for the packet's version from the cached DCID (RFC
 * 9368 compatible version negotiation), then keys from the packet's own
 * DCID (a client restarting after Retry) are tried; one that authenticates
 * replaces the cache (QUIC_ANOM_REKEYED).
 *
 * Returns QUIC_OK if at least one Initial decrypted (trouble elsewhere
 * only sets anomaly bits).  Otherwise: the first packet's header status
 * if it could not be parsed (QUIC_NOT_MINE for an empty buffer), else the
 * status of the first Initial (QUIC_AUTH_FAILED, QUIC_MALFORMED), else
 * QUIC_NO_INITIAL; QUIC_ERROR if OpenSSL failed.  *out is fully
 * overwritten.  All pointers are borrowed; keys and crypto are the
 * caller's (flow's) state.  Only the first ClientHello is of interest: a
 * second one after HelloRetryRequest lands after it in *crypto. */
enum quic_status quic_parse_datagram(struct quic_ctx *ctx, const uint8_t *buf,
		    size_t len, struct quic_keys *keys,
		    struct quic_crypto_buf *crypto, struct quic_datagram *out);

/* Short name of a status, for logs and tests. */
const char	*quic_status_str(enum quic_status st);

#endif

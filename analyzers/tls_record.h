/* analyzers/tls_record.h: TLS and DTLS record framing, handshake framing.
 *
 * Pure functions over caller-owned bytes: no allocation, no globals.
 * TLS over TCP: tls_record_feed() walks the records of one direction of a
 * reassembled stream and gathers the handshake-protocol bytes, which may
 * span several records (or share one), into a caller-provided buffer;
 * tls_hs_next() then iterates the complete handshake messages in it.
 * DTLS over UDP: dtls_record_next() and dtls_hs_parse() frame one datagram. */
#ifndef FP_ANALYZERS_TLS_RECORD_H
#define FP_ANALYZERS_TLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tls_status {
	TLS_OK,			/* parsed; or, for the walker, handshake over */
	TLS_NEED_MORE,		/* input ends mid-structure; call again later */
	TLS_NOT_TLS,		/* the first bytes are not TLS (or not DTLS) */
	TLS_MALFORMED	/* framing is broken; *out holds what was read */
};

/* Record content types. */
#define TLS_CT_CHANGE_CIPHER_SPEC	20
#define TLS_CT_ALERT			21
#define TLS_CT_HANDSHAKE		22
#define TLS_CT_APPLICATION_DATA		23
#define TLS_CT_HEARTBEAT		24

/* Handshake message types. */
#define TLS_HS_CLIENT_HELLO		1
#define TLS_HS_SERVER_HELLO		2
#define TLS_HS_HELLO_VERIFY_REQUEST	3
#define TLS_HS_NEW_SESSION_TICKET	4
#define TLS_HS_ENCRYPTED_EXTENSIONS	8
#define TLS_HS_CERTIFICATE		11
#define TLS_HS_SERVER_KEY_EXCHANGE	12
#define TLS_HS_CERTIFICATE_REQUEST	13
#define TLS_HS_SERVER_HELLO_DONE	14
#define TLS_HS_CLIENT_KEY_EXCHANGE	16
#define TLS_HS_FINISHED			20

/* Largest TLSCiphertext fragment (RFC 8446 5.2); longer is malformed. */
#define TLS_RECORD_MAX_LEN		(16384 + 2048)

/* tls_record_state.anomalies */
#define TLS_REC_ANOM_SSLV2_HELLO	0x0001u	/* SSLv2-format ClientHello */
#define TLS_REC_ANOM_HS_OVERFLOW	0x0002u	/* handshake bytes > buffer */
#define TLS_REC_ANOM_BAD_TYPE		0x0004u	/* unknown content type */
#define TLS_REC_ANOM_BAD_VERSION	0x0008u	/* record version not 3.x */
#define TLS_REC_ANOM_TOO_LONG		0x0010u	/* record length > max */
#define TLS_REC_ANOM_EMPTY_HS		0x0020u	/* empty handshake record */
#define TLS_REC_ANOM_DTLS_FRAGMENTS	0x0040u	/* DTLS hello fragments disagree */
#define TLS_REC_ANOM_HEARTBEAT		0x0080u	/* heartbeat record seen */
#define TLS_REC_ANOM_WARNING_ALERT	0x0100u	/* warning alert walked over */

/* State of the walker over one direction of a TCP stream.  Owned by the
 * caller (e.g. in per-flow state); hs_buf is owned by the caller too and
 * must outlive the state.  Fields are read-only for the caller. */
struct tls_record_state {
	uint8_t		*hs_buf;	/* gathered handshake-protocol bytes */
	size_t		 hs_cap;	/* capacity of hs_buf */
	size_t		 hs_len;	/* bytes gathered so far */
	size_t		 consumed; /* stream bytes walked (whole records) */
	uint32_t	 n_records;	/* records walked */
	uint32_t	 anomalies;	/* TLS_REC_ANOM_* */
	uint16_t	 first_version;	/* record version of the first record */
	uint8_t		 stop_type; /* content type that ended the walk, 0 */
	bool		 is_sslv2;	/* hs_buf holds an SSLv2 CLIENT-HELLO */
	bool		 is_tls;	/* the first bytes were recognised */
	bool		 saw_ccs;	/* a ChangeCipherSpec was walked */
	bool		 is_done;	/* no more handshake bytes will come */
	bool		 is_bad;	/* NOT_TLS or MALFORMED was returned */
};

/* Reset *st to walk a new stream, gathering into hs_buf[0..hs_cap). */
void		tls_record_init(struct tls_record_state *st, uint8_t *hs_buf,
		    size_t hs_cap);

/* Walk stream[0..len), the bytes of one direction of a TCP connection from
 * its first byte, as reassembled so far.  len may only grow from call to
 * call; the walk resumes at st->consumed.  Handshake records are appended
 * to hs_buf.  The walk stops at the first application-data record, at an
 * Alert (but not at a plaintext warning alert: some servers send
 * unrecognized_name before the ServerHello), and at the first handshake
 * record after a ChangeCipherSpec that is not a plaintext hello (TLS 1.3
 * compatibility mode after a HelloRetryRequest).  Returns:
 *   TLS_NEED_MORE  more records may come (the stream may end mid-record);
 *   TLS_OK         handshake collection is over (st->stop_type says why, or
 *                  st->anomalies has TLS_REC_ANOM_HS_OVERFLOW);
 *   TLS_NOT_TLS    the stream does not start like TLS (decided from as few
 *                  bytes as possible: one is often enough);
 *   TLS_MALFORMED  a later record header is invalid; what was gathered
 *                  before it stays valid.
 * Once OK, NOT_TLS or MALFORMED is returned, later calls return it again.
 * An SSLv2-compatible ClientHello is copied whole into hs_buf (from its
 * msg_type byte), st->is_sslv2 is set and the walk ends with TLS_OK. */
enum tls_status	tls_record_feed(struct tls_record_state *st,
		    const uint8_t *stream, size_t len);

/* Quick probe: could stream[0..len) be the start of a TLS (or SSLv2
 * ClientHello) byte stream?  TLS_OK, TLS_NOT_TLS, or TLS_NEED_MORE when len
 * is too short to tell. */
enum tls_status	tls_record_probe(const uint8_t *stream, size_t len);

/* One handshake message.  body is borrowed from the buffer it was found in
 * and valid while that buffer is. */
struct tls_hs_msg {
	uint8_t		 type;		/* TLS_HS_* */
	uint32_t	 len;		/* body length */
	const uint8_t	*body;
};

/* Take the handshake message that starts at hs[*pos] (hs[0..hs_len) being
 * e.g. st->hs_buf[0..st->hs_len), or a QUIC CRYPTO stream).  On TLS_OK
 * fills *out and advances *pos past it; TLS_NEED_MORE when hs[*pos..]
 * holds no complete message (*pos and *out untouched). */
enum tls_status	tls_hs_next(const uint8_t *hs, size_t hs_len, size_t *pos,
		    struct tls_hs_msg *out);

/* DTLS record (RFC 6347 4.1), from a datagram. */
struct dtls_record {
	uint8_t		 type;		/* TLS_CT_* */
	uint16_t	 version;	/* 0xfeff DTLS 1.0, 0xfefd 1.2 */
	uint16_t	 epoch;
	uint64_t	 seq;		/* 48-bit sequence number */
	uint16_t	 len;
	const uint8_t	*fragment;	/* borrowed from the datagram */
};

/* Take the DTLS record at dgram[*pos]; on TLS_OK fill *out and advance
 * *pos.  TLS_NOT_TLS if the version is not DTLS 1.x (0xfe..) or the type
 * is unknown; TLS_MALFORMED if the record runs past the datagram;
 * TLS_NEED_MORE when *pos == len (no more records). */
enum tls_status	dtls_record_next(const uint8_t *dgram, size_t len,
		    size_t *pos, struct dtls_record *out);

/* One DTLS handshake fragment (RFC 6347 4.2.2). */
struct dtls_hs {
	uint8_t		 type;		/* TLS_HS_* */
	uint32_t	 msg_len;	/* length of the whole message */
	uint16_t	 message_seq;
	uint32_t	 frag_off;
	uint32_t	 frag_len;
	const uint8_t	*frag;		/* borrowed; frag_len bytes */
	bool		 is_complete;	/* frag_off 0, frag_len == msg_len */
};

/* Take the DTLS handshake fragment at rec[*pos] (rec being the fragment of
 * a handshake record); on TLS_OK fill *out and advance *pos.  A message in
 * one fragment has is_complete set and frag is its body.  TLS_MALFORMED if
 * the header is short or the fragment lies outside the message or record;
 * TLS_NEED_MORE when *pos == len. */
enum tls_status	dtls_hs_parse(const uint8_t *rec, size_t len, size_t *pos,
		    struct dtls_hs *out);

#endif

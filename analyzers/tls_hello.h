/* analyzers/tls_hello.h: ClientHello, ServerHello and Certificate parsers.
 *
 * Pure functions: bytes in, struct out; no allocation, no globals, safe on
 * any input.  The output structs hold copies in bounded inline arrays (no
 * pointers into the input).  Lists keep the wire order and the raw values,
 * GREASE included; every cap that is hit sets an anomaly bit. */
#ifndef FP_ANALYZERS_TLS_HELLO_H
#define FP_ANALYZERS_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyzers/tls_record.h"

#define TLS_MAX_CIPHERS		256
#define TLS_MAX_EXTENSIONS	64
#define TLS_MAX_GROUPS		64
#define TLS_MAX_POINT_FORMATS	16
#define TLS_MAX_SIG_ALGS	64
#define TLS_MAX_VERSIONS	16
#define TLS_MAX_KEY_SHARES	16
#define TLS_MAX_ALPN		8
#define TLS_MAX_ALPN_LEN	32	/* longer names are cut (anomaly) */
#define TLS_MAX_SNI_LEN		255
#define TLS_MAX_CERTS		16

/* Extension types the parsers look into. */
#define TLS_EXT_SERVER_NAME		0x0000
#define TLS_EXT_STATUS_REQUEST		0x0005
#define TLS_EXT_SUPPORTED_GROUPS	0x000a
#define TLS_EXT_EC_POINT_FORMATS	0x000b
#define TLS_EXT_SIGNATURE_ALGORITHMS	0x000d
#define TLS_EXT_ALPN			0x0010
#define TLS_EXT_SCT			0x0012
#define TLS_EXT_PADDING			0x0015
#define TLS_EXT_ENCRYPT_THEN_MAC	0x0016
#define TLS_EXT_EXTENDED_MASTER_SECRET	0x0017
#define TLS_EXT_COMPRESS_CERTIFICATE	0x001b
#define TLS_EXT_RECORD_SIZE_LIMIT	0x001c
#define TLS_EXT_DELEGATED_CREDENTIALS	0x0022
#define TLS_EXT_SESSION_TICKET		0x0023
#define TLS_EXT_PRE_SHARED_KEY		0x0029
#define TLS_EXT_EARLY_DATA		0x002a
#define TLS_EXT_SUPPORTED_VERSIONS	0x002b
#define TLS_EXT_PSK_KEY_EXCHANGE_MODES	0x002d
#define TLS_EXT_POST_HANDSHAKE_AUTH	0x0031
#define TLS_EXT_KEY_SHARE		0x0033
#define TLS_EXT_QUIC_TRANSPORT_PARAMS	0x0039
#define TLS_EXT_ENCRYPTED_CLIENT_HELLO	0xfe0d
#define TLS_EXT_RENEGOTIATION_INFO	0xff01

/* anomalies: oddities are signal (p0f quirks), not errors. */
#define TLS_ANOM_TRUNCATED	0x00000001u	/* field runs past the body */
#define TLS_ANOM_TRAILING	0x00000002u	/* bytes after the last field */
#define TLS_ANOM_ODD_LENGTH	0x00000004u	/* 16-bit list of odd length */
#define TLS_ANOM_CIPHERS_CAP	0x00000008u	/* > TLS_MAX_CIPHERS */
#define TLS_ANOM_EXT_CAP	0x00000010u	/* > TLS_MAX_EXTENSIONS */
#define TLS_ANOM_LIST_CAP	0x00000020u	/* another list hit its cap */
#define TLS_ANOM_EXT_TRUNCATED	0x00000040u	/* extension past its block */
#define TLS_ANOM_EXT_DUP	0x00000080u	/* extension type repeated */
#define TLS_ANOM_EXT_BAD	0x00000100u	/* inner lengths of one lie */
#define TLS_ANOM_SESSION_ID_LONG 0x00000200u	/* session_id > 32 bytes */
#define TLS_ANOM_NO_CIPHERS	0x00000400u	/* empty cipher list */
#define TLS_ANOM_NO_NULL_COMP	0x00000800u	/* compression lacks null */
#define TLS_ANOM_SNI_BAD	0x00001000u	/* not a plain host name */
#define TLS_ANOM_ALPN_BAD	0x00002000u	/* empty or over-long name */
#define TLS_ANOM_PSK_NOT_LAST	0x00004000u	/* pre_shared_key not last */
#define TLS_ANOM_SSLV2		0x00008000u	/* SSLv2-format ClientHello */
#define TLS_ANOM_EMPTY_EXTS	0x00010000u	/* extensions block of 0 */
#define TLS_ANOM_BAD_VERSION	0x00020000u	/* unknown legacy_version */
#define TLS_ANOM_DOWNGRADE	0x00040000u	/* RFC 8446 downgrade random */
#define TLS_ANOM_EMPTY_CERT	0x00080000u	/* zero-length certificate */

/* One ALPN protocol name; name[0..len) is a prefix of the wire value when
 * wire_len > TLS_MAX_ALPN_LEN, and last is the last byte on the wire. */
struct tls_alpn {
	uint8_t		len;
	uint8_t		wire_len;
	uint8_t		last;
	uint8_t		name[TLS_MAX_ALPN_LEN];	/* not NUL-terminated */
};

struct tls_client_hello {
	uint16_t	legacy_version;
	uint8_t		random[32];		/* keys the key log */
	uint8_t		session_id_len;
	uint8_t		cookie_len;		/* DTLS only */
	uint8_t		n_compression;
	bool		is_dtls;
	bool		is_sslv2;
	uint16_t	n_ciphers;
	uint16_t	ciphers[TLS_MAX_CIPHERS];
	uint16_t	n_extensions;
	uint16_t	extensions[TLS_MAX_EXTENSIONS];	/* types, in order */
	uint16_t	n_groups;
	uint16_t	groups[TLS_MAX_GROUPS];
	uint16_t	n_point_formats;
	uint8_t		point_formats[TLS_MAX_POINT_FORMATS];
	uint16_t	n_sig_algs;
	uint16_t	sig_algs[TLS_MAX_SIG_ALGS];
	uint16_t	n_versions;
	uint16_t	versions[TLS_MAX_VERSIONS];	/* supported_versions */
	uint16_t	n_key_shares;
	uint16_t	key_shares[TLS_MAX_KEY_SHARES];	/* groups offered */
	uint16_t	n_alpn;
	struct tls_alpn	alpn[TLS_MAX_ALPN];
	uint16_t	sni_len;		/* bytes in sni, <= 255 */
	/* NUL-terminated; bytes outside 0x21-0x7e become '?'. */
	char		sni[TLS_MAX_SNI_LEN + 1];
	uint16_t	padding_len;
	bool		has_sni;
	bool		has_alpn;
	bool		has_supported_versions;
	bool		has_session_ticket;
	bool		has_psk;
	bool		has_early_data;
	bool		has_ems;		/* extended_master_secret */
	bool		has_reneg_info;
	bool		has_status_request;
	bool		has_key_share;
	bool		has_ech;
	bool		has_post_handshake_auth;
	bool		has_quic_params;
	bool		has_grease;		/* in any list */
	uint32_t	anomalies;		/* TLS_ANOM_* */
};

struct tls_server_hello {
	uint16_t	legacy_version;
	uint8_t		random[32];		/* for TLS 1.2 keys */
	uint16_t	selected_version;	/* supported_versions, or 0 */
	uint16_t	cipher;
	uint8_t		compression;
	uint8_t		session_id_len;
	bool		is_dtls;
	bool		is_hrr;			/* HelloRetryRequest random */
	uint16_t	n_extensions;
	uint16_t	extensions[TLS_MAX_EXTENSIONS];	/* types, in order */
	uint16_t	key_share_group;	/* valid if has_key_share */
	struct tls_alpn	alpn;			/* valid if has_alpn */
	bool		has_alpn;
	bool		has_supported_versions;
	bool		has_key_share;
	bool		has_session_ticket;
	bool		has_psk;
	bool		has_ems;
	bool		has_reneg_info;
	bool		has_grease;
	uint32_t	anomalies;		/* TLS_ANOM_* */
};

/* One certificate of a Certificate message: body[off .. off + len). */
struct tls_cert_ref {
	uint32_t	off;
	uint32_t	len;
};

struct tls_certificate {
	uint16_t	n_certs;		/* stored, <= TLS_MAX_CERTS */
	uint16_t	n_certs_wire;		/* seen on the wire */
	uint8_t		context_len;		/* TLS 1.3 request context */
	struct tls_cert_ref certs[TLS_MAX_CERTS];
	uint32_t	anomalies;		/* TLS_ANOM_* */
};

/* RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ... 0xfafa. */
static inline bool
tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* Parse a ClientHello handshake body (after the 4-byte handshake header)
 * body[0..len).  *out is fully overwritten.  TLS_OK, or TLS_MALFORMED when
 * the fixed fields or the extension framing run past the body: *out then
 * holds everything parsed before the fault (anomalies say what). */
enum tls_status	tls_parse_client_hello(const uint8_t *body, size_t len,
		    struct tls_client_hello *out);

/* As tls_parse_client_hello() for a DTLS ClientHello, which carries a
 * cookie after the session_id; sets out->is_dtls. */
enum tls_status	dtls_parse_client_hello(const uint8_t *body, size_t len,
		    struct tls_client_hello *out);

/* Parse an SSLv2-format CLIENT-HELLO msg[0..len), starting at its msg_type
 * byte (as tls_record_feed() gathers it when st->is_sslv2).  Cipher specs
 * whose first byte is 0 become 16-bit TLS ciphers; SSLv2-only specs are
 * dropped.  Sets is_sslv2 and TLS_ANOM_SSLV2.  TLS_OK or TLS_MALFORMED. */
enum tls_status	tls_parse_sslv2_client_hello(const uint8_t *msg, size_t len,
		    struct tls_client_hello *out);

/* Parse a ServerHello (or HelloRetryRequest) body[0..len); is_hrr is set
 * when the random is the RFC 8446 HRR value.  A legacy_version of TLS 1.3
 * draft 1-21 (0x7f01-0x7f15) selects those drafts' layout, which has no
 * session_id and compression.  *out is fully overwritten.
 * TLS_OK or TLS_MALFORMED, as for tls_parse_client_hello(). */
enum tls_status	tls_parse_server_hello(const uint8_t *body, size_t len,
		    struct tls_server_hello *out);

/* Split a Certificate handshake body[0..len) into its certificates, as
 * offsets into body (borrowed: valid while body is).  is_tls13 selects the
 * RFC 8446 layout (request context, per-entry extensions).  *out is fully
 * overwritten.  TLS_OK or TLS_MALFORMED (entries before the fault kept). */
enum tls_status	tls_parse_certificate(const uint8_t *body, size_t len,
		    bool is_tls13, struct tls_certificate *out);

#endif

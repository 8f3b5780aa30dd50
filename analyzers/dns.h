/* analyzers/dns.h: DNS message parser (RFC 1035, EDNS(0) RFC 6891, client
 * subnet RFC 7871).
 *
 * Pure parser: a UDP payload, or a TCP stream with its 2-byte length
 * prefix, in; struct dns_message out.  Names are decompressed with a loop
 * guard and printed as dotted text without the trailing dot ("." for the
 * root), escaped like dig: '.' '\\' '"' ';' '(' ')' '@' '$' inside a label
 * get a backslash, bytes outside 0x21..0x7e become \DDD.  Questions and
 * answers are stored up to fixed caps; the authority and additional
 * sections are walked (the OPT record is kept) but not stored. */
#ifndef FP_ANALYZERS_DNS_H
#define FP_ANALYZERS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN		12
#define DNS_NAME_TEXT		256	/* bytes of text incl. NUL; cut beyond */
#define DNS_MAX_NAME_WIRE	255	/* RFC 1035 2.3.4 */
#define DNS_MAX_HOPS		32	/* compression pointers per name */
#define DNS_MAX_QUESTIONS	4
#define DNS_MAX_ANSWERS		16
#define DNS_MAX_OPTIONS		16
#define DNS_MAX_RRS		256	/* records walked per message */

/* Anomalies (struct dns_message.anomalies). */
#define DNS_ANOM_PTR_LOOP		0x00000001u	/* hop limit hit */
#define DNS_ANOM_PTR_OUT_OF_RANGE	0x00000002u	/* beyond the message */
#define DNS_ANOM_PTR_FORWARD		0x00000004u	/* points at or after itself */
#define DNS_ANOM_BAD_LABEL_TYPE		0x00000008u	/* 0x40/0x80 label */
#define DNS_ANOM_NAME_TOO_LONG		0x00000010u	/* over 255 octets */
#define DNS_ANOM_NAME_TEXT_CUT		0x00000020u	/* over DNS_NAME_TEXT */
#define DNS_ANOM_QUESTIONS_TRUNCATED	0x00000040u	/* over DNS_MAX_QUESTIONS */
#define DNS_ANOM_ANSWERS_TRUNCATED	0x00000080u
#define DNS_ANOM_OPTIONS_TRUNCATED	0x00000100u
#define DNS_ANOM_MULTIPLE_OPT		0x00000200u
#define DNS_ANOM_OPT_NOT_ROOT		0x00000400u	/* OPT owner not "." */
#define DNS_ANOM_OPT_NOT_ADDITIONAL	0x00000800u
#define DNS_ANOM_BAD_RDLENGTH		0x00001000u	/* A/AAAA/name rdata odd */
#define DNS_ANOM_BAD_ECS		0x00002000u	/* ECS family/prefix/len */
#define DNS_ANOM_TRAILING_DATA		0x00004000u	/* bytes after the records */
#define DNS_ANOM_COUNTS_SHORT		0x00008000u	/* fewer records than counts */
#define DNS_ANOM_Z_BIT			0x00010000u	/* reserved header bit */
#define DNS_ANOM_TOO_MANY_RRS		0x00020000u	/* over DNS_MAX_RRS */

enum dns_status {
	DNS_OK,
	DNS_NEED_MORE,		/* TCP only: the message is not all here */
	DNS_NOT_DNS,		/* too short for a header, or absurd */
	DNS_MALFORMED		/* header fine, body broken; *out partial */
};

enum dns_section { DNS_SEC_ANSWER, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL };

struct dns_question {
	char		name[DNS_NAME_TEXT];
	uint16_t	type;
	uint16_t	class;
};

struct dns_rr {
	char		name[DNS_NAME_TEXT];
	uint16_t	type;
	uint16_t	class;
	uint32_t	ttl;
	uint16_t	rdlength;
	/* A: addr[0..4); AAAA: addr[0..16); CNAME/PTR/NS/DNAME/MX: target
	 * (MX also pref); other types: rdata not decoded. */
	uint8_t		addr[16];
	uint16_t	pref;
	char		target[DNS_NAME_TEXT];
};

struct dns_ecs {
	uint16_t	family;		/* 1 IPv4, 2 IPv6 */
	uint8_t		source_prefix;
	uint8_t		scope_prefix;
	uint8_t		addr[16];	/* zero-padded */
};

struct dns_option {
	uint16_t	code;
	uint16_t	len;
};

struct dns_edns {
	uint16_t	udp_size;	/* OPT class */
	uint8_t		ext_rcode;	/* high 8 bits of the 12-bit rcode */
	uint8_t		version;
	bool		is_do;		/* DNSSEC OK */
	uint16_t	z;		/* the other 15 flag bits */
	struct dns_option options[DNS_MAX_OPTIONS];
	uint8_t		n_options;
	bool		has_ecs;
	struct dns_ecs	ecs;
	bool		has_cookie;
};

struct dns_message {
	uint16_t	id;
	uint16_t	flags;		/* raw header flags word */
	bool		is_response;	/* QR */
	uint8_t		opcode;
	bool		is_aa, is_tc, is_rd, is_ra, is_ad, is_cd;
	uint16_t	rcode;		/* 4 bits, 12 with EDNS */
	uint16_t	qdcount, ancount, nscount, arcount;
	struct dns_question questions[DNS_MAX_QUESTIONS];
	uint8_t		n_questions;
	struct dns_rr	answers[DNS_MAX_ANSWERS];
	uint8_t		n_answers;
	bool		has_edns;
	struct dns_edns	edns;
	size_t		len;		/* message bytes (no TCP prefix) */
	uint32_t	anomalies;	/* DNS_ANOM_* */
};

/* Parse one DNS message msg[0..len) (a UDP payload).  Pure; *out is fully
 * overwritten (entries of questions[] and answers[] past n_questions and
 * n_answers excepted: they are left as they were) and, on DNS_MALFORMED,
 * holds what came before the damage. */
enum dns_status dns_parse(const uint8_t *msg, size_t len,
		    struct dns_message *out);

/* Parse the first message of a DNS-over-TCP stream buf[0..len) (2-byte
 * length prefix).  *consumed gets prefix + message length on DNS_OK (the
 * next message starts there); DNS_NEED_MORE until all of it is here. */
enum dns_status dns_parse_tcp(const uint8_t *buf, size_t len,
		    struct dns_message *out, size_t *consumed);

/* Read the (possibly compressed) name at msg[off] into text (DNS_NAME_TEXT
 * bytes).  Returns the offset just past the name where it sits (not where
 * pointers lead), or 0 if it is broken; anomalies get DNS_ANOM_* bits.
 * Exposed for tests. */
size_t		dns_read_name(const uint8_t *msg, size_t len, size_t off,
		    char *text, uint32_t *anomalies);

#endif

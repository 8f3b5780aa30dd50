/* sink/record.h: check a Kafka message is one of our records, pick fields.
 *
 * A message is untrusted bytes.  rec_parse() walks all of it with the
 * bounds-checked cursor: it must be one JSON object, strictly RFC 8259, and
 * acceptable to PostgreSQL's jsonb (valid UTF-8, no \u0000, paired
 * surrogates, numbers of sane size, nesting at most REC_MAX_DEPTH), so that
 * storing it can never fail inside a batch.  The fields the sink stores in
 * columns or keys on are copied out, unescaped, and checked against
 * schema/record.schema.json: schema_version 1, event_id 32 lower-case hex
 * digits, ts_start/ts_end as the sensor writes them (a real UTC date and
 * time), client/server ip (an IPv4 or IPv6 address) and port, proto.  Any of
 * those given twice makes the record invalid, since jsonb keeps only the
 * last and the columns would then disagree with the stored JSON. */
#ifndef FP_SINK_RECORD_H
#define FP_SINK_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define REC_MAX_DEPTH		32
#define REC_IP_MAX		64
#define REC_STR_MAX		256
#define REC_SCHEMA_VERSION	1

enum rec_status {
	REC_OK,
	REC_NOT_JSON,		/* not valid JSON (or not jsonb-safe) */
	REC_NOT_OBJECT,		/* valid JSON, but not an object */
	REC_TOO_DEEP,
	REC_BAD_SCHEMA,		/* a required member missing or malformed */
	REC_BAD_VERSION,	/* schema_version we do not know */
	REC_N_STATUS
};

struct rec_fields {
	uint32_t	 schema_version;
	char		 event_id[33];
	char		 ts_start[32];	/* 2026-11-23T01:35:55.695015Z */
	char		 ts_end[32];
	char		 client_ip[REC_IP_MAX];
	uint32_t	 client_port;
	char		 server_ip[REC_IP_MAX];
	uint32_t	 server_port;
	char		 proto[8];
	/* Optional, "" when absent or longer than REC_STR_MAX - 1. */
	char		 ja4t[REC_STR_MAX];	/* tcp.syn.ja4t */
	char		 raw_sig[REC_STR_MAX];	/* tcp.syn.raw_sig */
	char		 os[REC_STR_MAX];	/* tcp.syn.os */
	char		 model_version[64];	/* model.version */
	const char	*why;		/* static text: the first problem */
};

/* Check buf[0..len) and fill *out (fully overwritten).  Pure: no
 * allocation, no globals, safe on any input. */
enum rec_status	rec_parse(const uint8_t *buf, size_t len,
		    struct rec_fields *out);

/* "ok", "not_json", ...: counter and dead-letter header names. */
const char	*rec_status_name(enum rec_status st);

/* Day number (days since 1970-01-01) of a validated ts string. */
int32_t		rec_day(const char *ts);

#endif

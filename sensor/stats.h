/* sensor/stats.h: counters of one pipeline, printed by --stats. */
#ifndef FP_SENSOR_STATS_H
#define FP_SENSOR_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "sensor/decode.h"

/* The main analyzer of a record, for fpsensor_records_total{type}. */
enum fp_rec_type {
	FP_REC_OTHER = 0, FP_REC_TCP, FP_REC_TLS, FP_REC_QUIC, FP_REC_HTTP,
	FP_REC_DNS, FP_REC_SSH, FP_REC_N_TYPES
};

struct fp_stats {
	uint64_t	 packets;		/* frames read */
	uint64_t	 bytes;			/* their wire length */
	uint64_t	 analysed;		/* decoded to TCP/UDP */
	uint64_t	 skipped[DECODE_N_STATUS];	/* by reason */
	uint64_t	 first_fragments;	/* analysed, rest counted */
	uint64_t	 tunnelled;
	uint64_t	 ts_backwards;		/* timestamp went back */
	uint64_t	 late_packets;		/* after the flow's record */
	uint64_t	 records;		/* written */
	uint64_t	 records_too_big;	/* over the record buffer */
	uint64_t	 records_failed;	/* output refused */
	uint64_t	 records_type[FP_REC_N_TYPES];	/* written, by type */
};

/* "tcp", "tls", ... for a type; the type of analyzer name (registry). */
const char		*stats_rec_type_name(enum fp_rec_type t);
enum fp_rec_type	 stats_rec_type_of(const char *analyzer);

struct pipeline;

/* Print every counter as key=value lines, one per line. */
void	stats_print(FILE *fp, const struct pipeline *p);

#endif

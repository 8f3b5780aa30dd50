/* sensor/stats.h: counters of one pipeline, printed by --stats. */
#ifndef FP_SENSOR_STATS_H
#define FP_SENSOR_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "sensor/decode.h"

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
};

struct pipeline;

/* Print every counter as key=value lines, one per line. */
void	stats_print(FILE *fp, const struct pipeline *p);

#endif

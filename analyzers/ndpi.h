/* analyzers/ndpi.h: application protocol, category and risks from nDPI.
 *
 * Each flow's first packets (max_packets, both directions together) are
 * handed to nDPI as IP packets; feeding stops earlier once nDPI has named
 * the protocol and expects nothing more from the flow.  What nDPI concluded
 * is then kept in the flow's own small state and nDPI's per-flow state is
 * given back at once, so it is held only during that window.
 *
 * nDPI's per-flow state (struct ndpi_flow_struct, about 700 bytes with
 * libndpi 4.2) lives in a pool the worker allocates at start, one slot per
 * flow the table can hold, handed out on a flow's first packet and taken
 * back when detection stops or the flow ends (the analyzer's end()
 * callback).  A pool rather than inline analyzer state: the flow table's
 * per-flow state stays small for every other analyzer, --no-ndpi costs no
 * memory at all, and with the free list reusing the most recently returned
 * slots only about as many slots as there are flows in their detection
 * window are ever touched.  nDPI itself still allocates a few strings per
 * flow (URLs, certificate names) inside the library; they are freed when the
 * slot is given back.
 *
 * The detection module (automata, protocol tables) belongs to one worker and
 * is reached through struct an_ctx's ndpi member.  nDPI names its symbols
 * ndpi_*, so this module uses fp_ndpi_* to stay out of its way.
 *
 * Built without nDPI, fp_ndpi_new() fails with "not built with nDPI" and
 * the analyzer never writes anything. */
#ifndef FP_ANALYZERS_NDPI_H
#define FP_ANALYZERS_NDPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analyzers/analyzer.h"

#define FP_NDPI_PACKETS_DEFAULT	24
#define FP_NDPI_PACKETS_MAX	1000

struct fp_ndpi;

struct fp_ndpi_settings {
	uint32_t	 max_packets;	/* fed per flow; 0: default */
	uint32_t	 max_flows;	/* pool slots: the flow table's size */
};

/* True if this build has nDPI. */
bool		 fp_ndpi_is_built(void);

/* Create one worker's detection module and flow pool.  Returns it (owned by
 * caller), or NULL with the reason in err. */
struct fp_ndpi	*fp_ndpi_new(const struct fp_ndpi_settings *s, char *err,
		    size_t errsz);

/* Free the module and the pool, with any nDPI flow state still held.
 * NULL is a no-op. */
void		 fp_ndpi_free(struct fp_ndpi *w);

/* nDPI's version string, or NULL without nDPI. */
const char	*fp_ndpi_version(void);

/* Counters as key=value lines (zeros when w is NULL). */
void		 fp_ndpi_stats_print(FILE *fp, const struct fp_ndpi *w);

extern const struct analyzer fp_ndpi_analyzer;

#endif

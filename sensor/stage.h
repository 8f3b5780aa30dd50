/* sensor/stage.h: a replay in two stages, each on its own thread.
 *
 * The reader walks the capture, decodes each frame (decode_packet()) and
 * works out what the pipeline needs before it looks at a flow (the flow
 * key and its hash: pipeline_prepare()); the caller's thread takes the
 * packets in order and analyses them.  That is about a fifth of the
 * instructions of a replay with every analyzer on (callgrind on the bench
 * corpus), and reading a memory-mapped file faults its pages in: both
 * leave the analysing thread.  The packets pass in batches through a ring
 * of 2,048; their pointers (struct packet's l3, payload, ...) point into
 * the capture's buffer, which stays valid for them only where the capture
 * keeps what it has read: a memory-mapped classic pcap (capture_map()).
 * So only that case is staged; any other runs on the caller's thread with
 * the same callbacks, as does one whose reader thread cannot be started.
 *
 * Order, output and counters are the same either way; only which thread
 * does what differs.  struct stage_report says which ran, and for a
 * replay in two stages which one held the other up: each stage's CPU time,
 * and how often each waited for the other. */
#ifndef FP_SENSOR_STAGE_H
#define FP_SENSOR_STAGE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sensor/capture.h"
#include "sensor/decode.h"
#include "sensor/pipeline.h"

/* On the reader's thread, for a packet decoded DECODE_OK: fill *pre. */
typedef void	stage_prep_fn(const void *prep_arg, const struct packet *pkt,
		    struct pipeline_pre *pre);

/* One decoded packet to analyse: pkt as decode_packet() left it (ts_us
 * and wire_len set), st its status, pre as prep filled it (unset unless
 * st is DECODE_OK, or without a prep). */
typedef void	stage_fn(void *arg, struct packet *pkt,
		    enum decode_status st, const struct pipeline_pre *pre);

struct stage_ops {
	stage_prep_fn	*prep;		/* NULL: none */
	const void	*prep_arg;
	stage_fn	*fn;
	void		*arg;
};

struct stage_report {
	bool		staged;		/* the reader ran on its own thread */
	/* Staged only (else 0).  CPU seconds of the reader's thread and of
	 * the analysing (calling) thread over the replay, and how often the
	 * reader found the ring full (the analysis is the slower stage) and
	 * the analysis found it empty (the reader is). */
	double		reader_cpu_s;
	double		analysis_cpu_s;
	uint64_t	reader_waits;
	uint64_t	analysis_waits;
};

/* Replay c to its end or until *stop, calling ops->fn for each packet in
 * order on this thread.  When two_threads and c is mapped (capture_map()),
 * the reader decodes and calls ops->prep on a thread of its own; else (or
 * when that thread cannot be started) this thread does it all.  *rep says
 * which, and how the stages fared.  What capture_run() returns. */
enum capture_result	stage_run(struct capture *c,
			    const struct stage_ops *ops, bool two_threads,
			    volatile sig_atomic_t *stop,
			    struct stage_report *rep);

/* The --stats lines of *rep: replay_decode_thread=0|1, and when staged and
 * timings (they vary from run to run) replay_{reader,analysis}_cpu_seconds
 * and replay_{reader,analysis}_waits. */
void			stage_report_print(FILE *fp,
			    const struct stage_report *rep, bool timings);

#endif

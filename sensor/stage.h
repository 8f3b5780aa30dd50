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
 * So stage_run() is for that case alone; others replay with capture_run().
 *
 * Order, output and counters are those of capture_run() with a callback
 * that decodes and analyses; only which thread does what differs. */
#ifndef FP_SENSOR_STAGE_H
#define FP_SENSOR_STAGE_H

#include <signal.h>

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

/* Replay c, mapped, to its end or until *stop: the reader decodes and
 * calls prep(prep_arg, ...) (when not NULL) on a thread of its own,
 * fn(arg, ...) runs here for each packet in order.  What capture_run()
 * would return; CAPTURE_DAMAGED with c->err also when the reader thread
 * cannot be started. */
enum capture_result	stage_run(struct capture *c, stage_prep_fn *prep,
			    const void *prep_arg, stage_fn *fn, void *arg,
			    volatile sig_atomic_t *stop);

#endif

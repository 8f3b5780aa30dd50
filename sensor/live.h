/* sensor/live.h: live capture with one pipeline per worker thread.
 *
 * Each worker owns a packet source (sensor/capture_live.h; AF_PACKET
 * fanout spreads flows so both directions of one reach the same worker),
 * a pipeline (flow table, analyzers, scratch), its own pseudonymizer, nDPI
 * module and GeoIP cache: nothing on the packet path is shared or locked.
 * The p0f databases and the GeoIP databases are shared read-only.  A
 * worker's records go into its own bounded queue (sensor/recq.h); one
 * output thread drains every queue into the output, which is only ever
 * used from that thread.
 *
 * A worker polls its source with a short timeout; when nothing came, the
 * wall clock moves its pipeline's time forward so idle flows still end.
 * It passes a quiescent point once per poll, outside any packet: a GeoIP
 * reload swaps the new database in, waits until every worker has passed
 * one (live_grace()) and only then frees the old one.
 *
 * Models (sensor/model_set.h): each worker loads and owns its own model
 * set, with its own scorers, verdict caches and counters (XGBoost is not
 * documented as safe to predict with one booster from several threads in
 * the version we build with, so boosters are not shared).  A reload loads
 * a whole new set per worker beside the running ones and hands each to
 * its worker (live_set_models()); the worker swaps at its quiescent
 * point, after writing the records its old set scored, and frees the old
 * set itself.
 *
 * live_stop() asks the workers to stop; each reads what its ring still
 * holds, ends its open flows (reason "shutdown"), closes its queue and
 * exits; the output thread writes what
 * is queued and exits when every queue is closed and empty.
 *
 * Replay (-r with --workers N): the same workers, each taking the packets
 * whose innermost IP address pair hashes to it (symmetrically, so both
 * directions of a flow, its IP fragments and its tunnel reach the same
 * worker).  From a regular file every worker reads the whole file itself
 * (its own struct capture: no packet copied, nothing shared) and skips the
 * others' packets, whose times still move its clock, so idle flows end as
 * in one pipeline.  From a stream (stdin, a FIFO) one reader thread reads
 * it, decodes each packet's headers and copies the packet into its
 * worker's input queue (sensor/recq.h), and every LIVE_FEED_TICK packets
 * tells every worker the capture's time.  A worker's time is the
 * capture's: nothing reads the wall clock.  At the end of the input (or on
 * the stop flag) each worker ends its open flows (reason "eof") and exits.
 * Records are those of a one-pipeline replay, in another order, except
 * what depends on state across flows of different address pairs (the
 * client table) and the flow and event ids. */
#ifndef FP_SENSOR_LIVE_H
#define FP_SENSOR_LIVE_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sensor/capture.h"
#include "sensor/capture_live.h"
#include "sensor/enrich.h"
#include "sensor/metrics.h"
#include "sensor/model_set.h"
#include "sensor/output.h"
#include "sensor/pipeline.h"
#include "sensor/recq.h"

#define LIVE_MAX_WORKERS	64
#define LIVE_POLL_MS		100
#define LIVE_FEED_TICK		4096	/* replay: packets between ticks */

/* One worker's counters, written by the worker (relaxed stores, about
 * every poll) and readable from any thread: --stats, a metrics endpoint. */
struct live_worker_stats {
	_Atomic uint64_t	 packets;	/* handed to the pipeline */
	_Atomic uint64_t	 bytes;		/* their wire length */
	_Atomic uint64_t	 records;	/* queued for the output */
	_Atomic uint64_t	 kernel_packets; /* kernel: passed the filter */
	_Atomic uint64_t	 kernel_drops;	/* kernel: ring full, lost */
	_Atomic uint64_t	 kernel_freezes; /* afpacket: ring-full times */
	_Atomic uint64_t	 if_drops;	/* pcap: lost by the NIC */
	_Atomic uint64_t	 queue_waits;	/* record queue was full */
	_Atomic uint64_t	 flows_active;
	_Atomic uint64_t	 flows_evicted;
};

struct live_config {
	struct capture_live_config cap;
	int		 cpus[LIVE_MAX_WORKERS];	/* --cpu-pin */
	unsigned	 n_cpus;		/* 0: no pinning */
	size_t		 queue_bytes;		/* 0: RECQ_DEFAULT_BYTES */
	const struct model_set_config *models;	/* NULL: none */
	/* Replay: the opened capture (read by the reader thread, or only
	 * its path by each worker), and the flag that stops the reading
	 * (see top); NULL: live, from cap. */
	struct capture	*replay;
	volatile sig_atomic_t *replay_stop;
};

struct live;

struct live_worker {
	struct live		*live;
	unsigned		 index;
	pthread_t		 thread;
	bool			 is_started;
	struct capture_live	 cap;
	struct pipeline		 p;
	bool			 has_pipeline;
	struct enrich_worker	 en;		/* not worker 0: enrich_set's */
	struct recq		 q;
	struct output		 qout;		/* pushes into q */
	struct recq		 in;		/* replay: from the reader */
	struct capture		 rcap;		/* replay of a file: its own */
	bool			 has_rcap;
	uint64_t		 n_seen;	/* packets of the file read */
	_Atomic uint64_t	 quiescent;	/* epoch seen between polls */
	struct live_worker_stats st;
	struct metrics_feed	*feed;		/* l->feeds[index] */
	bool			 has_failed;	/* capture error, see log */
	struct model_set	*models;	/* owned; NULL: none */
	_Atomic(struct model_set *) models_next; /* handed over, not taken */
	struct model_counters	 mcount;	/* the worker's, over reloads */
	unsigned		 n_unchecked;	/* packets since a look at the
						 * held records */
};

struct live {
	struct live_worker	*w;
	unsigned		 n;
	/* One metrics feed per worker (sensor/metrics.h), pushed by the
	 * worker once per poll: for metrics_sensor_register(). */
	struct metrics_feed	*feeds;
	/* Kafka counters for the metrics (NULL: none), set before
	 * live_start(): the output thread publishes them once per turn. */
	struct metrics_kafka	*kafka;
	struct output		*out;		/* borrowed; output thread's */
	int			 cpus[LIVE_MAX_WORKERS];
	unsigned		 n_cpus;
	pthread_t		 out_thread;
	bool			 is_out_started;
	_Atomic bool		 stop;
	_Atomic uint64_t	 epoch;
	_Atomic unsigned	 n_running;	/* workers not yet exited */
	/* Threads named (and workers pinned) so far: live_start() returns
	 * once every thread it started is, so that what it logs next is
	 * true of them. */
	_Atomic unsigned	 n_set_up;
	/* The signature databases the workers' verdicts use: each worker
	 * takes this pointer between polls, so after live_grace() no worker
	 * holds an older set (see live_set_rules()). */
	_Atomic(const struct rules *) rules;
	/* Replay: the reader thread and what it read (see top). */
	struct capture		*replay;	/* borrowed; NULL: live */
	volatile sig_atomic_t	*replay_stop;
	pthread_t		 rd_thread;
	bool			 is_rd_started;
	enum capture_result	 replay_res;	/* after live_join() */
	bool			 is_each;	/* every worker reads the
						 * file (a regular one) */
	uint64_t		 n_fed;		/* packets handed out */
	uint64_t		 n_too_long;	/* too long for a queue */
	uint64_t		 n_written;	/* by the output thread */
	uint64_t		 n_write_errors;
};

/* Make every worker use rules (a reload): returns once none uses the
 * set it had before, which the caller may then free. */
void	live_set_rules(struct live *l, const struct rules *rules);

/* Load a new model set for every worker from cfg (counted into each
 * worker's counters), copy its versions into mr (may be NULL) and hand
 * them over; each worker swaps at its next quiescent point and frees its
 * old set.  0, or -1 with the reason in err and every worker keeping its
 * set. */
int	live_set_models(struct live *l, const struct model_set_config *cfg,
	    struct metrics_rules *mr, char *err, size_t errsz);

/* The model counters of every worker, summed, into c (after
 * live_join()). */

void	live_model_counters(struct live *l, struct model_counters *c);

/* Parse a --cpu-pin list ("0,2,4-7") into cfg.  Returns 0, or -1 with the
 * reason in err. */
int	live_parse_cpus(struct live_config *cfg, const char *list, char *err,
	    size_t errsz);

/* Open every worker's source and set up its pipeline (pc, with worker 0
 * on es's enrichment and the others on their own), queues and counters.
 * Needs the capture privileges; starts no thread.  Returns 0, or -1 with
 * err (a filter that does not compile: err starts with "filter"). */
int	live_open(struct live *l, const struct live_config *cfg,
	    const struct pipeline_config *pc, struct enrich_set *es,
	    const struct enrich_settings *en, struct output *out, char *err,
	    size_t errsz);

/* Start the workers and the output thread (signals are blocked in them:
 * the caller's thread takes them).  Returns 0, or -1 with err. */
int	live_start(struct live *l, char *err, size_t errsz);

/* Ask everything to stop (async-signal-safe). */
void	live_stop(struct live *l);

/* Number of workers still capturing (0: all stopped or failed). */
unsigned live_running(struct live *l);

/* Wait until every running worker has passed a quiescent point after this
 * call: what was unpublished before it is no longer in use. */
void	live_grace(struct live *l);

/* Wait for the workers and the output thread to end.  Returns the number
 * of workers that stopped on a capture error. */
unsigned live_join(struct live *l);

/* Counters: totals over the workers (the pipeline's --stats keys, summed),
 * then kernel_* totals and worker<N>_* per worker. */
void	live_stats_print(FILE *fp, struct live *l);

/* Free everything (after live_join()). */
void	live_close(struct live *l);

#endif

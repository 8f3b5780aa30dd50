/* sensor/model_set.h: the client and OS family models a sensor runs: the
 * primary, an optional candidate that decides for a fixed share of the
 * clients (A/B), and an optional shadow scored beside the primary but
 * never deciding.  All come from one model directory (--model-dir), each
 * a subdirectory named by its version (models/model.h).
 *
 * Which model decides for a flow: the candidate when the keyed hash of
 * the client's address falls in its share (--model-candidate-share PCT),
 * else the primary.  The key is a constant of the program, so a client
 * sees the same version on every flow, across restarts and across the
 * sensors of one deployment.
 *
 * Scoring goes through one LRU verdict cache per model, keyed by the
 * hash of the flow's ja4_r: identical ja4_r gives an identical feature
 * vector, so a cache hit is exact.  A miss queues the row (its features
 * computed at once) in the model's batch of up to MODEL_SET_BATCH rows;
 * the caller scores every queued row with model_set_run() (one XGBoost
 * call per head and model) and then reads each answer.  The caller
 * holds the records whose answers are queued, and those after them, and
 * writes them in their order after the run: records still leave in the
 * order their flows ended (sensor/pipeline.h; fpsensor(8), MODELS).
 * Nothing is allocated by fpsensor per row: each model's batch, scorer
 * and its proxy DMatrix are made when the set loads.
 *
 * Reload: model_set_load() builds a whole new set beside the running
 * one; the caller swaps pointers and frees the old set.  Counters live in
 * struct model_counters, owned by the caller, and survive swaps. */
#ifndef FP_SENSOR_MODEL_SET_H
#define FP_SENSOR_MODEL_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct model;
struct model_scorer;
struct verdict_cache;

enum model_role { MODEL_PRIMARY, MODEL_CANDIDATE, MODEL_SHADOW,
	MODEL_N_ROLES };

#define MODEL_SET_CACHE		4096	/* verdict cache entries per model */
#define MODEL_SET_BATCH_BUCKETS	7	/* bounds of the batch size histogram */
#define MODEL_SET_LAT_BUCKETS	14	/* bounds of the latency histogram */
#define MODEL_SET_MAX_VERSIONS	8	/* versions counted by --stats */
#define MODEL_SET_BATCH		32	/* rows queued per model, at most */

/* One model's answer for one ClientHello.  Strings are borrowed from the
 * model: valid while its set is in use. */
struct model_opinion {
	const char	*version;
	const char	*client;	/* class name */
	const char	*os;
	float		 client_prob;
	float		 os_prob;
	bool		 is_set;
};

struct model_version_count {
	char		 version[64];
	uint64_t	 decided;	/* verdicts it made */
	uint64_t	 shadowed;	/* flows scored as shadow */
	uint64_t	 by_role[MODEL_N_ROLES];	/* opinions given */
};

/* Cumulative over reloads. */
struct model_counters {
	uint64_t	 rows;		/* rows scored (cache misses) */
	uint64_t	 batches;	/* scoring calls per head */
	uint64_t	 cache_hits;	/* of sets already freed */
	uint64_t	 cache_lookups;
	uint64_t	 malformed;	/* ja4_r the extractor refused */
	uint64_t	 failed;	/* XGBoost errors */
	/* Candidate and shadow vs the primary, on the same flows. */
	uint64_t	 compared[MODEL_N_ROLES];
	uint64_t	 disagree_client[MODEL_N_ROLES];
	uint64_t	 disagree_os[MODEL_N_ROLES];
	uint64_t	 reloads, reloads_failed;
	/* Rows per scoring call (both heads score the same rows), and
	 * from a flow's end to its verdict (ns), as histograms: counts
	 * per bucket of model_set_batch_bounds / model_set_lat_bounds, the
	 * last one above them. */
	uint64_t	 batch_hist[MODEL_SET_BATCH_BUCKETS + 1];
	uint64_t	 lat_hist[MODEL_SET_LAT_BUCKETS + 1];
	uint64_t	 lat_sum_ns;
	struct model_version_count version[MODEL_SET_MAX_VERSIONS];
};

extern const double model_set_batch_bounds[MODEL_SET_BATCH_BUCKETS];
extern const double model_set_lat_bounds[MODEL_SET_LAT_BUCKETS];	/* s */

/* Count one verdict made ns after its flow ended. */
void	model_counters_latency(struct model_counters *c, uint64_t ns);

struct model_batch;

struct model_slot {
	struct model		*m;		/* NULL: role unused */
	struct model_scorer	*s;
	struct verdict_cache	*cache;
	struct model_batch	*b;		/* rows queued for scoring */
};

/* One model's answer asked for: known at once (a cache hit), queued, or
 * none (no such model, a ja4_r the extractor refused). */
enum model_ticket_state { MODEL_TICKET_NONE, MODEL_TICKET_READY,
	MODEL_TICKET_QUEUED };

struct model_ticket {
	uint8_t		 state;		/* enum model_ticket_state */
	uint8_t		 row;		/* QUEUED: the row in the batch */
	uint8_t		 client_class, os_class;	/* READY */
	float		 client_prob, os_prob;
};

struct model_set_config {
	const char	*dir;			/* holds <version>/ */
	const char	*version[MODEL_N_ROLES];	/* primary NULL:
							 * the default */
	unsigned	 candidate_pct;		/* 0..100 */
};

struct model_set {
	struct model_slot	 slot[MODEL_N_ROLES];
	unsigned		 candidate_pct;
	struct model_counters	*c;		/* borrowed */
};

/* The version used when --model is not given, of the directory dir:
 * what dir/default names (a symlink to a version directory, or a file
 * holding a version name), else the newest version (version order of the
 * names, e.g. v10 after v9) among subdirectories holding client.json.
 * 0 and the name in buf, or -1 with the reason in err. */
int	model_set_default(const char *dir, char *buf, size_t bufsz, char *err,
	    size_t errsz);

/* Load every model cfg names into *ms, counting into c.  0, or -1 with
 * the reason (naming the file) in err and nothing to free. */
int	model_set_load(struct model_set *ms, const struct model_set_config *cfg,
	    struct model_counters *c, char *err, size_t errsz);

/* Free ms's models, folding their cache counters into ms->c. */
void	model_set_free(struct model_set *ms);

/* The role that decides for the client at addr (4 or 16 bytes). */
enum model_role	model_set_pick(const struct model_set *ms, int ip_version,
		    const uint8_t *addr);

/* Ask model r for its answer on ja4_r s[0..len) into *t: from the cache,
 * or queued (the same ja4_r already queued shares its row, counted as a
 * cache hit).  The model's batch must not be full (model_set_full()).
 * Returns t's state. */
enum model_ticket_state model_set_request(struct model_set *ms,
	    enum model_role r, const char *s, size_t len,
	    struct model_ticket *t);

/* Whether some model's batch is full: run it before the next request. */
bool	model_set_full(const struct model_set *ms);

/* Score every queued row of every model, both heads, in one call per head
 * and model, and put the answers in the caches.  The answers stay
 * readable by model_set_answer() until model_set_clear(). */
void	model_set_run(struct model_set *ms);

/* The answer of ticket t of model r (READY, or QUEUED after
 * model_set_run()).  False (out->is_set false) when there is none: no
 * model, refused ja4_r, or the scoring failed (counted). */
bool	model_set_answer(struct model_set *ms, enum model_role r,
	    const struct model_ticket *t, struct model_opinion *out);

/* Empty every batch (after the answers were read). */
void	model_set_clear(struct model_set *ms);

/* Count that o, of role r, was compared with the primary's p. */
void	model_set_compare(struct model_set *ms, enum model_role r,
	    const struct model_opinion *p, const struct model_opinion *o);

/* Count an opinion of version, given in role r (primary or candidate:
 * a verdict made; shadow: scored beside it). */
void	model_set_count(struct model_set *ms, enum model_role r,
	    const char *version);

const char *model_set_version(const struct model_set *ms, enum model_role r);

/* Add src, and the caches of ms (may be NULL), into dst: the counters of
 * several workers, summed (versions merged by name). */
void	model_counters_add(struct model_counters *dst,
	    const struct model_counters *src, const struct model_set *ms);

/* key=value lines for --stats; ms may be NULL (counters only). */
void	model_counters_print(const struct model_counters *c,
	    const struct model_set *ms, FILE *fp);

#endif

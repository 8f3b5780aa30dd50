/* analyzers/ndpi.c: nDPI glue: detection module, flow pool, analyzer. */
#include "analyzers/ndpi.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

/* What nDPI concluded about a flow. */
struct fp_ndpi_result {
	uint64_t	 risk;		/* ndpi_risk bits */
	uint16_t	 master;	/* protocol ids */
	uint16_t	 app;
	uint16_t	 category;	/* ndpi_protocol_category_t */
	bool		 is_guessed;
};

struct fp_ndpi_slot {
	struct ndpi_flow_struct	 flow;
	uint32_t		 next_free;	/* index + 1, 0: end */
};

struct fp_ndpi {
	struct ndpi_detection_module_struct *mod;
	struct fp_ndpi_slot	*pool;
	uint32_t		 n_slots;
	uint32_t		 n_fresh;	/* slots never handed out start here */
	uint32_t		 free_head;	/* given back: index + 1, 0: none */
	uint32_t		 max_packets;
	/* Counters. */
	uint64_t		 n_flows;	/* flows fed */
	uint64_t		 n_packets;	/* packets fed */
	uint64_t		 n_detected;	/* named by inspection */
	uint64_t		 n_guessed;	/* named from ports/addresses */
	uint64_t		 n_unknown;
	uint64_t		 n_pool_exhausted;
};

/* Per-flow state in the flow table. */
struct fp_ndpi_state {
	struct fp_ndpi_result	 res;	/* last verdict; final once is_done */
	uint32_t		 slot;	/* index + 1 of the pool slot, 0: none */
	uint16_t		 n_fed;
	bool			 is_done;
};

bool
fp_ndpi_is_built(void)
{
	return true;
}

const char *
fp_ndpi_version(void)
{
	return ndpi_revision();
}

struct fp_ndpi *
fp_ndpi_new(const struct fp_ndpi_settings *s, char *err, size_t errsz)
{
	NDPI_PROTOCOL_BITMASK all;
	struct fp_ndpi *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		goto nomem;
	w->max_packets = s->max_packets ? s->max_packets :
	    FP_NDPI_PACKETS_DEFAULT;
	w->n_slots = s->max_flows ? s->max_flows : 1;
	/* calloc, and slots handed out in order from n_fresh: pages of slots
	 * never used are never touched. */
	if ((w->pool = calloc(w->n_slots, sizeof(*w->pool))) == NULL)
		goto nomem;
	if ((w->mod = ndpi_init_detection_module(ndpi_no_prefs)) == NULL) {
		snprintf(err, errsz, "nDPI: cannot create a detection module");
		fp_ndpi_free(w);
		return NULL;
	}
	NDPI_BITMASK_SET_ALL(all);
	ndpi_set_protocol_detection_bitmask2(w->mod, &all);
	ndpi_finalize_initialization(w->mod);
	return w;
nomem:
	snprintf(err, errsz, "nDPI: out of memory for %u flows",
	    s->max_flows);
	fp_ndpi_free(w);
	return NULL;
}

void
fp_ndpi_free(struct fp_ndpi *w)
{
	if (w == NULL)
		return;
	if (w->pool != NULL) {
		bool *is_free = calloc(w->n_fresh + 1, sizeof(*is_free));

		/* Slots still handed out hold nDPI allocations. */
		for (uint32_t i = w->free_head; i != 0 && is_free != NULL;
		    i = w->pool[i - 1].next_free)
			is_free[i - 1] = true;
		for (uint32_t i = 0; i < w->n_fresh && is_free != NULL; i++)
			if (!is_free[i])
				ndpi_free_flow_data(&w->pool[i].flow);
		free(is_free);
	}
	if (w->mod != NULL)
		ndpi_exit_detection_module(w->mod);
	free(w->pool);
	free(w);
}

static struct ndpi_flow_struct *
slot_flow(struct fp_ndpi *w, const struct fp_ndpi_state *st)
{
	return &w->pool[st->slot - 1].flow;
}

static bool
slot_get(struct fp_ndpi *w, struct fp_ndpi_state *st)
{
	uint32_t i = w->free_head;

	if (i != 0)
		w->free_head = w->pool[i - 1].next_free;
	else if (w->n_fresh < w->n_slots)
		i = ++w->n_fresh;
	else
		return false;
	memset(&w->pool[i - 1].flow, 0, sizeof(w->pool[i - 1].flow));
	st->slot = i;
	return true;
}

static void
slot_put(struct fp_ndpi *w, struct fp_ndpi_state *st)
{
	uint32_t i = st->slot;

	if (i == 0)
		return;
	ndpi_free_flow_data(&w->pool[i - 1].flow);
	w->pool[i - 1].next_free = w->free_head;
	w->free_head = i;
	st->slot = 0;
}

static bool
is_named(uint16_t master, uint16_t app)
{
	return app != NDPI_PROTOCOL_UNKNOWN || master != NDPI_PROTOCOL_UNKNOWN;
}

static void
keep(struct fp_ndpi_result *r, ndpi_protocol p)
{
	r->master = p.master_protocol;
	r->app = p.app_protocol;
	r->category = (uint16_t)p.category;
}

/* nDPI's verdict on a flow it was fed: what it named (r holds the last
 * answer of ndpi_detection_process_packet()), or else its guess. */
static void
conclude(struct fp_ndpi *w, struct ndpi_flow_struct *fl,
    struct fp_ndpi_result *r)
{
	uint8_t guessed = 0;

	if (!is_named(r->master, r->app)) {
		keep(r, ndpi_detection_giveup(w->mod, fl, 1, &guessed));
		r->is_guessed = guessed != 0;
	}
	r->risk = fl->risk;
	if (r->is_guessed)
		w->n_guessed++;
	else if (is_named(r->master, r->app))
		w->n_detected++;
	else
		w->n_unknown++;
}

static bool
ndpi_an_packet(void *state, struct an_ctx *ctx, const struct flow *f,
    const struct packet *pkt, int dir)
{
	struct fp_ndpi_state *st = state;
	struct fp_ndpi *w = ctx->ndpi;
	struct ndpi_flow_struct *fl;

	if (w == NULL || st->is_done)
		return false;
	if (pkt->l3 == NULL || pkt->l3_len == 0)
		return true;
	if (st->slot == 0) {
		if (!slot_get(w, st)) {
			w->n_pool_exhausted++;
			st->is_done = true;	/* and nothing to say */
			return false;
		}
		w->n_flows++;
	}
	fl = slot_flow(w, st);
	keep(&st->res, ndpi_detection_process_packet(w->mod, fl, pkt->l3,
	    (unsigned short)(pkt->l3_len > 0xffff ? 0xffff : pkt->l3_len),
	    pkt->ts_us / 1000));
	st->n_fed++;
	w->n_packets++;
	if (st->n_fed >= w->max_packets ||
	    (is_named(st->res.master, st->res.app) &&
	    !ndpi_extra_dissection_possible(w->mod, fl))) {
		/* Detection over: keep the verdict, give the slot back. */
		conclude(w, fl, &st->res);
		slot_put(w, st);
		st->is_done = true;
	}
	return !st->is_done;
}

static bool
ndpi_an_has_output(const void *state)
{
	const struct fp_ndpi_state *st = state;

	return st->n_fed != 0;
}

static void
ndpi_an_emit(const void *state, const struct an_ctx *ctx,
    const struct flow *f, struct json *j)
{
	const struct fp_ndpi_state *st = state;
	struct fp_ndpi *w = ctx->ndpi;
	struct fp_ndpi_result r;
	ndpi_protocol p;
	char name[64];
	uint16_t cli = 0, srv = 0;

	if (w == NULL)
		return;
	r = st->res;
	if (!st->is_done && st->slot != 0)	/* ended inside its window */
		conclude(w, slot_flow(w, st), &r);
	p.master_protocol = r.master;
	p.app_protocol = r.app;
	p.category = (ndpi_protocol_category_t)r.category;
	json_obj_open(j, "ndpi");
	json_str(j, "proto", ndpi_protocol2name(w->mod, p, name,
	    sizeof(name)));
	if (r.master != NDPI_PROTOCOL_UNKNOWN && r.master != r.app)
		json_str(j, "master", ndpi_get_proto_name(w->mod, r.master));
	json_str(j, "app", ndpi_get_proto_name(w->mod,
	    r.app != NDPI_PROTOCOL_UNKNOWN ? r.app : r.master));
	json_str(j, "category", ndpi_category_get_name(w->mod, p.category));
	if (r.is_guessed)
		json_bool(j, "guessed", true);
	if (r.risk != 0) {
		json_arr_open(j, "risks");
		for (int i = 1; i < NDPI_MAX_RISK && i < 64; i++)
			if (r.risk & ((uint64_t)1 << i))
				json_str(j, NULL,
				    ndpi_risk2str((ndpi_risk_enum)i));
		json_arr_close(j);
		json_u64(j, "risk_score", ndpi_risk2score(r.risk, &cli, &srv));
	}
	json_obj_close(j);
}

static void
ndpi_an_end(void *state, struct an_ctx *ctx)
{
	struct fp_ndpi_state *st = state;

	if (ctx->ndpi != NULL)
		slot_put(ctx->ndpi, st);
	st->is_done = true;
}

void
fp_ndpi_stats_print(FILE *fp, const struct fp_ndpi *w)
{
	static const struct fp_ndpi none;

	if (w == NULL)
		w = &none;
	fprintf(fp, "ndpi_flows=%" PRIu64 "\n", w->n_flows);
	fprintf(fp, "ndpi_packets=%" PRIu64 "\n", w->n_packets);
	fprintf(fp, "ndpi_detected=%" PRIu64 "\n", w->n_detected);
	fprintf(fp, "ndpi_guessed=%" PRIu64 "\n", w->n_guessed);
	fprintf(fp, "ndpi_unknown=%" PRIu64 "\n", w->n_unknown);
	fprintf(fp, "ndpi_pool_exhausted=%" PRIu64 "\n", w->n_pool_exhausted);
	fprintf(fp, "ndpi_pool_high_water=%u\n", w->n_fresh);
}

const struct analyzer fp_ndpi_analyzer = {
	.name = "ndpi",
	.state_size = sizeof(struct fp_ndpi_state),
	.packet = ndpi_an_packet,
	.has_output = ndpi_an_has_output,
	.emit = ndpi_an_emit,
	.end = ndpi_an_end,
};

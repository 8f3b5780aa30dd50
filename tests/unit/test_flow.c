/* tests/unit/test_flow.c */
#include "sensor/flow.h"

#include "tests/test.h"

struct ended {
	uint64_t	 ids[64];
	int		 why[64];
	int		 n;
};

static void
on_end(void *arg, struct flow *f, enum flow_end why)
{
	struct ended *e = arg;

	if (e->n < 64) {
		e->ids[e->n] = f->id;
		e->why[e->n++] = why;
	}
}

static struct packet
pkt_v4(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.ip_version = 4;
	p.l4_proto = 6;
	for (int i = 0; i < 4; i++) {
		p.src[i] = (uint8_t)(src >> (24 - 8 * i));
		p.dst[i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	p.sport = sport;
	p.dport = dport;
	return p;
}

static void
test_both_directions(void)
{
	struct flow_config cfg = { .max_flows = 8, .tcp_idle_us = 1000,
	    .udp_idle_us = 1000, .closing_us = 100 };
	struct ended e = { 0 };
	struct flow_table *t = flow_table_new(&cfg, 24, 7, on_end, &e);
	struct packet a = pkt_v4(0x0a000001, 40000, 0x0a000002, 443);
	struct packet b = pkt_v4(0x0a000002, 443, 0x0a000001, 40000);
	struct flow_key ka, kb;
	int sa, sb;
	struct flow *f;

	CHECK(t != NULL);
	flow_key_make(&a, &ka, &sa);
	flow_key_make(&b, &kb, &sb);
	CHECK(memcmp(&ka, &kb, sizeof(ka)) == 0);
	CHECK(sa != sb);
	CHECK(flow_find(t, &ka) == NULL);
	f = flow_insert(t, &ka, 10);
	CHECK(flow_find(t, &kb) == f);
	/* VLAN and tunnel context keep otherwise equal tuples apart. */
	a.vlan[0] = 100;
	flow_key_make(&a, &ka, &sa);
	CHECK(flow_find(t, &ka) == NULL);
	a.vlan[0] = 0;
	a.tunnel = DECODE_TUN_VXLAN;
	a.tunnel_id = 5;
	flow_key_make(&a, &ka, &sa);
	CHECK(flow_find(t, &ka) == NULL);
	flow_flush(t, FLOW_END_EOF);
	CHECK_EQ_U(e.n, 1);
	CHECK_EQ_U(e.why[0], FLOW_END_EOF);
	CHECK_EQ_U(t->n_active, 0);
	flow_table_free(t);
}

static void
test_eviction_and_timeouts(void)
{
	struct flow_config cfg = { .max_flows = 4, .tcp_idle_us = 1000,
	    .udp_idle_us = 500, .closing_us = 100 };
	struct ended e = { 0 };
	struct flow_table *t = flow_table_new(&cfg, 0, 1, on_end, &e);
	struct flow *f[6];

	for (uint32_t i = 0; i < 6; i++) {
		struct packet p = pkt_v4(0x0a000001, (uint16_t)(1000 + i),
		    0x0a000002, 80);
		struct flow_key k;
		int s;

		flow_key_make(&p, &k, &s);
		f[i] = flow_insert(t, &k, 100 + i);
		CHECK(f[i] != NULL);
		CHECK(flow_find(t, &k) == f[i]);
	}
	/* Capacity 4: flows 1 and 2 were evicted, least recent first. */
	CHECK_EQ_U(t->n_active, 4);
	CHECK_EQ_U(e.n, 2);
	CHECK_EQ_U(e.ids[0], 1);
	CHECK_EQ_U(e.ids[1], 2);
	CHECK_EQ_U(e.why[0], FLOW_END_EVICTED);
	CHECK_EQ_U(t->n_ended[FLOW_END_EVICTED], 2);

	/* Touching flow 3 makes it the most recent; idle expiry then takes
	 * 4, 5, 6 first. */
	flow_touch(t, f[2], FLOW_LIST_TCP, 2000);
	flow_expire(t, 1106);
	CHECK_EQ_U(e.n, 5);
	CHECK_EQ_U(e.ids[2], 4);
	CHECK_EQ_U(e.why[2], FLOW_END_IDLE);
	CHECK_EQ_U(t->n_active, 1);

	/* A closing flow ends after the closing timeout with its reason. */
	f[2]->flags |= FLOW_F_RST;
	flow_touch(t, f[2], FLOW_LIST_CLOSING, 2000);
	flow_expire(t, 2050);
	CHECK_EQ_U(t->n_active, 1);
	flow_expire(t, 2100);
	CHECK_EQ_U(t->n_active, 0);
	CHECK_EQ_U(e.why[5], FLOW_END_RST);
	flow_table_free(t);
}

static void
test_many(void)
{
	struct flow_config cfg = { .max_flows = 1000,
	    .tcp_idle_us = 1u << 30, .udp_idle_us = 1u << 30, .closing_us = 1 };
	struct flow_table *t = flow_table_new(&cfg, 16, 3, NULL, NULL);
	uint32_t found = 0;

	for (uint32_t i = 0; i < 3000; i++) {
		struct packet p = pkt_v4(0x0a000000 + i, 1234, 0x0a0000ff, 53);
		struct flow_key k;
		int s;

		flow_key_make(&p, &k, &s);
		flow_insert(t, &k, i);
	}
	for (uint32_t i = 2000; i < 3000; i++) {
		struct packet p = pkt_v4(0x0a000000 + i, 1234, 0x0a0000ff, 53);
		struct flow_key k;
		int s;

		flow_key_make(&p, &k, &s);
		found += flow_find(t, &k) != NULL;
	}
	CHECK_EQ_U(found, 1000);
	CHECK_EQ_U(t->n_ended[FLOW_END_EVICTED], 2000);
	CHECK_EQ_U(t->max_active, 1000);
	flow_table_free(t);
	struct flow_config bad = { .max_flows = 0, .tcp_idle_us = 1,
	    .udp_idle_us = 1, .closing_us = 1 };
	CHECK(flow_table_new(&bad, 0, 0, NULL, NULL) == NULL);
}

/* Flow ids from id_first by id_step: the numbering of worker 2 of 3. */
static void
test_id_stride(void)
{
	struct flow_config cfg = { .max_flows = 8, .tcp_idle_us = 1000,
	    .udp_idle_us = 1000, .closing_us = 100, .id_first = 3,
	    .id_step = 3 };
	struct ended e = { 0 };
	struct flow_table *t = flow_table_new(&cfg, 0, 7, on_end, &e);
	struct flow_key k;
	int side;

	CHECK(t != NULL);
	for (uint32_t i = 0; i < 4; i++) {
		struct packet p = pkt_v4(0x0a000001 + i, 40000, 0x0a000002,
		    443);

		flow_key_make(&p, &k, &side);
		CHECK_EQ_U(flow_insert(t, &k, 10)->id, 3 + 3 * i);
	}
	flow_table_free(t);
	cfg.id_first = cfg.id_step = 0;		/* the default: 1, 2, ... */
	t = flow_table_new(&cfg, 0, 7, on_end, &e);
	CHECK(t != NULL);
	CHECK_EQ_U(flow_insert(t, &k, 10)->id, 1);
	flow_table_free(t);
}

int
main(void)
{
	test_both_directions();
	test_eviction_and_timeouts();
	test_many();
	test_id_stride();
	return test_done("test_flow");
}

/* sensor/capture_live.c: a worker's live packet source (AF_PACKET or
 * libpcap). */
#include "sensor/capture_live.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#define LIVE_PCAP_TIMEOUT_MS	10	/* libpcap's ring block timeout */

static const char *const method_names[] = {
	[CAPTURE_METHOD_AUTO] = "auto",
	[CAPTURE_METHOD_PCAP] = "pcap",
	[CAPTURE_METHOD_AFPACKET] = "afpacket",
};

int
capture_method_parse(const char *s, enum capture_method *m)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(*method_names);
	    i++)
		if (strcmp(s, method_names[i]) == 0) {
			*m = (enum capture_method)i;
			return 0;
		}
	return -1;
}

const char *
capture_method_name(enum capture_method m)
{
	return (unsigned)m < sizeof(method_names) / sizeof(*method_names) ?
	    method_names[m] : "?";
}

/* bpf compiled for link type dlt on a dead handle. */
static int
compile_dead(const char *bpf, int dlt, struct bpf_program *prog, char *err,
    size_t errsz)
{
	pcap_t *dead = pcap_open_dead(dlt, (int)AFPACKET_SNAPLEN);
	int rc = 0;

	if (dead == NULL) {
		snprintf(err, errsz, "filter '%s': cannot compile", bpf);
		return -1;
	}
	if (pcap_compile(dead, prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errsz, "filter '%s': %s", bpf,
		    pcap_geterr(dead));
		rc = -1;
	}
	pcap_close(dead);
	return rc;
}

static int
open_afpacket(struct capture_live *c, const struct capture_live_config *cfg,
    char *err, size_t errsz)
{
	struct bpf_program prog;
	bool has_prog = cfg->bpf != NULL && cfg->bpf[0] != '\0';
	int dlt, rc;

	if (has_prog) {
		if ((dlt = afpacket_iface_dlt(cfg->iface)) < 0) {
			snprintf(err, errsz, "%s: %s", cfg->iface,
			    errno == ENODEV ? "no such interface" :
			    strerror(errno));
			return -1;
		}
		if (compile_dead(cfg->bpf, dlt, &prog, err, errsz) != 0)
			return -1;
	}
	rc = afpacket_open(&c->af, cfg->iface, cfg->ring_mb,
	    has_prog ? &prog : NULL, cfg->fanout_group, err, errsz);
	if (has_prog)
		pcap_freecode(&prog);
	return rc;
}

static int
pcap_fail(struct capture_live *c, const char *iface, const char *what,
    char *err, size_t errsz)
{
	snprintf(err, errsz, "%s: %s", iface, what);
	capture_live_close(c);
	return -1;
}

static int
open_pcap(struct capture_live *c, const struct capture_live_config *cfg,
    char *err, size_t errsz)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;

	if (cfg->n_workers > 1) {
		snprintf(err, errsz, "--capture-method pcap reads with one "
		    "worker (--workers 1); afpacket spreads flows over "
		    "workers");
		return -1;
	}
	if ((c->pcap = pcap_create(cfg->iface, eb)) == NULL)
		return pcap_fail(c, cfg->iface, eb, err, errsz);
	pcap_set_snaplen(c->pcap, (int)AFPACKET_SNAPLEN);
	pcap_set_promisc(c->pcap, 1);
	pcap_set_timeout(c->pcap, LIVE_PCAP_TIMEOUT_MS);
	pcap_set_buffer_size(c->pcap, (int)(cfg->ring_mb << 20));
	if (pcap_activate(c->pcap) < 0)
		return pcap_fail(c, cfg->iface, pcap_geterr(c->pcap), err,
		    errsz);
	if (cfg->bpf != NULL && cfg->bpf[0] != '\0') {
		if (compile_dead(cfg->bpf, pcap_datalink(c->pcap), &prog, err,
		    errsz) != 0) {
			capture_live_close(c);
			return -1;
		}
		if (pcap_setfilter(c->pcap, &prog) != 0) {
			pcap_freecode(&prog);
			return pcap_fail(c, cfg->iface, pcap_geterr(c->pcap),
			    err, errsz);
		}
		pcap_freecode(&prog);
	}
	if (pcap_setnonblock(c->pcap, 1, eb) != 0 ||
	    (c->pcap_fd = pcap_get_selectable_fd(c->pcap)) < 0)
		return pcap_fail(c, cfg->iface, "no selectable descriptor",
		    err, errsz);
	return 0;
}

int
capture_live_open(struct capture_live *c,
    const struct capture_live_config *cfg, char *err, size_t errsz)
{
	memset(c, 0, sizeof(*c));
	c->af.fd = -1;
	c->pcap_fd = -1;
	c->method = cfg->method;
	if (c->method == CAPTURE_METHOD_AUTO)
#ifdef __linux__
		c->method = CAPTURE_METHOD_AFPACKET;
#else
		c->method = CAPTURE_METHOD_PCAP;
#endif
	if (c->method == CAPTURE_METHOD_AFPACKET)
		return open_afpacket(c, cfg, err, errsz);
	return open_pcap(c, cfg, err, errsz);
}

int
capture_live_dlt(const struct capture_live *c)
{
	return c->pcap != NULL ? pcap_datalink(c->pcap) : c->af.dlt;
}

struct pcap_cb {
	capture_fn	*fn;
	void		*arg;
	int		 dlt;
};

static void
on_pcap(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	const struct pcap_cb *cb = (const void *)user;

	cb->fn(cb->arg, cb->dlt, (uint64_t)h->ts.tv_sec * 1000000 +
	    (uint64_t)h->ts.tv_usec, data, h->caplen, h->len);
}

int
capture_live_poll(struct capture_live *c, int timeout_ms, capture_fn *fn,
    void *arg, char *err, size_t errsz)
{
	struct pollfd pfd = { .fd = c->pcap_fd, .events = POLLIN };
	struct pcap_cb cb = { fn, arg, 0 };
	int n;

	if (c->method == CAPTURE_METHOD_AFPACKET) {
		if ((n = afpacket_poll(&c->af, timeout_ms, fn, arg)) < 0)
			snprintf(err, errsz, "poll: %s", strerror(errno));
		return n;
	}
	if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR) {
		snprintf(err, errsz, "poll: %s", strerror(errno));
		return -1;
	}
	cb.dlt = pcap_datalink(c->pcap);
	n = pcap_dispatch(c->pcap, -1, on_pcap, (u_char *)&cb);
	if (n == PCAP_ERROR) {
		snprintf(err, errsz, "%s", pcap_geterr(c->pcap));
		return -1;
	}
	return n < 0 ? 0 : n;
}

void
capture_live_update_stats(struct capture_live *c)
{
	struct pcap_stat ps;

	if (c->method == CAPTURE_METHOD_AFPACKET) {
		afpacket_update_stats(&c->af);
		c->k_packets = c->af.k_packets;
		c->k_drops = c->af.k_drops;
		c->k_freezes = c->af.k_freezes;
		return;
	}
	/* libpcap's counters are totals since activation. */
	if (c->pcap != NULL && pcap_stats(c->pcap, &ps) == 0) {
		c->k_packets = ps.ps_recv;
		c->k_drops = ps.ps_drop;
		c->if_drops = ps.ps_ifdrop;
	}
}

void
capture_live_close(struct capture_live *c)
{
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	c->pcap = NULL;
	afpacket_close(&c->af);
}

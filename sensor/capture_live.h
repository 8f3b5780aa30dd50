/* sensor/capture_live.h: one worker's packet source on a live interface:
 * an AF_PACKET ring in a fanout group (Linux; sensor/afpacket.h), or a
 * libpcap live handle (portable, one worker).
 *
 * The BPF filter is compiled by libpcap on a dead handle and attached to
 * every worker's socket (sensor/afpacket.h says when).  Opening needs the
 * privileges of a packet capture (CAP_NET_RAW, CAP_NET_ADMIN on Linux);
 * reading, polling and the counters need none, so privileges can be dropped
 * after capture_live_open(). */
#ifndef FP_SENSOR_CAPTURE_LIVE_H
#define FP_SENSOR_CAPTURE_LIVE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>

#include "sensor/afpacket.h"
#include "sensor/capture.h"

enum capture_method {
	CAPTURE_METHOD_AUTO = 0,	/* afpacket on Linux, else pcap */
	CAPTURE_METHOD_PCAP,
	CAPTURE_METHOD_AFPACKET,
};

/* The settings of every worker's source. */
struct capture_live_config {
	const char		*iface;
	const char		*bpf;		/* NULL: every packet */
	enum capture_method	 method;
	uint32_t		 ring_mb;	/* per worker */
	unsigned		 n_workers;
	uint16_t		 fanout_group;	/* same for all workers */
};

struct capture_live {
	enum capture_method	 method;	/* resolved: pcap or afpacket */
	pcap_t			*pcap;
	struct afpacket		 af;
	int			 pcap_fd;	/* selectable, for poll() */
	uint64_t		 k_packets;	/* kernel: received */
	uint64_t		 k_drops;	/* kernel: lost, ring full */
	uint64_t		 k_freezes;	/* afpacket: ring-full times */
	uint64_t		 if_drops;	/* pcap: dropped by the NIC */
};

/* Parse "auto", "pcap" or "afpacket".  Returns 0, or -1 if s is none. */
int	capture_method_parse(const char *s, enum capture_method *m);
const char *capture_method_name(enum capture_method m);

/* Open one worker's source for cfg, the filter compiled by libpcap on a
 * dead handle of the interface's link type and attached to it.  Returns 0,
 * or -1 with err naming the interface and the step ("filter 'X': why" for
 * a filter that does not compile).  The pcap method takes one worker. */
int	capture_live_open(struct capture_live *c,
	    const struct capture_live_config *cfg, char *err, size_t errsz);

/* The link type the source delivers (DLT_*). */
int	capture_live_dlt(const struct capture_live *c);

/* Wait up to timeout_ms for packets and hand what is ready to fn.  Returns
 * the packets handed over (0 on timeout), or -1 with a message in err. */
int	capture_live_poll(struct capture_live *c, int timeout_ms,
	    capture_fn *fn, void *arg, char *err, size_t errsz);

/* Refresh the k_* counters from the kernel. */
void	capture_live_update_stats(struct capture_live *c);

void	capture_live_close(struct capture_live *c);

#endif

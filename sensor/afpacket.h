/* sensor/afpacket.h: one worker's Linux AF_PACKET socket with a TPACKET_V3
 * receive ring, joined to a fanout group.
 *
 * Every worker opens its own socket on the same interface and joins the
 * same PACKET_FANOUT group in PACKET_FANOUT_CBPF mode with
 * PACKET_FANOUT_FLAG_DEFRAG: a classic BPF program (sensor/fanout_bpf.h)
 * hashes each packet's innermost flow symmetrically (both directions of a
 * connection, also inside VXLAN, Geneve and GRE, give the same value, and
 * IP fragments are reassembled before), so a flow is always seen whole by
 * one worker and no worker's state is shared.  A kernel without that mode
 * gets PACKET_FANOUT_HASH, the kernel's symmetric hash of the outer
 * headers (inner_hash false).  A socket takes no
 * packet (a drop-all filter) until it is bound and in its group; then the
 * BPF filter replaces that, so nothing unfiltered or duplicated is
 * queued.  Packets are read in place from the ring, one block at a time;
 * a block is given back to the kernel once every packet in it has been
 * handed to the callback.
 *
 * Needs CAP_NET_RAW (socket) and, for promiscuous mode, CAP_NET_ADMIN on
 * the interface, only while afpacket_open() runs.  Built on another
 * system, afpacket_open() fails with "AF_PACKET needs Linux". */
#ifndef FP_SENSOR_AFPACKET_H
#define FP_SENSOR_AFPACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/capture.h"

#define AFPACKET_BLOCK_BYTES	(1u << 20)	/* ring block */
#define AFPACKET_SNAPLEN	262144u

struct afpacket {
	int		 fd;		/* -1: closed */
	uint8_t		*ring;		/* n_blocks * AFPACKET_BLOCK_BYTES */
	size_t		 ring_len;
	uint32_t	 n_blocks;
	uint32_t	 next_block;	/* next block to read */
	int		 dlt;		/* DLT_EN10MB, or DLT_RAW (no link
					 * header on this interface) */
	bool		 is_raw;
	bool		 inner_hash;	/* spread by our program */
	uint8_t		*vlan_buf;	/* frame with its VLAN tag put back */
	/* Kernel counters, summed over reads (the kernel resets them). */
	uint64_t	 k_packets;	/* passed the filter */
	uint64_t	 k_drops;	/* ring full: lost */
	uint64_t	 k_freezes;	/* times the ring was full */
};

/* The link type AF_PACKET delivers on iface: DLT_EN10MB for Ethernet
 * framing (Ethernet, loopback), DLT_RAW (network header first) for any
 * other.  Needs no privilege.  Returns it, or -1 with errno. */
int	afpacket_iface_dlt(const char *iface);

/* Open a socket on iface with a ring of ring_mb MiB (at least one block),
 * join fanout group `group` (a 16-bit id shared by all workers of one
 * process; joined with one worker too, so IPv4 fragments are reassembled
 * by the kernel either way), attach the compiled filter prog (NULL: none)
 * and turn promiscuous mode on.  Returns 0, or -1 with a message naming
 * the interface and the failed step in err. */
int	afpacket_open(struct afpacket *a, const char *iface, uint32_t ring_mb,
	    const struct bpf_program *prog, uint16_t group, char *err,
	    size_t errsz);

/* Wait up to timeout_ms for a ready block, then hand each of its packets to
 * fn (timestamps in microseconds) and give the block back.  Returns the
 * packets handed over (0 on timeout), or -1 with errno on a poll error
 * other than EINTR. */
int	afpacket_poll(struct afpacket *a, int timeout_ms, capture_fn *fn,
	    void *arg);

/* Add what the kernel counted since the last call to the k_* counters. */
void	afpacket_update_stats(struct afpacket *a);

void	afpacket_close(struct afpacket *a);

#endif

/* sensor/fanout_bpf.h: the classic BPF program that spreads packets over
 * the AF_PACKET fanout group's workers (PACKET_FANOUT_CBPF).
 *
 * The kernel's own symmetric flow hash keys a tunnelled packet by its
 * outer header.  VXLAN and Geneve choose the outer UDP source port from
 * the inner flow and its direction, so the two directions of one inner
 * connection hash differently and two workers would each see half of it.
 * This program hashes the innermost flow instead:
 *
 *	IPv4, IPv6	addresses, and ports for TCP, UDP and SCTP (addresses
 *			alone for fragments and other protocols)
 *	VXLAN		UDP port 4789 or 8472: the inner Ethernet frame
 *	Geneve		UDP port 6081: the inner Ethernet frame or IP packet
 *	GRE		Ethernet (0x6558), IPv4, IPv6, ERSPAN types II and III
 *
 * Every combination is symmetric: XOR of the two addresses, XOR of the
 * two ports, so a connection's two directions give the same value.  What
 * the program cannot read (other link types, inner VLAN tags, IPv6
 * extension headers) falls back to the addresses it has read, which are
 * symmetric too.  Loads are relative to the network header (SKF_NET_OFF),
 * so it reads the same on received and sent packets, and the kernel has
 * taken the outer VLAN tag off before fanout.  The kernel takes the
 * result modulo the number of workers. */
#ifndef FP_SENSOR_FANOUT_BPF_H
#define FP_SENSOR_FANOUT_BPF_H

#include <stddef.h>

#ifdef __linux__
#include <linux/filter.h>

#define FANOUT_BPF_MAX	320	/* instructions; it needs about 265 */

/* Write the program into prog (room for FANOUT_BPF_MAX instructions).
 * Returns its length. */
size_t	fanout_bpf_program(struct sock_filter *prog);
#endif

#endif

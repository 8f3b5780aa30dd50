/* sensor/afpacket.c: AF_PACKET TPACKET_V3 ring with fanout (Linux). */
#include "sensor/afpacket.h"
#include "sensor/fanout_bpf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define AFPACKET_FRAME_BYTES	2048u	/* only checked by the kernel (V3) */
#define AFPACKET_RETIRE_MS	10	/* a block is handed over at least
					 * this often, even when not full */

static int
fail(struct afpacket *a, char *err, size_t errsz, const char *iface,
    const char *step)
{
	int e = errno;

	snprintf(err, errsz, "%s: %s: %s", iface, step, strerror(e));
	afpacket_close(a);
	errno = e;
	return -1;
}

int
afpacket_iface_dlt(const char *iface)
{
	struct ifreq ifr;
	int fd, rc = -1;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(iface) >= sizeof(ifr.ifr_name)) {
		errno = ENODEV;
		return -1;
	}
	strcpy(ifr.ifr_name, iface);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return -1;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		rc = ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER ||
		    ifr.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK ?
		    DLT_EN10MB : DLT_RAW;
	close(fd);
	return rc;
}

static int
setup_ring(struct afpacket *a, uint32_t ring_mb)
{
	struct tpacket_req3 req;
	int v = TPACKET_V3;

	if (setsockopt(a->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) != 0)
		return -1;
	a->n_blocks = ring_mb ? ring_mb * ((1u << 20) / AFPACKET_BLOCK_BYTES) :
	    1;
	memset(&req, 0, sizeof(req));
	req.tp_block_size = AFPACKET_BLOCK_BYTES;
	req.tp_block_nr = a->n_blocks;
	req.tp_frame_size = AFPACKET_FRAME_BYTES;
	req.tp_frame_nr = AFPACKET_BLOCK_BYTES / AFPACKET_FRAME_BYTES *
	    a->n_blocks;
	req.tp_retire_blk_tov = AFPACKET_RETIRE_MS;
	if (setsockopt(a->fd, SOL_PACKET, PACKET_RX_RING, &req,
	    sizeof(req)) != 0)
		return -1;
	a->ring_len = (size_t)a->n_blocks * AFPACKET_BLOCK_BYTES;
	a->ring = mmap(NULL, a->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED,
	    a->fd, 0);
	if (a->ring == MAP_FAILED) {
		a->ring = NULL;
		return -1;
	}
	return 0;
}

/* A filter that takes nothing, until the socket is in its fanout group:
 * a bound socket outside the group would queue a copy of every packet. */
static int
attach_none(struct afpacket *a)
{
	struct sock_filter ret0 = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog fp = { .len = 1, .filter = &ret0 };

	return setsockopt(a->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp,
	    sizeof(fp));
}

static int
attach_filter(struct afpacket *a, const struct bpf_program *prog)
{
	struct sock_fprog fp;
	int none = 0;

	if (prog == NULL)
		return setsockopt(a->fd, SOL_SOCKET, SO_DETACH_FILTER, &none,
		    sizeof(none));
	/* libpcap's struct bpf_insn and the kernel's sock_filter are the
	 * same classic BPF instruction. */
	_Static_assert(sizeof(struct bpf_insn) == sizeof(struct sock_filter),
	    "classic BPF instruction layouts differ");
	fp.len = (unsigned short)prog->bf_len;
	fp.filter = (struct sock_filter *)(void *)prog->bf_insns;
	return setsockopt(a->fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp,
	    sizeof(fp));
}

/* Join the fanout group spreading by the innermost flow (our program);
 * a kernel without PACKET_FANOUT_CBPF (before 4.3) or refusing the
 * program gets its own symmetric hash of the outer headers. */
static int
join_fanout(struct afpacket *a, uint16_t group)
{
	struct sock_filter insns[FANOUT_BPF_MAX];
	struct sock_fprog fp = { .filter = insns };
	uint32_t v;

	fp.len = (unsigned short)fanout_bpf_program(insns);
	v = group | (uint32_t)(PACKET_FANOUT_CBPF |
	    PACKET_FANOUT_FLAG_DEFRAG) << 16;
	if (fp.len > 0 && setsockopt(a->fd, SOL_PACKET, PACKET_FANOUT, &v,
	    sizeof(v)) == 0) {
		if (setsockopt(a->fd, SOL_PACKET, PACKET_FANOUT_DATA, &fp,
		    sizeof(fp)) == 0) {
			a->inner_hash = true;
			return 0;
		}
		/* In a group of our type already: it cannot change. */
		return -1;
	}
	v = group | (uint32_t)(PACKET_FANOUT_HASH |
	    PACKET_FANOUT_FLAG_DEFRAG) << 16;
	return setsockopt(a->fd, SOL_PACKET, PACKET_FANOUT, &v, sizeof(v));
}

int
afpacket_open(struct afpacket *a, const char *iface, uint32_t ring_mb,
    const struct bpf_program *prog, uint16_t group, char *err, size_t errsz)
{
	struct sockaddr_ll ll;
	struct packet_mreq mr;
	int ifindex;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	if ((ifindex = (int)if_nametoindex(iface)) == 0)
		return fail(a, err, errsz, iface, "no such interface");
	/* Protocol 0: nothing is queued until bind() names the interface. */
	if ((a->fd = socket(AF_PACKET, SOCK_RAW, 0)) < 0)
		return fail(a, err, errsz, iface, "AF_PACKET socket (needs "
		    "CAP_NET_RAW)");
	if ((a->dlt = afpacket_iface_dlt(iface)) < 0)
		return fail(a, err, errsz, iface, "link type");
	a->is_raw = a->dlt == DLT_RAW;
	if (setup_ring(a, ring_mb) != 0)
		return fail(a, err, errsz, iface, "TPACKET_V3 ring");
	if (attach_none(a) != 0)
		return fail(a, err, errsz, iface, "SO_ATTACH_FILTER");
	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_ALL);
	ll.sll_ifindex = ifindex;
	if (bind(a->fd, (struct sockaddr *)&ll, sizeof(ll)) != 0)
		return fail(a, err, errsz, iface, "bind");
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(a->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) != 0)
		return fail(a, err, errsz, iface, "promiscuous mode (needs "
		    "CAP_NET_ADMIN)");
	/* Also with one worker: the same defragmentation either way. */
	if (join_fanout(a, group) != 0)
		return fail(a, err, errsz, iface, "PACKET_FANOUT");
	if (attach_filter(a, prog) != 0)
		return fail(a, err, errsz, iface, "SO_ATTACH_FILTER");
	if ((a->vlan_buf = malloc(AFPACKET_BLOCK_BYTES + 4)) == NULL)
		return fail(a, err, errsz, iface, "buffer");
	return 0;
}

/* The frame of one ring entry as it was on the wire: the kernel took the
 * VLAN tag out (hardware offload); it goes back in after the MACs. */
static const uint8_t *
frame_data(struct afpacket *a, const struct tpacket3_hdr *h,
    uint32_t *caplen, uint32_t *len)
{
	const uint8_t *d = (const uint8_t *)h + (a->is_raw ? h->tp_net :
	    h->tp_mac);
	uint16_t tpid, tci;

	*caplen = h->tp_snaplen - (a->is_raw ? h->tp_net - h->tp_mac : 0);
	*len = h->tp_len - (a->is_raw ? h->tp_net - h->tp_mac : 0);
	if (a->is_raw || !(h->tp_status & TP_STATUS_VLAN_VALID) ||
	    *caplen < 12)
		return d;
	tpid = htons((h->tp_status & TP_STATUS_VLAN_TPID_VALID) ?
	    h->hv1.tp_vlan_tpid : ETH_P_8021Q);
	tci = htons(h->hv1.tp_vlan_tci);
	memcpy(a->vlan_buf, d, 12);
	memcpy(a->vlan_buf + 12, &tpid, 2);
	memcpy(a->vlan_buf + 14, &tci, 2);
	memcpy(a->vlan_buf + 16, d + 12, *caplen - 12);
	*caplen += 4;
	*len += 4;
	return a->vlan_buf;
}

static int
read_block(struct afpacket *a, struct tpacket_block_desc *bd,
    capture_fn *fn, void *arg)
{
	const uint8_t *p = (const uint8_t *)bd +
	    bd->hdr.bh1.offset_to_first_pkt;
	uint32_t n = bd->hdr.bh1.num_pkts;

	for (uint32_t i = 0; i < n; i++) {
		const struct tpacket3_hdr *h = (const void *)p;
		uint32_t caplen, len;
		const uint8_t *d = frame_data(a, h, &caplen, &len);

		fn(arg, a->dlt, (uint64_t)h->tp_sec * 1000000 +
		    h->tp_nsec / 1000, d, caplen, len);
		p += h->tp_next_offset;
	}
	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
	    __ATOMIC_RELEASE);
	a->next_block = (a->next_block + 1) % a->n_blocks;
	return (int)n;
}

int
afpacket_poll(struct afpacket *a, int timeout_ms, capture_fn *fn, void *arg)
{
	struct tpacket_block_desc *bd = (void *)(a->ring +
	    (size_t)a->next_block * AFPACKET_BLOCK_BYTES);
	struct pollfd pfd = { .fd = a->fd, .events = POLLIN | POLLERR };
	int total = 0;

	if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
	    TP_STATUS_USER)) {
		if (poll(&pfd, 1, timeout_ms) < 0)
			return errno == EINTR ? 0 : -1;
	}
	/* Every ready block, up to one turn of the ring. */
	for (uint32_t i = 0; i < a->n_blocks; i++) {
		bd = (void *)(a->ring + (size_t)a->next_block *
		    AFPACKET_BLOCK_BYTES);
		if (!(__atomic_load_n(&bd->hdr.bh1.block_status,
		    __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			break;
		total += read_block(a, bd, fn, arg);
	}
	return total;
}

void
afpacket_update_stats(struct afpacket *a)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	if (a->fd < 0 || getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &st,
	    &len) != 0)
		return;
	/* tp_packets counts the dropped ones too. */
	a->k_packets += st.tp_packets;
	a->k_drops += st.tp_drops;
	a->k_freezes += st.tp_freeze_q_cnt;
}

void
afpacket_close(struct afpacket *a)
{
	if (a->ring != NULL)
		munmap(a->ring, a->ring_len);
	if (a->fd >= 0)
		close(a->fd);
	free(a->vlan_buf);
	a->ring = NULL;
	a->vlan_buf = NULL;
	a->fd = -1;
}

#else	/* !__linux__ */

int
afpacket_iface_dlt(const char *iface)
{
	(void)iface;
	errno = ENOTSUP;
	return -1;
}

int
afpacket_open(struct afpacket *a, const char *iface, uint32_t ring_mb,
    const struct bpf_program *prog, uint16_t group, char *err, size_t errsz)
{
	(void)ring_mb, (void)prog, (void)group;
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	snprintf(err, errsz, "%s: AF_PACKET needs Linux (use "
	    "--capture-method pcap)", iface);
	errno = ENOTSUP;
	return -1;
}

int
afpacket_poll(struct afpacket *a, int timeout_ms, capture_fn *fn, void *arg)
{
	(void)a, (void)timeout_ms, (void)fn, (void)arg;
	errno = ENOTSUP;
	return -1;
}

void
afpacket_update_stats(struct afpacket *a)
{
	(void)a;
}

void
afpacket_close(struct afpacket *a)
{
	a->fd = -1;
}

#endif

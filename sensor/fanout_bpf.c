/* sensor/fanout_bpf.c: the fanout group's classic BPF program.
 *
 * Written with a small assembler: instructions are emitted in order and
 * jumps name labels, resolved once the whole program is out (classic BPF
 * jumps only forward, conditional ones at most 255 instructions).
 *
 * Registers while a header is read: X is the header's offset from the
 * outer network header, A the value at hand.  Scratch memory:
 *
 *	M[0]	X saved across a computation that needs X
 *	M[1]	XOR of the addresses read last (the innermost so far)
 *	M[2]	XOR of the ports (0 until ports are read)
 *	M[3]	temporary
 *	M[6]	protocol or EtherType being dispatched on
 *	M[7]	length being added up (GRE, Geneve) */
#include "sensor/fanout_bpf.h"

#ifdef __linux__
#include <stdbool.h>
#include <stdint.h>

enum label {
	L_V4, L_V6, L_UDP, L_PORTS, L_VXLAN, L_GENEVE, L_GRE, L_GRE_K,
	L_GRE_S, L_GRE_P, L_ERSPAN2, L_ERSPAN3, L_ETH_IN, L_IP_IN, L_V4_IN,
	L_V6_IN, L_FIN, L_N
};

#define FIX_MAX		96
#define NO_LABEL	(-1)	/* the next instruction */

struct bpf_asm {
	struct sock_filter	*p;
	size_t			 n;
	int			 pos[L_N];
	struct {
		size_t	 at;
		int	 jt, jf;	/* labels; jt for BPF_JA */
	}			 fix[FIX_MAX];
	size_t			 n_fix;
	bool			 bad;
};

static void
op(struct bpf_asm *a, uint16_t code, uint32_t k)
{
	if (a->n >= FANOUT_BPF_MAX) {
		a->bad = true;
		return;
	}
	a->p[a->n++] = (struct sock_filter)BPF_STMT(code, k);
}

/* Jump (BPF_JA when code is BPF_JMP | BPF_JA, jf unused). */
static void
jmp(struct bpf_asm *a, uint16_t code, uint32_t k, int jt, int jf)
{
	if (a->n_fix >= FIX_MAX) {
		a->bad = true;
		return;
	}
	a->fix[a->n_fix].at = a->n;
	a->fix[a->n_fix].jt = jt;
	a->fix[a->n_fix].jf = jf;
	a->n_fix++;
	op(a, code, k);
}

static void
place(struct bpf_asm *a, enum label l)
{
	a->pos[l] = (int)a->n;
}

/* Load size bytes at X + off from the outer network header. */
static void
ld_net(struct bpf_asm *a, uint16_t size, int32_t off)
{
	op(a, BPF_LD | size | BPF_IND, (uint32_t)(SKF_NET_OFF + off));
}

static void
goto_(struct bpf_asm *a, enum label l)
{
	jmp(a, BPF_JMP | BPF_JA, 0, (int)l, NO_LABEL);
}

/* A == k: to l, else on. */
static void
if_eq(struct bpf_asm *a, uint32_t k, enum label l)
{
	jmp(a, BPF_JMP | BPF_JEQ | BPF_K, k, (int)l, NO_LABEL);
}

/* X += A-independent constant k (A is lost). */
static void
x_add(struct bpf_asm *a, uint32_t k)
{
	op(a, BPF_MISC | BPF_TXA, 0);
	op(a, BPF_ALU | BPF_ADD | BPF_K, k);
	op(a, BPF_MISC | BPF_TAX, 0);
}

/* A = A ^ M[m] (X is lost). */
static void
xor_mem(struct bpf_asm *a, uint32_t m)
{
	op(a, BPF_LDX | BPF_MEM, m);
	op(a, BPF_ALU | BPF_XOR | BPF_X, 0);
}

/* With A the transport protocol and X the transport header: ports where
 * there are any; UDP tunnels and GRE only in the outer header. */
static void
l4_dispatch(struct bpf_asm *a, bool outer)
{
	if_eq(a, 6, L_PORTS);
	if_eq(a, 132, L_PORTS);
	if_eq(a, 17, outer ? L_UDP : L_PORTS);
	if (outer) {
		if_eq(a, 47, L_GRE);
		if_eq(a, 4, L_V4_IN);
		if_eq(a, 41, L_V6_IN);
	}
	goto_(a, L_FIN);
}

static void
ipv4(struct bpf_asm *a, enum label at, bool outer)
{
	place(a, at);
	op(a, BPF_STX, 0);
	ld_net(a, BPF_W, 12);
	op(a, BPF_ST, 3);
	ld_net(a, BPF_W, 16);
	xor_mem(a, 3);
	op(a, BPF_ST, 1);
	op(a, BPF_LDX | BPF_MEM, 0);
	ld_net(a, BPF_H, 6);		/* a fragment: addresses only */
	jmp(a, BPF_JMP | BPF_JSET | BPF_K, 0x3fff, L_FIN, NO_LABEL);
	ld_net(a, BPF_B, 9);
	op(a, BPF_ST, 6);
	ld_net(a, BPF_B, 0);		/* X += IHL * 4 */
	op(a, BPF_ALU | BPF_AND | BPF_K, 0x0f);
	op(a, BPF_ALU | BPF_LSH | BPF_K, 2);
	op(a, BPF_ALU | BPF_ADD | BPF_X, 0);
	op(a, BPF_MISC | BPF_TAX, 0);
	op(a, BPF_LD | BPF_MEM, 6);
	l4_dispatch(a, outer);
}

/* IPv6 without extension headers: a next header other than a transport
 * protocol (or tunnel) keys by the addresses. */
static void
ipv6(struct bpf_asm *a, enum label at, bool outer)
{
	place(a, at);
	op(a, BPF_STX, 0);
	ld_net(a, BPF_W, 8);
	op(a, BPF_ST, 3);
	for (int32_t off = 12; off < 40; off += 4) {
		op(a, BPF_LDX | BPF_MEM, 0);
		ld_net(a, BPF_W, off);
		xor_mem(a, 3);
		op(a, BPF_ST, 3);
	}
	op(a, BPF_ST, 1);
	op(a, BPF_LDX | BPF_MEM, 0);
	ld_net(a, BPF_B, 6);
	op(a, BPF_ST, 6);
	x_add(a, 40);
	op(a, BPF_LD | BPF_MEM, 6);
	l4_dispatch(a, outer);
}

/* With A an EtherType and X where its payload starts. */
static void
ip_dispatch(struct bpf_asm *a)
{
	if_eq(a, 0x0800, L_V4_IN);
	if_eq(a, 0x86dd, L_V6_IN);
	goto_(a, L_FIN);
}

static void
udp_tunnels(struct bpf_asm *a)
{
	place(a, L_UDP);
	ld_net(a, BPF_H, 2);
	if_eq(a, 4789, L_VXLAN);
	if_eq(a, 8472, L_VXLAN);
	if_eq(a, 6081, L_GENEVE);
	goto_(a, L_PORTS);

	place(a, L_VXLAN);		/* UDP 8, VXLAN 8 */
	x_add(a, 16);
	goto_(a, L_ETH_IN);

	place(a, L_GENEVE);		/* UDP 8, Geneve 8 + options */
	ld_net(a, BPF_B, 8);
	op(a, BPF_ALU | BPF_AND | BPF_K, 0x3f);
	op(a, BPF_ALU | BPF_LSH | BPF_K, 2);
	op(a, BPF_ALU | BPF_ADD | BPF_K, 16);
	op(a, BPF_ST, 7);
	ld_net(a, BPF_H, 10);
	op(a, BPF_ST, 6);
	op(a, BPF_LD | BPF_MEM, 7);
	op(a, BPF_ALU | BPF_ADD | BPF_X, 0);
	op(a, BPF_MISC | BPF_TAX, 0);
	op(a, BPF_LD | BPF_MEM, 6);
	if_eq(a, 0x6558, L_ETH_IN);
	ip_dispatch(a);
}

/* Add 4 to M[7] when flag is set in M[6]; on to next. */
static void
gre_optional(struct bpf_asm *a, uint32_t flag, enum label next)
{
	op(a, BPF_LD | BPF_MEM, 6);
	jmp(a, BPF_JMP | BPF_JSET | BPF_K, flag, NO_LABEL, next);
	op(a, BPF_LD | BPF_MEM, 7);
	op(a, BPF_ALU | BPF_ADD | BPF_K, 4);
	op(a, BPF_ST, 7);
}

static void
gre(struct bpf_asm *a)
{
	place(a, L_GRE);
	ld_net(a, BPF_H, 0);
	op(a, BPF_ST, 6);		/* flags */
	op(a, BPF_LD | BPF_IMM, 4);
	op(a, BPF_ST, 7);		/* header length */
	gre_optional(a, 0x8000, L_GRE_K);	/* checksum */
	place(a, L_GRE_K);
	gre_optional(a, 0x2000, L_GRE_S);	/* key */
	place(a, L_GRE_S);
	gre_optional(a, 0x1000, L_GRE_P);	/* sequence */
	place(a, L_GRE_P);
	op(a, BPF_LD | BPF_MEM, 7);
	op(a, BPF_ALU | BPF_ADD | BPF_X, 0);
	op(a, BPF_ST, 3);		/* payload offset */
	ld_net(a, BPF_H, 2);
	op(a, BPF_LDX | BPF_MEM, 3);
	if_eq(a, 0x6558, L_ETH_IN);
	if_eq(a, 0x88be, L_ERSPAN2);
	if_eq(a, 0x22eb, L_ERSPAN3);
	ip_dispatch(a);

	place(a, L_ERSPAN2);		/* type II has 8 bytes, type I none */
	op(a, BPF_LD | BPF_MEM, 6);
	jmp(a, BPF_JMP | BPF_JSET | BPF_K, 0x1000, NO_LABEL, L_ETH_IN);
	x_add(a, 8);
	goto_(a, L_ETH_IN);

	place(a, L_ERSPAN3);		/* 12 bytes, 8 more with the O flag */
	ld_net(a, BPF_B, 11);
	op(a, BPF_ALU | BPF_AND | BPF_K, 1);
	op(a, BPF_ALU | BPF_LSH | BPF_K, 3);
	op(a, BPF_ALU | BPF_ADD | BPF_K, 12);
	op(a, BPF_ALU | BPF_ADD | BPF_X, 0);
	op(a, BPF_MISC | BPF_TAX, 0);
}

/* Falls into L_ETH_IN: an inner Ethernet header at X. */
static void
eth_in(struct bpf_asm *a)
{
	place(a, L_ETH_IN);
	ld_net(a, BPF_H, 12);
	op(a, BPF_ST, 6);
	x_add(a, 14);
	op(a, BPF_LD | BPF_MEM, 6);
	place(a, L_IP_IN);
	ip_dispatch(a);
}

static void
ports(struct bpf_asm *a)
{
	place(a, L_PORTS);
	op(a, BPF_STX, 0);
	ld_net(a, BPF_H, 0);
	op(a, BPF_ST, 3);
	op(a, BPF_LDX | BPF_MEM, 0);
	ld_net(a, BPF_H, 2);
	xor_mem(a, 3);
	op(a, BPF_ST, 2);
}

/* A ^= A >> s (X is lost). */
static void
xorshift(struct bpf_asm *a, uint32_t s)
{
	op(a, BPF_ST, 3);
	op(a, BPF_ALU | BPF_RSH | BPF_K, s);
	op(a, BPF_MISC | BPF_TAX, 0);
	op(a, BPF_LD | BPF_MEM, 3);
	op(a, BPF_ALU | BPF_XOR | BPF_X, 0);
}

/* addresses ^ ports * golden ratio, then a 32-bit finaliser so that the
 * low bits (the kernel takes the value modulo the workers) depend on
 * every input bit. */
static void
finish(struct bpf_asm *a)
{
	place(a, L_FIN);
	op(a, BPF_LD | BPF_MEM, 2);
	op(a, BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1u);
	xor_mem(a, 1);
	xorshift(a, 16);
	op(a, BPF_ALU | BPF_MUL | BPF_K, 0x85ebca6bu);
	xorshift(a, 13);
	op(a, BPF_ALU | BPF_MUL | BPF_K, 0xc2b2ae35u);
	xorshift(a, 16);
	op(a, BPF_RET | BPF_A, 0);
}

static bool
resolve(struct bpf_asm *a)
{
	for (size_t i = 0; i < a->n_fix; i++) {
		struct sock_filter *f = &a->p[a->fix[i].at];
		int next = (int)a->fix[i].at + 1;
		int t = a->fix[i].jt == NO_LABEL ? next : a->pos[a->fix[i].jt];
		int e = a->fix[i].jf == NO_LABEL ? next : a->pos[a->fix[i].jf];

		if (t < next || e < next)
			return false;
		if (BPF_OP(f->code) == BPF_JA) {
			f->k = (uint32_t)(t - next);
			continue;
		}
		if (t - next > 255 || e - next > 255)
			return false;
		f->jt = (uint8_t)(t - next);
		f->jf = (uint8_t)(e - next);
	}
	return true;
}

size_t
fanout_bpf_program(struct sock_filter *prog)
{
	struct bpf_asm a = { .p = prog };

	for (int l = 0; l < L_N; l++)
		a.pos[l] = -1;
	op(&a, BPF_LD | BPF_IMM, 0);
	op(&a, BPF_ST, 1);
	op(&a, BPF_ST, 2);
	op(&a, BPF_LDX | BPF_IMM, 0);
	op(&a, BPF_LD | BPF_H | BPF_ABS, (uint32_t)(SKF_AD_OFF +
	    SKF_AD_PROTOCOL));
	if_eq(&a, 0x0800, L_V4);
	if_eq(&a, 0x86dd, L_V6);
	op(&a, BPF_RET | BPF_K, 0);
	ipv4(&a, L_V4, true);
	ipv6(&a, L_V6, true);
	udp_tunnels(&a);
	gre(&a);
	eth_in(&a);
	ipv4(&a, L_V4_IN, false);
	ipv6(&a, L_V6_IN, false);
	ports(&a);
	finish(&a);
	for (int l = 0; l < L_N; l++)
		if (a.pos[l] < 0)
			a.bad = true;
	if (a.bad || !resolve(&a))
		return 0;
	return a.n;
}
#endif

/* tests/unit/test_ssh.c: SSH identification, KEXINIT, HASSH.  Fixtures are
 * OpenSSH 9.2 client and server streams (tests/fixtures/ssh/, from
 * pcaps/ssh.pcap); expected lists and HASSH values are tshark's. */
#include "analyzers/ssh.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/test.h"

#include "tests/fixtures/ssh/openssh_client.h"
#include "tests/fixtures/ssh/openssh_server.h"

typedef const char *const expect_t[2];

static struct ssh_ident id;
static struct ssh_kexinit k;
static uint8_t work[1 << 16];
static char raw[SSH_HASSH_RAW], md5[33];

static const char *
ex(expect_t *e, const char *key)
{
	for (; e[0][0] != NULL; e++)
		if (strcmp(e[0][0], key) == 0)
			return e[0][1];
	return "(missing)";
}

static void
check_fixture(const uint8_t *b, size_t n, expect_t *e, bool is_server)
{
	static const char *const fields[SSH_N_LISTS - 2] = {
		"ssh.kex_algorithms", "ssh.server_host_key_algorithms",
		"ssh.encryption_algorithms_client_to_server",
		"ssh.encryption_algorithms_server_to_client",
		"ssh.mac_algorithms_client_to_server",
		"ssh.mac_algorithms_server_to_client",
		"ssh.compression_algorithms_client_to_server",
		"ssh.compression_algorithms_server_to_client",
	};

	CHECK_EQ_U(ssh_parse_ident(b, n, &id), SSH_OK);
	CHECK_EQ_S(id.line, ex(e, "ssh.protocol"));
	CHECK_EQ_S(id.proto, "2.0");
	CHECK_EQ_S(id.software, "OpenSSH_9.2p1");
	CHECK(strncmp(id.comments, "Debian-", 7) == 0);
	CHECK_EQ_U(id.anomalies, 0);
	CHECK_EQ_U(ssh_parse_kexinit(b + id.consumed, n - id.consumed, &k),
	    SSH_OK);
	for (int i = 0; i < SSH_N_LISTS - 2; i++)
		CHECK_EQ_S(k.lists[i], ex(e, fields[i]));
	CHECK_EQ_S(k.lists[SSH_LANG_C2S], "");
	CHECK_EQ_U(k.anomalies, 0);
	CHECK(id.consumed + k.consumed <= n);
	ssh_hassh(&k, is_server, raw, sizeof(raw), md5);
	CHECK_EQ_S(raw, ex(e, is_server ? "ssh.kex.hasshserver_algorithms" :
	    "ssh.kex.hassh_algorithms"));
	CHECK_EQ_S(md5, ex(e, is_server ? "ssh.kex.hasshserver" :
	    "ssh.kex.hassh"));

	/* Strict prefixes: NEED_MORE; flips: sane, never a crash. */
	size_t ident_end = id.consumed, end = id.consumed + k.consumed;
	int bad = 0;
	for (size_t i = 0; i < end; i++) {
		enum ssh_status st = ssh_parse_ident(b, i, &id);

		if (i < ident_end ? st != SSH_NEED_MORE : st != SSH_OK)
			bad++;
		if (i > ident_end && ssh_parse_kexinit(b + ident_end,
		    i - ident_end, &k) != SSH_NEED_MORE)
			bad++;
	}
	for (size_t i = 0; i < n; i++)
		for (int m = 0; m < 8; m += 2) {
			memcpy(work, b, n);
			work[i] ^= (uint8_t)(1u << m);
			if (ssh_parse_ident(work, n, &id) == SSH_OK &&
			    ssh_parse_kexinit(work + id.consumed,
			    n - id.consumed, &k) == SSH_OK) {
				ssh_hassh(&k, is_server, raw, sizeof(raw), md5);
				if (strlen(md5) != 32)
					bad++;
			}
			if (strlen(id.line) > SSH_MAX_IDENT ||
			    id.consumed > n || k.consumed > n)
				bad++;
		}
	CHECK_EQ_U(bad, 0);
}

static enum ssh_status
ident(const char *s)
{
	return ssh_parse_ident((const uint8_t *)s, strlen(s), &id);
}

static void
test_ident(void)
{
	CHECK_EQ_U(ident("Welcome to x\r\nSSH-2.0-Srv_1.0\r\n"), SSH_OK);
	CHECK(id.anomalies & SSH_ANOM_PRE_LINES);
	CHECK_EQ_U(id.n_pre_lines, 1);
	CHECK_EQ_S(id.software, "Srv_1.0");
	CHECK_EQ_S(id.comments, "");
	CHECK_EQ_U(ident("SSH-1.99-OpenSSH_3.9p1\n"), SSH_OK);
	CHECK(id.anomalies & SSH_ANOM_BARE_LF);
	CHECK_EQ_S(id.proto, "1.99");
	CHECK_EQ_U(ident("SSH-2.0\r\n"), SSH_OK);
	CHECK(id.anomalies & SSH_ANOM_NO_SOFTWARE);
	CHECK_EQ_U(ident("SSH-2.0-a\x01" "b\r\n"), SSH_NOT_SSH);
	CHECK_EQ_U(ident("SSH-2.0-a b\xc3\xa9\r\n"), SSH_OK);
	CHECK(id.anomalies & SSH_ANOM_IDENT_CHARS);
	CHECK_EQ_U(ident("\x16\x03\x01"), SSH_NOT_SSH);
	CHECK_EQ_U(ident("SS"), SSH_NEED_MORE);
	CHECK_EQ_U(ident(""), SSH_NEED_MORE);

	char buf[2048];
	size_t n = 0;
	for (int i = 0; i < SSH_MAX_PRE_LINES + 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "line %d\r\n",
		    i);
	snprintf(buf + n, sizeof(buf) - n, "SSH-2.0-x\r\n");
	CHECK_EQ_U(ident(buf), SSH_NOT_SSH);
	n = (size_t)snprintf(buf, sizeof(buf), "SSH-2.0-");
	memset(buf + n, 'v', 300);
	snprintf(buf + n + 300, sizeof(buf) - n - 300, " c\r\n");
	CHECK_EQ_U(ident(buf), SSH_OK);
	CHECK(id.anomalies & SSH_ANOM_IDENT_TOO_LONG);
	CHECK_EQ_U(strlen(id.line), SSH_MAX_IDENT);
	memset(buf, 'x', SSH_MAX_LINE);
	CHECK_EQ_U(ssh_parse_ident((const uint8_t *)buf, SSH_MAX_LINE, &id),
	    SSH_NOT_SSH);
}

static size_t wn;

static void
put(const void *p, size_t n)
{
	memcpy(work + wn, p, n);
	wn += n;
}

static void
put32(uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };
	put(b, 4);
}

static void
put_str(const char *s)
{
	put32((uint32_t)strlen(s));
	put(s, strlen(s));
}

/* A binary packet around payload work[start..wn), padded to 8. */
static void
packetize(size_t start, uint8_t pad)
{
	size_t plen = wn - start;
	uint32_t len = (uint32_t)(plen + pad + 1);

	memmove(work + start + 5, work + start, plen);
	wn = start;
	put32(len);
	put(&pad, 1);
	wn += plen;
	memset(work + wn, 0, pad);
	wn += pad;
}

static void
kexinit(const char *const lists[SSH_N_LISTS])
{
	size_t start = wn;

	put("\x14", 1);
	put("0123456789abcdef", 16);
	for (int i = 0; i < SSH_N_LISTS; i++)
		put_str(lists[i]);
	put("\0\0\0\0\0", 5);
	packetize(start, (uint8_t)(8 - (wn - start + 5) % 8 + 4));
}

/* HASSH by hand: md5("k1,k2;e1;m1;none") = 6a3b6b0079fcbd1a3ca4b80637cc6e97
 * and md5("k1,k2;e2;m2;zlib") = 4347169c40aa7018e1555eee732b2f31. */
static void
test_kexinit(void)
{
	static const char *const lists[SSH_N_LISTS] = {
		"k1,k2", "h", "e1", "e2", "m1", "m2", "none", "zlib", "", ""
	};

	wn = 0;
	size_t start = wn;
	put("\x02", 1);			/* SSH_MSG_IGNORE first */
	put_str("junk");
	packetize(start, 6);
	kexinit(lists);
	CHECK_EQ_U(ssh_parse_kexinit(work, wn, &k), SSH_OK);
	CHECK(k.anomalies & SSH_ANOM_SKIPPED_PACKETS);
	CHECK_EQ_U(k.n_skipped, 1);
	CHECK_EQ_U(k.consumed, wn);
	CHECK(memcmp(k.cookie, "0123456789abcdef", 16) == 0);
	CHECK_EQ_U(ssh_hassh(&k, false, raw, sizeof(raw), md5), 16);
	CHECK_EQ_S(raw, "k1,k2;e1;m1;none");
	CHECK_EQ_S(md5, "6a3b6b0079fcbd1a3ca4b80637cc6e97");
	ssh_hassh(&k, true, raw, sizeof(raw), md5);
	CHECK_EQ_S(md5, "4347169c40aa7018e1555eee732b2f31");

	/* A 2000-byte kex list is cut and flagged; HASSH still runs. */
	static char longlist[2001];
	memset(longlist, 'a', 2000);
	const char *const big[SSH_N_LISTS] = { longlist, "h", "e", "e", "m",
	    "m", "c", "c", "", "" };
	wn = 0;
	kexinit(big);
	CHECK_EQ_U(ssh_parse_kexinit(work, wn, &k), SSH_OK);
	CHECK(k.anomalies & SSH_ANOM_NAMELIST_CUT);
	CHECK_EQ_U(k.list_len[SSH_KEX], 2000);
	CHECK_EQ_U(strlen(k.lists[SSH_KEX]), SSH_MAX_NAMELIST);

	/* Name-list length past the packet. */
	wn = 0;
	start = wn;
	put("\x14", 1);
	put("0123456789abcdef", 16);
	put32(1000);
	packetize(start, 4);
	CHECK_EQ_U(ssh_parse_kexinit(work, wn, &k), SSH_MALFORMED);
	/* Oversized packet, padding past the packet, another message. */
	static const uint8_t huge[] = { 0, 1, 0, 0, 4, 20 };
	CHECK_EQ_U(ssh_parse_kexinit(huge, sizeof(huge), &k), SSH_MALFORMED);
	static const uint8_t pad[] = { 0, 0, 0, 4, 9, 20, 0, 0 };
	CHECK_EQ_U(ssh_parse_kexinit(pad, sizeof(pad), &k), SSH_MALFORMED);
	static const uint8_t other[] = { 0, 0, 0, 12, 10, 21, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0 };
	CHECK_EQ_U(ssh_parse_kexinit(other, sizeof(other), &k), SSH_MALFORMED);
	/* An SSH-1 packet (length, then padding, type 2 PUBLIC_KEY). */
	static const uint8_t v1[] = { 0, 0, 1, 0x0c, 0xde, 0xad, 0xbe, 0xef,
	    0, 0, 0, 0, 2 };
	CHECK(ssh_parse_kexinit(v1, sizeof(v1), &k) != SSH_OK);
	/* Too many IGNOREs. */
	wn = 0;
	for (int i = 0; i < SSH_MAX_SKIPPED + 1; i++) {
		start = wn;
		put("\x02", 1);
		put_str("");
		packetize(start, 6);
	}
	kexinit(lists);
	CHECK_EQ_U(ssh_parse_kexinit(work, wn, &k), SSH_MALFORMED);
}

int
main(void)
{
	check_fixture(openssh_client, sizeof(openssh_client),
	    openssh_client_expect, false);
	check_fixture(openssh_server, sizeof(openssh_server),
	    openssh_server_expect, true);
	test_ident();
	test_kexinit();
	return test_done("test_ssh");
}

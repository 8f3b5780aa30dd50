/* tests/unit/test_anonymize.c: Crypto-PAn pseudonyms and key files. */
#include "sensor/anonymize.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fixtures/anonymize/kat.h"
#include "tests/test.h"

/* Published with Crypto-PAn: its sample program's key (kat.h SAMPLE_KEY)
 * maps these addresses of its sample trace so. */
static const char *const published[][2] = {
	{ "128.11.68.132", "135.242.180.132" },
	{ "129.118.74.4", "134.136.186.123" },
	{ "130.132.252.244", "133.68.164.234" },
	{ "141.223.7.43", "141.167.8.160" },
	{ "141.233.145.108", "141.129.237.235" },
};

static void
key_from_hex(const char *hex, uint8_t key[ANON_KEY_LEN])
{
	for (size_t i = 0; i < ANON_KEY_LEN; i++) {
		unsigned v = 0;

		sscanf(hex + 2 * i, "%2x", &v);
		key[i] = (uint8_t)v;
	}
}

/* Pseudonym of the address text in, as text. */
static void
anon_text(struct anon *a, const char *in, char *out, size_t outsz)
{
	uint8_t addr[16], res[16];
	int af = strchr(in, ':') ? AF_INET6 : AF_INET;

	CHECK(inet_pton(af, in, addr) == 1);
	CHECK(anon_addr(a, af == AF_INET ? 4 : 6, addr, res) == 0);
	inet_ntop(af, res, out, (socklen_t)outsz);
}

static void
test_known_answers(void)
{
	uint8_t key[ANON_KEY_LEN];
	char err[256], out[64];
	struct anon *a;

	for (size_t i = 0; i < sizeof(anon_kats) / sizeof(anon_kats[0]); i++) {
		key_from_hex(anon_kats[i].key_hex, key);
		a = anon_new(key, err, sizeof(err));
		CHECK(a != NULL);
		anon_text(a, anon_kats[i].in, out, sizeof(out));
		CHECK_EQ_S(out, anon_kats[i].out);
		anon_free(a);
	}
	key_from_hex(anon_kats[0].key_hex, key);		/* SAMPLE_KEY */
	a = anon_new(key, err, sizeof(err));
	for (size_t i = 0; i < sizeof(published) / sizeof(published[0]); i++) {
		anon_text(a, published[i][0], out, sizeof(out));
		CHECK_EQ_S(out, published[i][1]);
	}
	anon_free(a);
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned
common_prefix(const uint8_t *a, const uint8_t *b, size_t n_bytes)
{
	unsigned n = 0;

	for (size_t i = 0; i < n_bytes; i++) {
		uint8_t x = a[i] ^ b[i];

		if (x == 0) {
			n += 8;
			continue;
		}
		while (!(x & 0x80)) {
			n++;
			x = (uint8_t)(x << 1);
		}
		return n;
	}
	return n;
}

/* For random pairs sharing exactly p bits, for every p: the pseudonyms
 * share exactly p bits.  Also: the same input gives the same output. */
static void
test_prefix_preserved(uint8_t ip_version, int pairs_per_len)
{
	size_t n_bytes = ip_version == 4 ? 4 : 16;
	unsigned n_bits = (unsigned)n_bytes * 8;
	uint8_t key[ANON_KEY_LEN], a[16], b[16], pa[16], pb[16], again[16];
	uint64_t seed = 0x9e3779b97f4a7c15ULL + ip_version;
	char err[256];
	struct anon *an;
	int bad = 0, n = 0;

	for (size_t i = 0; i < ANON_KEY_LEN; i++)
		key[i] = (uint8_t)xorshift(&seed);
	an = anon_new(key, err, sizeof(err));
	CHECK(an != NULL);
	for (unsigned p = 0; p <= n_bits; p++) {
		for (int k = 0; k < pairs_per_len; k++) {
			for (size_t i = 0; i < n_bytes; i++)
				a[i] = (uint8_t)xorshift(&seed);
			memcpy(b, a, n_bytes);
			for (unsigned bit = p; bit < n_bits; bit++)
				if (bit == p || (xorshift(&seed) & 1))
					b[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
			if (p == n_bits)
				memcpy(b, a, n_bytes);
			if (anon_addr(an, ip_version, a, pa) != 0 ||
			    anon_addr(an, ip_version, b, pb) != 0 ||
			    anon_addr(an, ip_version, a, again) != 0)
				bad++;
			if (common_prefix(a, b, n_bytes) != p ||
			    common_prefix(pa, pb, n_bytes) != p ||
			    memcmp(pa, again, n_bytes) != 0)
				bad++;
			n++;
		}
	}
	fprintf(stderr, "IPv%u: %d pairs, %d broke the prefix rule\n",
	    ip_version, n, bad);
	CHECK_EQ_U(bad, 0);
	anon_free(an);
}

/* Two pseudonymizers from one key agree (sensors sharing a key);
 * another key disagrees. */
static void
test_stable_per_key(void)
{
	uint8_t key[ANON_KEY_LEN], key2[ANON_KEY_LEN];
	char err[256], o1[64], o2[64], o3[64];
	struct anon *a, *b, *c;

	key_from_hex(anon_kats[0].key_hex, key);
	memcpy(key2, key, sizeof(key2));
	key2[31] ^= 1;
	a = anon_new(key, err, sizeof(err));
	b = anon_new(key, err, sizeof(err));
	c = anon_new(key2, err, sizeof(err));
	CHECK(a && b && c);
	anon_text(a, "2001:db8:1::10", o1, sizeof(o1));
	anon_text(b, "2001:db8:1::10", o2, sizeof(o2));
	anon_text(c, "2001:db8:1::10", o3, sizeof(o3));
	CHECK_EQ_S(o1, o2);
	CHECK(strcmp(o1, o3) != 0);
	CHECK(strcmp(o1, "2001:db8:1::10") != 0);
	anon_free(a);
	anon_free(b);
	anon_free(c);
	anon_free(NULL);
}

static void
write_file(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	CHECK(fp != NULL);
	if (fp == NULL)
		return;
	fwrite(buf, 1, len, fp);
	fclose(fp);
}

/* Bad key files fail with the file named and the key untouched. */
static void
test_key_files(void)
{
	char dir[] = "/tmp/test_anonymize.XXXXXX", path[512], err[512];
	uint8_t key[ANON_KEY_LEN], raw[40];
	static const char hex[] = "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191A1B1C1D1E1F\n";
	static const struct {
		const char	*name;
		size_t		 len;
		const char	*why;
	} bad[] = {
		{ "empty", 0, "empty key file" },
		{ "short", 16, "key too short (16 bytes" },
		{ "short31", 31, "key too short (31 bytes" },
		{ "long", 33, "key too long (33 bytes" },
	};

	CHECK(mkdtemp(dir) != NULL);
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, bad[i].name);
		write_file(path, raw, bad[i].len);
		memset(key, 0x55, sizeof(key));
		CHECK(anon_key_load(path, key, err, sizeof(err)) == -1);
		CHECK(strstr(err, path) != NULL);
		if (!CHECK(strstr(err, bad[i].why) != NULL))
			fprintf(stderr, "  got: %s\n", err);
		CHECK(key[0] == 0x55 && key[31] == 0x55);
	}
	snprintf(path, sizeof(path), "%s/missing", dir);
	CHECK(anon_key_load(path, key, err, sizeof(err)) == -1);
	CHECK(strstr(err, "No such file") != NULL);
	CHECK(anon_key_load(dir, key, err, sizeof(err)) == -1);
	CHECK(strstr(err, "Is a directory") != NULL);

	snprintf(path, sizeof(path), "%s/raw", dir);
	write_file(path, raw, ANON_KEY_LEN);
	CHECK(anon_key_load(path, key, err, sizeof(err)) == 0);
	CHECK(memcmp(key, raw, ANON_KEY_LEN) == 0);
	unlink(path);
	snprintf(path, sizeof(path), "%s/hex", dir);
	write_file(path, hex, strlen(hex));
	CHECK(anon_key_load(path, key, err, sizeof(err)) == 0);
	CHECK(key[0] == 0 && key[26] == 0x1a && key[31] == 0x1f);
	unlink(path);
	snprintf(path, sizeof(path), "%s/badhex", dir);
	write_file(path, "zz", 2);
	CHECK(anon_key_load(path, key, err, sizeof(err)) == -1);
	unlink(path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, bad[i].name);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	test_known_answers();
	test_prefix_preserved(4, 600);
	test_prefix_preserved(6, 40);
	test_stable_per_key();
	test_key_files();
	return test_done("test_anonymize");
}

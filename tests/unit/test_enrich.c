/* tests/unit/test_enrich.c: addresses as records show them: pseudonyms of
 * addresses and of IP-literal hosts with a key, untouched without. */
#include "sensor/enrich.h"

#include <arpa/inet.h>
#include <string.h>

#include "sensor/anonymize.h"
#include "tests/test.h"

/* Pseudonym of the address text in, as text (through anon directly). */
static void
pseudo(struct anon *a, const char *in, char *out, size_t outsz)
{
	uint8_t addr[16], res[16];
	int af = strchr(in, ':') ? AF_INET6 : AF_INET;

	memset(addr, 0, sizeof(addr));
	CHECK(inet_pton(af, in, addr) == 1);
	CHECK(anon_addr(a, af == AF_INET ? 4 : 6, addr, res) == 0);
	inet_ntop(af, res, out, (socklen_t)outsz);
}

static void
check_host(struct enrich *e, const char *host, const char *want)
{
	char out[128];
	size_t n = enrich_host_str(e, host, strlen(host), out, sizeof(out));

	CHECK_EQ_S(out, want);
	CHECK_EQ_U(n, strlen(want));
}

int
main(void)
{
	uint8_t key[ANON_KEY_LEN], v4[16] = { 192, 0, 2, 20 };
	char err[256], p4[64], p6[64], want[128], out[64];
	struct enrich e;
	struct anon *a;

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	a = anon_new(key, err, sizeof(err));
	CHECK(a != NULL);
	pseudo(a, "192.0.2.20", p4, sizeof(p4));
	pseudo(a, "2001:db8::1", p6, sizeof(p6));

	/* Without a key (or without an enrich at all): as they are. */
	CHECK(enrich_init(&e, NULL, NULL, 0) == 0);
	check_host(&e, "192.0.2.20:8080", "192.0.2.20:8080");
	check_host(NULL, "[2001:db8::1]:443", "[2001:db8::1]:443");
	enrich_addr_str(NULL, 4, v4, out, sizeof(out));
	CHECK_EQ_S(out, "192.0.2.20");
	enrich_free(&e);

	/* With a key: every form of IP literal, and names left alone. */
	CHECK(enrich_init(&e, a, NULL, 0) == 0);
	enrich_addr_str(&e, 4, v4, out, sizeof(out));
	CHECK_EQ_S(out, p4);
	check_host(&e, "192.0.2.20", p4);
	snprintf(want, sizeof(want), "%s:8080", p4);
	check_host(&e, "192.0.2.20:8080", want);
	snprintf(want, sizeof(want), "[%s]:443", p6);
	check_host(&e, "[2001:db8::1]:443", want);
	snprintf(want, sizeof(want), "[%s]", p6);
	check_host(&e, "[2001:db8::1]", want);
	check_host(&e, "2001:db8::1", p6);
	check_host(&e, "www.example.test", "www.example.test");
	check_host(&e, "www.example.test:8443", "www.example.test:8443");
	check_host(&e, "192.0.2.20.example.test", "192.0.2.20.example.test");
	check_host(&e, "[2001:db8::1", "[2001:db8::1");
	check_host(&e, "[]:80", "[]:80");
	check_host(&e, "", "");
	check_host(&e, ":80", ":80");
	/* Cut to fit, still a string. */
	CHECK(enrich_host_str(&e, "192.0.2.20:8080", 15, out, 6) == 5);
	CHECK(strlen(out) == 5 && strncmp(out, p4, 5) == 0);
	CHECK(enrich_host_str(&e, "www.example.test", 16, out, 4) == 3);
	CHECK_EQ_S(out, "www");
	/* No databases: no geo members, nothing written. */
	{
		char buf[64];
		struct json j;

		json_init(&j, buf, sizeof(buf));
		json_obj_open(&j, NULL);
		enrich_geo(&e, &j, 4, v4);
		enrich_geo(NULL, &j, 4, v4);
		json_obj_close(&j);
		CHECK(json_finish(&j) == 3 && strncmp(buf, "{}\n", 3) == 0);
	}
	enrich_free(&e);
	enrich_free(NULL);
	anon_free(a);
	return test_done("test_enrich");
}

/* tests/unit/test_quic.c: QUIC Initial decryption and CRYPTO reassembly.
 *
 * Vectors: RFC 9001 Appendix A (v1) and RFC 9369 Appendix A (v2): the
 * client Initial with DCID 8394c8f03e515708, packet number 2, a 245-byte
 * CRYPTO frame and PADDING up to 1162 payload bytes.  Real traffic:
 * tests/fixtures/quic/quic_go_v1.h (see extract.sh there).  Synthetic
 * packets come from seal_initial() below, an independent encryptor that is
 * itself checked against the RFC 9001 packet. */
#include "analyzers/quic.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tests/test.h"
#include "tests/fixtures/quic/quic_go_v1.h"

static const char rfc9001_packet[] =
	"c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
	"d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
	"1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
	"8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
	"30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
	"457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
	"4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
	"4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
	"485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
	"059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
	"7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
	"9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
	"be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
	"68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
	"c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
	"f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
	"291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
	"25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
	"14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
	"ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
	"e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
	"c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
	"203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
	"cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
	"fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
	"a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
	"90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
	"162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
	"40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
	"6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
	"8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
	"be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
	"54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
	"760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
	"f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
	"056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
	"7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
	"e221af44860018ab0856972e194cd934";

static const char rfc9369_packet[] =
	"d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
	"dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
	"9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
	"250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
	"12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
	"cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
	"18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
	"12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
	"d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
	"6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
	"bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
	"636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
	"ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
	"16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
	"4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
	"fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
	"8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
	"14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
	"9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
	"abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
	"80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
	"848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
	"d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
	"c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
	"7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
	"f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
	"10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
	"3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
	"06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
	"8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
	"34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
	"e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
	"5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
	"8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
	"d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
	"6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
	"9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
	"a18b2faa745b6fe189cf772a9f84cbfc";

static const char rfc_crypto_frame[] =
	"060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
	"04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
	"616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
	"04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
	"baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
	"0d0010000e0403050306030203080408050806002d00020101001c0002400100"
	"3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
	"75300901100f088394c8f03e51570806048000ffff";

static const char rfc_dcid[] = "8394c8f03e515708";

#define N_QUIC_GO	(sizeof(quic_go_v1) / sizeof(quic_go_v1[0]))

static struct quic_ctx *ctx;
static struct quic_crypto_buf crypto;	/* 16 KiB: keep off the stack */
static struct quic_crypto_buf crypto2;

static size_t
unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;

	for (; hex[0] != '\0' && hex[1] != '\0' && n < max; hex += 2) {
		unsigned v;

		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
	}
	return n;
}

static bool
eq_hex(const uint8_t *got, size_t len, const char *want_hex)
{
	uint8_t want[64];
	size_t n = unhex(want_hex, want, sizeof(want));

	return n == len && memcmp(got, want, len) == 0;
}

/* ---- an independent Initial encryptor (test only) ---------------------- */

struct seal {
	uint32_t	 version;
	const uint8_t	*dcid;
	size_t		 dcid_len;
	uint64_t	 pn;
	unsigned	 pn_len;	/* 1..4 */
	uint8_t		 reserved;	/* bits 0x0c of the first byte */
	const uint8_t	*payload;
	size_t		 payload_len;
};

/* Protect a client Initial as RFC 9001 5 says; returns its length.  Keys
 * come from quic_keys_derive(), which the RFC vectors check separately. */
static size_t
seal_initial(const struct quic_keys *k, const struct seal *s, uint8_t *out)
{
	uint8_t nonce[12], mask[32];
	size_t n = 0, pn_off, len = s->pn_len + s->payload_len + 16;
	int outl = 0, fin = 0;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

	out[n++] = (uint8_t)((s->version == QUIC_VERSION_2 ? 0xd0 : 0xc0) |
	    s->reserved | (s->pn_len - 1));
	out[n++] = (uint8_t)(s->version >> 24);
	out[n++] = (uint8_t)(s->version >> 16);
	out[n++] = (uint8_t)(s->version >> 8);
	out[n++] = (uint8_t)s->version;
	out[n++] = (uint8_t)s->dcid_len;
	memcpy(out + n, s->dcid, s->dcid_len);
	n += s->dcid_len;
	out[n++] = 0;				/* SCID length */
	out[n++] = 0;				/* token length */
	out[n++] = (uint8_t)(0x40 | len >> 8);	/* 2-byte Length */
	out[n++] = (uint8_t)len;
	pn_off = n;
	for (unsigned i = 0; i < s->pn_len; i++)
		out[n++] = (uint8_t)(s->pn >> (8 * (s->pn_len - 1 - i)));
	memcpy(nonce, k->iv, 12);
	for (unsigned i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(s->pn >> (8 * i));
	EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k->key, nonce);
	EVP_EncryptUpdate(c, NULL, &outl, out, (int)n);
	EVP_EncryptUpdate(c, out + n, &outl, s->payload, (int)s->payload_len);
	EVP_EncryptFinal_ex(c, out + n + outl, &fin);
	n += s->payload_len;
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + n);
	n += 16;
	EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k->hp, NULL);
	EVP_CIPHER_CTX_set_padding(c, 0);
	EVP_EncryptUpdate(c, mask, &outl, out + pn_off + 4, 16);
	EVP_CIPHER_CTX_free(c);
	out[0] ^= mask[0] & 0x0f;
	for (unsigned i = 0; i < s->pn_len; i++)
		out[pn_off + i] ^= mask[1 + i];
	return n;
}

/* Payload of the RFC packets: the CRYPTO frame, then PADDING. */
static size_t
rfc_payload(uint8_t *out)
{
	memset(out, 0, 1162);
	unhex(rfc_crypto_frame, out, 1162);
	return 1162;
}

/* ---- tests ------------------------------------------------------------- */

static void
test_keys(void)
{
	uint8_t dcid[8];
	struct quic_keys k;

	unhex(rfc_dcid, dcid, sizeof(dcid));
	CHECK_EQ_U(quic_keys_derive(ctx, QUIC_VERSION_1, dcid, 8, &k), 0);
	CHECK(k.is_valid);
	CHECK_EQ_S(k.largest_pn == -1 ? "none" : "some", "none");
	CHECK(eq_hex(k.key, 16, "1f369613dd76d5467730efcbe3b1a22d"));
	CHECK(eq_hex(k.iv, 12, "fa044b2f42a3fd3b46fb255c"));
	CHECK(eq_hex(k.hp, 16, "9f50449e04a0e810283a1e9933adedd2"));

	CHECK_EQ_U(quic_keys_derive(ctx, QUIC_VERSION_2, dcid, 8, &k), 0);
	CHECK(eq_hex(k.key, 16, "8b1a0bc121284290a29e0971b5cd045d"));
	CHECK(eq_hex(k.iv, 12, "91f73e2351d8fa91660e909f"));
	CHECK(eq_hex(k.hp, 16, "45b95e15235d6f45a6b19cbcb0294ba9"));

	/* The server's Initial keys from the same DCID (RFC 9001 A.1). */
	CHECK_EQ_U(quic_keys_derive_side(ctx, QUIC_VERSION_1, dcid, 8, true,
	    &k), 0);
	CHECK(eq_hex(k.key, 16, "cf3a5331653c364c88f0f379b6067e37"));
	CHECK(eq_hex(k.iv, 12, "0ac1493ca1905853b0bba03e"));
	CHECK(eq_hex(k.hp, 16, "c206b8d9b9f0f37644430b490eeaa314"));

	/* Draft 29 (draft-ietf-quic-tls-29 A.1), and drafts 30 to 32 with
	 * the same salt; client and server. */
	CHECK_EQ_U(quic_keys_derive(ctx, 0xff00001du, dcid, 8, &k), 0);
	CHECK(eq_hex(k.key, 16, "175257a31eb09dea9366d8bb79ad80ba"));
	CHECK(eq_hex(k.iv, 12, "6b26114b9cba2b63a9e8dd4f"));
	CHECK(eq_hex(k.hp, 16, "9ddd12c994c0698b89374a9c077a3077"));
	CHECK_EQ_U(quic_keys_derive(ctx, 0xff000020u, dcid, 8, &k), 0);
	CHECK(eq_hex(k.key, 16, "175257a31eb09dea9366d8bb79ad80ba"));
	CHECK_EQ_U(quic_keys_derive_side(ctx, 0xff00001du, dcid, 8, true,
	    &k), 0);
	CHECK(eq_hex(k.key, 16, "149d0b1662ab871fbe63c49b5e655a5d"));
	CHECK(eq_hex(k.iv, 12, "bab2b12a4c76016ace47856d"));
	CHECK(eq_hex(k.hp, 16, "c0c499a65a60024a18a250974ea01dfa"));
	/* Drafts 22 to 28 and mvfst: keys of their own salts. */
	CHECK_EQ_U(quic_keys_derive(ctx, 0xff000016u, dcid, 8, &k), 0);
	CHECK(!eq_hex(k.key, 16, "175257a31eb09dea9366d8bb79ad80ba"));
	CHECK_EQ_U(quic_keys_derive(ctx, 0xff00001bu, dcid, 8, &k), 0);
	CHECK(!eq_hex(k.key, 16, "175257a31eb09dea9366d8bb79ad80ba"));
	{
		struct quic_keys a, b;

		CHECK_EQ_U(quic_keys_derive(ctx, 0xfaceb002u, dcid, 8, &a), 0);
		CHECK_EQ_U(quic_keys_derive(ctx, 0xff00001bu, dcid, 8, &b), 0);
		CHECK(memcmp(a.key, b.key, 16) == 0);
		CHECK_EQ_U(quic_keys_derive(ctx, 0xfaceb001u, dcid, 8, &a), 0);
		CHECK_EQ_U(quic_keys_derive(ctx, 0xff000016u, dcid, 8, &b), 0);
		CHECK(memcmp(a.key, b.key, 16) == 0);
	}

	/* Not derivable: other versions (draft 21, reserved, gQUIC),
	 * over-long CIDs.  An empty DCID is. */
	CHECK(quic_keys_derive(ctx, 0xff000015u, dcid, 8, &k) == -1);
	CHECK(!k.is_valid);
	CHECK(quic_keys_derive(ctx, 0x0a0a0a0au, dcid, 8, &k) == -1);
	CHECK(quic_keys_derive(ctx, 0x51303530u, dcid, 8, &k) == -1);
	CHECK(quic_keys_derive(ctx, QUIC_VERSION_1, dcid, 21, &k) == -1);
	CHECK_EQ_U(quic_keys_derive(ctx, QUIC_VERSION_1, dcid, 0, &k), 0);
}

static void
test_header(void)
{
	uint8_t pkt[1200];
	struct quic_long_header h;

	CHECK_EQ_U(unhex(rfc9001_packet, pkt, sizeof(pkt)), 1200);
	CHECK_EQ_U(quic_parse_long_header(pkt, 1200, &h), QUIC_OK);
	CHECK_EQ_U(h.version, QUIC_VERSION_1);
	CHECK_EQ_U(h.type, QUIC_PKT_INITIAL);
	CHECK(eq_hex(h.dcid, h.dcid_len, rfc_dcid));
	CHECK_EQ_U(h.scid_len, 0);
	CHECK_EQ_U(h.token_len, 0);
	CHECK_EQ_U(h.pn_offset, 18);
	CHECK_EQ_U(h.packet_len, 1200);
	CHECK(quic_is_initial_candidate(pkt, 1200));
	CHECK(quic_is_initial_candidate(pkt, 15));	/* CIDs are enough */
	CHECK(!quic_is_initial_candidate(pkt, 14));

	/* Version-dependent type bits: v1 Initial bits under v2 = Retry. */
	pkt[4] = 0xcf, pkt[1] = 0x6b, pkt[2] = 0x33, pkt[3] = 0x43;
	CHECK(!quic_is_initial_candidate(pkt, 1200));
	CHECK_EQ_U(quic_parse_long_header(pkt, 1200, &h), QUIC_OK);
	CHECK_EQ_U(h.type, QUIC_PKT_RETRY);
	CHECK_EQ_U(h.packet_len, 1200);

	/* Draft 29 (and mvfst): v1's type bits, an Initial. */
	pkt[1] = 0xff, pkt[2] = 0x00, pkt[3] = 0x00, pkt[4] = 0x1d;
	CHECK(quic_is_initial_candidate(pkt, 1200));
	CHECK_EQ_U(quic_parse_long_header(pkt, 1200, &h), QUIC_OK);
	CHECK_EQ_U(h.type, QUIC_PKT_INITIAL);
	pkt[1] = 0xfa, pkt[2] = 0xce, pkt[3] = 0xb0, pkt[4] = 0x02;
	CHECK(quic_is_initial_candidate(pkt, 1200));

	/* Draft 21, version negotiation, grease: recognised, not
	 * decrypted. */
	pkt[1] = 0xff, pkt[2] = 0x00, pkt[3] = 0x00, pkt[4] = 0x15;
	CHECK(!quic_is_initial_candidate(pkt, 1200));
	CHECK_EQ_U(quic_parse_long_header(pkt, 1200, &h), QUIC_UNSUPPORTED);
	CHECK_EQ_U(h.version, 0xff000015u);
	CHECK(eq_hex(h.dcid, h.dcid_len, rfc_dcid));
	pkt[1] = pkt[2] = pkt[3] = pkt[4] = 0;
	CHECK_EQ_U(quic_parse_long_header(pkt, 1200, &h), QUIC_UNSUPPORTED);
	pkt[1] = pkt[2] = pkt[3] = pkt[4] = 0x1a;
	CHECK_EQ_U(quic_parse_long_header(pkt, 1200, &h), QUIC_UNSUPPORTED);
	CHECK(!quic_is_initial_candidate(pkt, 1200));

	/* Short header, missing fixed bit, over-long CID. */
	unhex(rfc9001_packet, pkt, sizeof(pkt));
	pkt[0] = 0x40;
	CHECK_EQ_U(quic_parse_long_header(pkt, 1200, &h), QUIC_NOT_MINE);
	CHECK(!quic_is_initial_candidate(pkt, 1200));
	pkt[0] = 0x80;
	CHECK(!quic_is_initial_candidate(pkt, 1200));
	CHECK_EQ_U(quic_parse_long_header(pkt, 1200, &h), QUIC_OK);
	pkt[0] = 0xc0;
	pkt[5] = 21;
	CHECK(!quic_is_initial_candidate(pkt, 1200));
	CHECK_EQ_U(quic_parse_long_header(pkt, 1200, &h), QUIC_MALFORMED);
	CHECK(!quic_is_initial_candidate(NULL, 0));
	CHECK_EQ_U(quic_parse_long_header(pkt, 0, &h), QUIC_NOT_MINE);
}

/* Decrypt an RFC packet and check everything Appendix A states. */
static void
check_rfc_packet(const char *hex, uint32_t version, uint8_t first_byte)
{
	uint8_t pkt[1200], payload[1162];
	struct quic_long_header h;
	struct quic_keys k;
	struct quic_plain pl;
	struct quic_datagram d;
	size_t msg_len;

	CHECK_EQ_U(unhex(hex, pkt, sizeof(pkt)), 1200);
	rfc_payload(payload);
	CHECK_EQ_U(quic_parse_long_header(pkt, 1200, &h), QUIC_OK);
	CHECK_EQ_U(h.version, version);
	CHECK_EQ_U(h.type, QUIC_PKT_INITIAL);
	CHECK_EQ_U(quic_keys_derive(ctx, version, h.dcid, h.dcid_len, &k), 0);
	CHECK_EQ_U(quic_decrypt_initial(ctx, &k, pkt, &h, &pl), QUIC_OK);
	CHECK_EQ_U(pl.pn, 2);
	CHECK_EQ_U(pl.pn_len, 4);
	CHECK_EQ_U(pl.first_byte, first_byte);
	CHECK_EQ_U(pl.payload_len, 1162);
	CHECK(memcmp(pl.payload, payload, 1162) == 0);
	CHECK_EQ_U(k.largest_pn, 2);

	memset(&k, 0, sizeof(k));
	memset(&crypto, 0, sizeof(crypto));
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, 1200, &k, &crypto, &d),
	    QUIC_OK);
	CHECK_EQ_U(d.version, version);
	CHECK_EQ_U(d.n_packets, 1);
	CHECK_EQ_U(d.n_initials, 1);
	CHECK_EQ_U(d.last_pn, 2);
	CHECK_EQ_U(d.frames.n_crypto, 1);
	CHECK_EQ_U(d.frames.n_padding, 1162 - 245);
	CHECK_EQ_U(d.anomalies, 0);
	CHECK(k.is_valid);
	CHECK(quic_crypto_hello_complete(&crypto, &msg_len));
	CHECK_EQ_U(msg_len, 4 + 0xed);
	CHECK(memcmp(crypto.data, payload + 4, msg_len) == 0);
}

static void
test_rfc_vectors(void)
{
	uint8_t pkt[1200], payload[1162], dcid[8];
	struct quic_keys k;
	struct seal s = { QUIC_VERSION_1, dcid, 8, 2, 4, 0, payload, 1162 };

	check_rfc_packet(rfc9001_packet, QUIC_VERSION_1, 0xc3);
	check_rfc_packet(rfc9369_packet, QUIC_VERSION_2, 0xd3);

	/* The test encryptor reproduces both RFC packets byte for byte. */
	unhex(rfc_dcid, dcid, sizeof(dcid));
	rfc_payload(payload);
	quic_keys_derive(ctx, QUIC_VERSION_1, dcid, 8, &k);
	CHECK_EQ_U(seal_initial(&k, &s, pkt), 1200);
	{
		uint8_t want[1200];

		unhex(rfc9001_packet, want, sizeof(want));
		CHECK(memcmp(pkt, want, 1200) == 0);
		s.version = QUIC_VERSION_2;
		quic_keys_derive(ctx, QUIC_VERSION_2, dcid, 8, &k);
		CHECK_EQ_U(seal_initial(&k, &s, pkt), 1200);
		unhex(rfc9369_packet, want, sizeof(want));
		CHECK(memcmp(pkt, want, 1200) == 0);
	}
}

static bool
is_allowed(enum quic_status st)
{
	return st == QUIC_OK || st == QUIC_NOT_MINE || st == QUIC_UNSUPPORTED ||
	    st == QUIC_NO_INITIAL || st == QUIC_AUTH_FAILED ||
	    st == QUIC_MALFORMED;
}

/* Every prefix and every single-bit and single-byte flip of a datagram:
 * no crash, an allowed status, and never QUIC_OK for a damaged packet
 * (AEAD and header protection cover every byte of a lone Initial). */
static void
abuse(const uint8_t *dgram, size_t len, bool is_lone_initial)
{
	static uint8_t buf[65536];
	struct quic_keys k;
	struct quic_datagram d;
	enum quic_status st;
	int bad_status = 0, bad_ok = 0;

	for (size_t n = 0; n <= len; n++) {
		uint8_t *copy = malloc(n ? n : 1);	/* exact, for ASan */

		memcpy(copy, dgram, n);
		memset(&k, 0, sizeof(k));
		memset(&crypto2, 0, sizeof(crypto2));
		st = quic_parse_datagram(ctx, copy, n, &k, &crypto2, &d);
		bad_status += !is_allowed(st);
		bad_ok += is_lone_initial && n < len && st == QUIC_OK;
		free(copy);
	}
	memcpy(buf, dgram, len);
	for (size_t i = 0; i < len; i++) {
		for (unsigned f = 0; f < 3; f++) {
			uint8_t x = f == 0 ? 0x01 : f == 1 ? 0x80 : 0xff;

			buf[i] ^= x;
			memset(&k, 0, sizeof(k));
			memset(&crypto2, 0, sizeof(crypto2));
			st = quic_parse_datagram(ctx, buf, len, &k, &crypto2,
			    &d);
			bad_status += !is_allowed(st);
			bad_ok += is_lone_initial && st == QUIC_OK;
			buf[i] ^= x;
		}
	}
	CHECK_EQ_U(bad_status, 0);
	CHECK_EQ_U(bad_ok, 0);
}

static void
test_abuse(void)
{
	uint8_t pkt[1200];

	unhex(rfc9001_packet, pkt, sizeof(pkt));
	abuse(pkt, sizeof(pkt), true);
	unhex(rfc9369_packet, pkt, sizeof(pkt));
	abuse(pkt, sizeof(pkt), true);
	for (size_t i = 0; i < N_QUIC_GO; i++)
		abuse(quic_go_v1[i].data, quic_go_v1[i].len,
		    quic_go_v1[i].n_packets == 1);
}

static void
test_auth_failure(void)
{
	uint8_t pkt[1200];
	struct quic_keys k;
	struct quic_datagram d;

	unhex(rfc9001_packet, pkt, sizeof(pkt));
	pkt[600] ^= 0x20;
	memset(&k, 0, sizeof(k));
	memset(&crypto, 0, sizeof(crypto));
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, 1200, &k, &crypto, &d),
	    QUIC_AUTH_FAILED);
	CHECK_EQ_U(d.n_auth_failed, 1);
	CHECK_EQ_U(d.n_initials, 0);
	CHECK(d.anomalies & QUIC_ANOM_AUTH_FAILED);
	CHECK(!k.is_valid);	/* a failed first Initial caches nothing */
	CHECK_EQ_U(quic_crypto_contiguous(&crypto), 0);

	/* The tag itself. */
	pkt[600] ^= 0x20;
	pkt[1199] ^= 0x01;
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, 1200, &k, &crypto, &d),
	    QUIC_AUTH_FAILED);
	pkt[1199] ^= 0x01;
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, 1200, &k, &crypto, &d),
	    QUIC_OK);
}

/* A synthetic ClientHello of len bytes (type 1, 24-bit length, filler). */
static void
make_hello(uint8_t *out, size_t len)
{
	out[0] = 1;
	out[1] = (uint8_t)((len - 4) >> 16);
	out[2] = (uint8_t)((len - 4) >> 8);
	out[3] = (uint8_t)(len - 4);
	for (size_t i = 4; i < len; i++)
		out[i] = (uint8_t)(i * 7 + 3);
}

static void
test_reassembly(void)
{
	static uint8_t hello[3000], other[3000];
	struct quic_crypto_buf *b = &crypto;
	size_t msg_len = 99;

	make_hello(hello, sizeof(hello));
	memset(b, 0, sizeof(*b));
	CHECK(!quic_crypto_hello_complete(b, &msg_len));
	CHECK_EQ_U(msg_len, 0);

	/* Out of order, split: complete only when the gap at 0 closes. */
	CHECK_EQ_U(quic_crypto_add(b, 1000, hello + 1000, 1000), 0);
	CHECK_EQ_U(quic_crypto_add(b, 2500, hello + 2500, 500), 0);
	CHECK_EQ_U(b->n_ranges, 2);
	CHECK_EQ_U(quic_crypto_contiguous(b), 0);
	CHECK_EQ_U(quic_crypto_add(b, 2000, hello + 2000, 500), 0);
	CHECK_EQ_U(b->n_ranges, 1);		/* touching ranges merge */
	CHECK(!quic_crypto_hello_complete(b, NULL));
	CHECK_EQ_U(quic_crypto_add(b, 0, hello, 3), 0);
	CHECK_EQ_U(quic_crypto_contiguous(b), 3);
	CHECK(!quic_crypto_hello_complete(b, NULL));	/* header incomplete */
	CHECK_EQ_U(quic_crypto_add(b, 2, hello + 2, 998), 0);	/* overlaps */
	CHECK_EQ_U(quic_crypto_contiguous(b), 3000);
	CHECK(quic_crypto_hello_complete(b, &msg_len));
	CHECK_EQ_U(msg_len, 3000);
	CHECK(memcmp(b->data, hello, 3000) == 0);
	CHECK_EQ_U(b->anomalies, 0);

	/* Retransmission with different bytes: first copy wins, flagged. */
	memcpy(other, hello, sizeof(other));
	other[1500] ^= 0xff;
	CHECK_EQ_U(quic_crypto_add(b, 1400, other + 1400, 200),
	    QUIC_ANOM_CRYPTO_CONFLICT);
	CHECK_EQ_U(b->data[1500], hello[1500]);
	/* A longer message than we hold is never complete. */
	memset(b, 0, sizeof(*b));
	other[0] = 1, other[1] = 0x00, other[2] = 0x40, other[3] = 0x00;
	CHECK_EQ_U(quic_crypto_add(b, 0, other, 3000), 0);
	CHECK_EQ_U(quic_crypto_add(b, 3000, other, 3000), 0);
	CHECK_EQ_U(quic_crypto_add(b, 6000, other, 3000), 0);
	CHECK_EQ_U(quic_crypto_add(b, 9000, other, 3000), 0);
	CHECK_EQ_U(quic_crypto_add(b, 12000, other, 3000), 0);
	CHECK_EQ_U(quic_crypto_add(b, 15000, other, 3000),
	    QUIC_ANOM_CRYPTO_OVERFLOW);
	CHECK_EQ_U(quic_crypto_contiguous(b), QUIC_CRYPTO_MAX);
	CHECK(!quic_crypto_hello_complete(b, NULL));	/* 16 KiB + 4 */
	CHECK_EQ_U(quic_crypto_add(b, (uint64_t)1 << 40, other, 10),
	    QUIC_ANOM_CRYPTO_OVERFLOW);
	CHECK_EQ_U(quic_crypto_add(b, 5, other, 0), 0);

	/* Too many gaps: the fragment that would need range 17 is dropped. */
	memset(b, 0, sizeof(*b));
	for (unsigned i = 0; i < QUIC_CRYPTO_MAX_RANGES; i++)
		CHECK_EQ_U(quic_crypto_add(b, 100 + 10 * i,
		    hello + 100 + 10 * i, 1), 0);
	CHECK_EQ_U(quic_crypto_add(b, 1000, hello + 1000, 1),
	    QUIC_ANOM_CRYPTO_RANGES);
	CHECK_EQ_U(b->n_ranges, QUIC_CRYPTO_MAX_RANGES);
	CHECK_EQ_U(quic_crypto_add(b, 5, hello + 5, 1),
	    QUIC_ANOM_CRYPTO_RANGES);
	CHECK_EQ_U(quic_crypto_add(b, 101, hello + 101, 9), 0); /* joins two */
	CHECK_EQ_U(b->n_ranges, QUIC_CRYPTO_MAX_RANGES - 1);
	CHECK_EQ_U(quic_crypto_add(b, 0, hello, 100), 0);
	CHECK_EQ_U(quic_crypto_contiguous(b), 111);
	CHECK_EQ_U(quic_crypto_add(b, 0, hello, 1000), 0);	/* covers all */
	CHECK_EQ_U(b->n_ranges, 1);
	CHECK_EQ_U(quic_crypto_contiguous(b), 1000);
	CHECK(b->anomalies & QUIC_ANOM_CRYPTO_RANGES);
}

/* Reassembly against a naive model: a byte map, first write wins, and a
 * fragment dropped when the result would have too many ranges. */
static unsigned
count_runs(const uint8_t *have, size_t n)
{
	unsigned runs = 0;

	for (size_t i = 0; i < n; i++)
		runs += have[i] && (i == 0 || !have[i - 1]);
	return runs;
}

static void
test_reassembly_model(void)
{
	enum { SPAN = 600 };
	static uint8_t have[SPAN], want[SPAN], trial[SPAN], src[SPAN];
	uint32_t seed = 12345;
	int bad = 0, n_drops = 0;
	long covered;

	memset(&crypto, 0, sizeof(crypto));
	memset(have, 0, sizeof(have));
	for (int op = 0; op < 5000; op++) {
		size_t off, len;
		uint32_t got, expect_drop;

		seed = seed * 1103515245u + 12345u;
		off = (seed >> 8) % SPAN;
		len = 1 + (seed >> 20) % 12;
		if (off + len > SPAN)
			len = SPAN - off;
		for (size_t i = 0; i < len; i++)
			src[off + i] = (uint8_t)(off + i + (op % 7 == 0));
		memcpy(trial, have, sizeof(have));
		memset(trial + off, 1, len);
		expect_drop = count_runs(trial, SPAN) > QUIC_CRYPTO_MAX_RANGES;
		got = quic_crypto_add(&crypto, off, src + off, len);
		bad += !(got & QUIC_ANOM_CRYPTO_RANGES) != !expect_drop;
		if (!expect_drop) {
			for (size_t i = off; i < off + len; i++)
				if (!have[i])
					want[i] = src[i];
			memcpy(have, trial, sizeof(have));
		}
		n_drops += expect_drop;
		bad += crypto.n_ranges != count_runs(have, SPAN);
		covered = 0;
		for (uint32_t r = 0; r < crypto.n_ranges; r++) {
			for (uint32_t i = crypto.range[r].start;
			    i < crypto.range[r].end; i++)
				bad += !have[i] || crypto.data[i] != want[i];
			covered += crypto.range[r].end - crypto.range[r].start;
		}
		for (size_t i = 0; i < SPAN; i++)
			covered -= have[i];
		bad += covered != 0;
		if (op == 2500) {	/* let the map fill up again */
			memset(&crypto, 0, sizeof(crypto));
			memset(have, 0, sizeof(have));
		}
	}
	CHECK_EQ_U(bad, 0);
	CHECK(n_drops > 100);			/* the cap was exercised */
	CHECK(crypto.anomalies & QUIC_ANOM_CRYPTO_CONFLICT);
}

static void
test_frames(void)
{
	static const uint8_t p[] = {
		0x01,					/* PING */
		0x02, 0x10, 0x00, 0x02, 0x01,		/* ACK, 2 ranges */
		0x01, 0x01, 0x01, 0x01,
		0x03, 0x05, 0x40, 0x10, 0x00, 0x00,	/* ACK_ECN */
		0x01, 0x02, 0x03,
		0x06, 0x05, 0x03, 'l', 'o', '!',	/* CRYPTO off 5 */
		0x00, 0x00, 0x00,			/* PADDING x3 */
		0x06, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o', /* CRYPTO off 0 */
		0x1c, 0x0a, 0x06, 0x02, 'n', 'o',	/* CONNECTION_CLOSE */
		0x08, 0x00, 0x00,			/* STREAM: stop */
		0x01,
	};
	struct quic_frames st;

	memset(&st, 0, sizeof(st));
	memset(&crypto, 0, sizeof(crypto));
	CHECK_EQ_U(quic_parse_frames(p, sizeof(p), &crypto, &st), QUIC_OK);
	CHECK_EQ_U(st.n_ping, 1);
	CHECK_EQ_U(st.n_ack, 2);
	CHECK_EQ_U(st.n_crypto, 2);
	CHECK_EQ_U(st.n_padding, 3);
	CHECK(st.has_close);
	CHECK_EQ_U(st.close_error, 0x0a);
	CHECK_EQ_U(st.anomalies, QUIC_ANOM_CONN_CLOSE |
	    QUIC_ANOM_UNKNOWN_FRAME);
	CHECK_EQ_U(quic_crypto_contiguous(&crypto), 8);
	CHECK(memcmp(crypto.data, "hello", 5) == 0);
	CHECK(memcmp(crypto.data + 5, "lo!", 3) == 0);

	/* Every prefix: OK or MALFORMED, never a read past the end. */
	for (size_t n = 0; n < sizeof(p); n++) {
		uint8_t *copy = malloc(n ? n : 1);
		enum quic_status r;

		memcpy(copy, p, n);
		memset(&st, 0, sizeof(st));
		r = quic_parse_frames(copy, n, NULL, &st);
		CHECK(r == QUIC_OK || r == QUIC_MALFORMED);
		CHECK(n != 0 || (r == QUIC_MALFORMED &&
		    st.anomalies == QUIC_ANOM_NO_FRAMES));
		free(copy);
	}
	memset(&st, 0, sizeof(st));
	CHECK_EQ_U(quic_parse_frames(p, 8, NULL, &st), QUIC_MALFORMED);
	CHECK_EQ_U(st.anomalies, QUIC_ANOM_FRAME_TRUNCATED);

	/* CRYPTO reaching past 2^62 - 1 is a protocol violation. */
	{
		static const uint8_t big[] = { 0x06, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0x02, 'h', 'i' };

		memset(&st, 0, sizeof(st));
		CHECK_EQ_U(quic_parse_frames(big, sizeof(big), NULL, &st),
		    QUIC_MALFORMED);
	}
	/* An ACK claiming 2^62 ranges is bounded by the payload. */
	{
		static const uint8_t ack[] = { 0x02, 0x00, 0x00, 0xbf, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00 };

		memset(&st, 0, sizeof(st));
		CHECK_EQ_U(quic_parse_frames(ack, sizeof(ack), NULL, &st),
		    QUIC_MALFORMED);
	}
}

/* Split a ClientHello over two sealed Initials, deliver them out of order,
 * coalesce with Handshake packets and trailing padding. */
static void
test_datagrams(void)
{
	static uint8_t hello[1500], pay[1100], a[1300], b[1300], dg[3000];
	static const uint8_t dcid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct quic_keys k, kc;
	struct quic_datagram d;
	struct seal s = { QUIC_VERSION_2, dcid, 8, 0, 2, 0, pay, 0 };
	size_t alen, blen, msg_len, n, hs_len;

	make_hello(hello, sizeof(hello));
	quic_keys_derive(ctx, QUIC_VERSION_2, dcid, 8, &kc);
	/* a: PING, CRYPTO [800, 1500), PADDING.  b: CRYPTO [0, 800). */
	memset(pay, 0, sizeof(pay));
	pay[0] = 0x01;
	pay[1] = 0x06;					/* CRYPTO */
	pay[2] = 0x43, pay[3] = 0x20;			/* offset 800 */
	pay[4] = 0x42, pay[5] = 0xbc;			/* length 700 */
	memcpy(pay + 6, hello + 800, 700);
	s.payload_len = 1000;
	alen = seal_initial(&kc, &s, a);
	pay[0] = 0x06, pay[1] = 0x00, pay[2] = 0x43, pay[3] = 0x20;
	memcpy(pay + 4, hello, 800);
	s.pn = 1;
	s.payload_len = 804;
	blen = seal_initial(&kc, &s, b);

	memset(&k, 0, sizeof(k));
	memset(&crypto, 0, sizeof(crypto));
	CHECK_EQ_U(quic_parse_datagram(ctx, b, blen, &k, &crypto, &d), QUIC_OK);
	CHECK_EQ_U(d.last_pn, 1);
	CHECK(d.anomalies & QUIC_ANOM_SHORT_DATAGRAM);
	CHECK(!quic_crypto_hello_complete(&crypto, NULL));

	/* Handshake (v2 type bits 11) + Initial + zero padding. */
	n = 0;
	dg[n++] = 0xf0;
	dg[n++] = 0x6b, dg[n++] = 0x33, dg[n++] = 0x43, dg[n++] = 0xcf;
	dg[n++] = 8;
	memcpy(dg + n, dcid, 8);
	n += 8;
	dg[n++] = 0;
	dg[n++] = 0x40, dg[n++] = 40;
	memset(dg + n, 0x5a, 40);
	n += 40;
	hs_len = n;
	memcpy(dg + n, a, alen);
	n += alen;
	memset(dg + n, 0, 200);
	n += 200;
	CHECK_EQ_U(quic_parse_datagram(ctx, dg, n, &k, &crypto, &d), QUIC_OK);
	CHECK_EQ_U(d.n_packets, 2);
	CHECK_EQ_U(d.n_initials, 1);
	CHECK_EQ_U(d.last_pn, 0);
	CHECK_EQ_U(d.frames.n_ping, 1);
	CHECK_EQ_U(d.anomalies, QUIC_ANOM_TRAILING_BYTES);
	CHECK(quic_crypto_hello_complete(&crypto, &msg_len));
	CHECK_EQ_U(msg_len, 1500);
	CHECK(memcmp(crypto.data, hello, 1500) == 0);

	/* The Handshake packet alone holds no Initial. */
	CHECK_EQ_U(quic_parse_datagram(ctx, dg, hs_len, &k, &crypto, &d),
	    QUIC_NO_INITIAL);
	CHECK_EQ_U(d.n_packets, 1);
	/* Cut inside the Initial: the Handshake parses, the rest is bad. */
	CHECK_EQ_U(quic_parse_datagram(ctx, dg, hs_len + 100, &k, &crypto, &d),
	    QUIC_NO_INITIAL);
	CHECK_EQ_U(d.anomalies, QUIC_ANOM_BAD_COALESCED);
	CHECK_EQ_U(quic_parse_datagram(ctx, dg, 0, &k, &crypto, &d),
	    QUIC_NOT_MINE);
}

/* Cached keys: later Initials with the server's CID, a new DCID after
 * Retry, compatible version negotiation, packet number decoding. */
static void
test_key_cache(void)
{
	static uint8_t pay[64], pkt[200];
	static const uint8_t odcid[8] = { 0xa0, 1, 2, 3, 4, 5, 6, 7 };
	static const uint8_t scid[4] = { 0x5c, 0x1d, 0, 1 };
	static const uint8_t rdcid[12] = { 0xee, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct quic_keys k, ko, kr, k2;
	struct quic_datagram d;
	struct seal s = { QUIC_VERSION_1, odcid, 8, 255, 2, 0, pay, 40 };
	size_t n;

	memset(pay, 0, sizeof(pay));
	pay[0] = 0x01;
	quic_keys_derive(ctx, QUIC_VERSION_1, odcid, 8, &ko);
	quic_keys_derive(ctx, QUIC_VERSION_1, rdcid, 12, &kr);
	quic_keys_derive(ctx, QUIC_VERSION_2, odcid, 8, &k2);

	memset(&k, 0, sizeof(k));
	n = seal_initial(&ko, &s, pkt);
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, n, &k, NULL, &d), QUIC_OK);
	CHECK_EQ_U(d.last_pn, 255);
	CHECK_EQ_U(k.largest_pn, 255);

	/* Server's CID as DCID, same keys; 1-byte PN 0x00 decodes to 256. */
	s.dcid = scid, s.dcid_len = 4, s.pn = 256, s.pn_len = 1;
	n = seal_initial(&ko, &s, pkt);
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, n, &k, NULL, &d), QUIC_OK);
	CHECK_EQ_U(d.last_pn, 256);
	CHECK_EQ_U(d.anomalies & QUIC_ANOM_REKEYED, 0);
	CHECK(eq_hex(k.dcid, k.dcid_len, "a001020304050607"));

	/* After Retry: keys from the new DCID replace the cache. */
	s.dcid = rdcid, s.dcid_len = 12, s.pn = 257, s.pn_len = 2;
	n = seal_initial(&kr, &s, pkt);
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, n, &k, NULL, &d), QUIC_OK);
	CHECK(d.anomalies & QUIC_ANOM_REKEYED);
	CHECK_EQ_U(k.dcid_len, 12);
	CHECK_EQ_U(k.largest_pn, 257);

	/* Compatible version negotiation: v2 keys from the original DCID. */
	memset(&k, 0, sizeof(k));
	s.dcid = odcid, s.dcid_len = 8, s.pn = 0, s.version = QUIC_VERSION_1;
	n = seal_initial(&ko, &s, pkt);
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, n, &k, NULL, &d), QUIC_OK);
	s.dcid = scid, s.dcid_len = 4, s.pn = 1, s.version = QUIC_VERSION_2;
	n = seal_initial(&k2, &s, pkt);
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, n, &k, NULL, &d), QUIC_OK);
	CHECK(d.anomalies & QUIC_ANOM_REKEYED);
	CHECK_EQ_U(k.version, QUIC_VERSION_2);
	CHECK(eq_hex(k.dcid, k.dcid_len, "a001020304050607"));

	/* Wrong keys for a packet do not poison a valid cache. */
	s.version = QUIC_VERSION_1, s.pn = 2;
	n = seal_initial(&kr, &s, pkt);		/* neither scid's nor odcid's */
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, n, &k, NULL, &d),
	    QUIC_AUTH_FAILED);
	CHECK(k.is_valid);
	CHECK_EQ_U(k.version, QUIC_VERSION_2);

	/* Reserved bits set under header protection; DCID under 8 bytes. */
	memset(&k, 0, sizeof(k));
	quic_keys_derive(ctx, QUIC_VERSION_1, scid, 4, &ko);
	s.reserved = 0x0c;
	n = seal_initial(&ko, &s, pkt);
	CHECK_EQ_U(quic_parse_datagram(ctx, pkt, n, &k, NULL, &d), QUIC_OK);
	CHECK(d.anomalies & QUIC_ANOM_RESERVED_BITS);
	CHECK(d.anomalies & QUIC_ANOM_DCID_SHORT);
}

/* Real quic-go traffic, checked against tshark's own decryption.  Keys
 * and CRYPTO state are per connection (client port), as a flow would keep
 * them; later Initials carry the server's CID and reuse the cached keys. */
static void
test_quic_go(void)
{
	struct quic_keys k;
	struct quic_datagram d;
	size_t msg_len;
	unsigned n_hello = 0, port = 0;
	bool has_hello = false;

	for (size_t i = 0; i < N_QUIC_GO; i++) {
		const struct quic_go_v1_fixture *f = &quic_go_v1[i];
		enum quic_status st;

		if (f->port != port) {
			port = f->port;
			has_hello = false;
			memset(&k, 0, sizeof(k));
			memset(&crypto, 0, sizeof(crypto));
		}
		CHECK(quic_is_initial_candidate(f->data, f->len));
		st = quic_parse_datagram(ctx, f->data, f->len, &k, &crypto, &d);
		if (!CHECK_EQ_U(st, QUIC_OK))
			fprintf(stderr, "  frame %u\n", f->frame);
		CHECK_EQ_U(d.last_pn, strtoull(f->pns, NULL, 10));
		CHECK_EQ_U(d.anomalies & ~QUIC_ANOM_TRAILING_BYTES, 0);
		CHECK_EQ_U(d.n_packets, f->n_packets);
		CHECK_EQ_U(d.frames.n_ping, f->n_ping);
		CHECK_EQ_U(d.frames.n_ack, f->n_ack);
		CHECK_EQ_U(d.frames.n_crypto, f->n_crypto);
		if (f->hello_len != 0) {
			CHECK(quic_crypto_hello_complete(&crypto, &msg_len));
			CHECK_EQ_U(msg_len, f->hello_len + 4);
			n_hello++;
			has_hello = true;
		} else if (!has_hello) {
			CHECK(!quic_crypto_hello_complete(&crypto, NULL));
		}
		CHECK_EQ_U(crypto.anomalies, 0);
	}
	CHECK_EQ_U(n_hello, 2);
}

/* quic.h promises no allocation per packet: count OpenSSL's. */
static long n_ossl_alloc;

static void *
count_malloc(size_t n, const char *file, int line)
{
	(void)file, (void)line;
	n_ossl_alloc++;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file, (void)line;
	n_ossl_alloc++;
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	(void)file, (void)line;
	free(p);
}

static void
test_no_alloc(bool is_counting)
{
	struct quic_keys k;
	struct quic_datagram d;
	long before;
	size_t first;

	if (!is_counting) {
		fprintf(stderr, "test_no_alloc: no OpenSSL hook, skipped\n");
		return;
	}
	/* The last connection: derive on its first datagram, then reuse. */
	first = N_QUIC_GO - 1;
	while (first > 0 &&
	    quic_go_v1[first - 1].port == quic_go_v1[first].port)
		first--;
	CHECK(first + 1 < N_QUIC_GO);
	memset(&k, 0, sizeof(k));
	memset(&crypto, 0, sizeof(crypto));
	CHECK_EQ_U(quic_parse_datagram(ctx, quic_go_v1[first].data,
	    quic_go_v1[first].len, &k, &crypto, &d), QUIC_OK);
	CHECK(n_ossl_alloc > 0);		/* the hook works: derivation */
	before = n_ossl_alloc;
	for (int i = 0; i < 100; i++)
		for (size_t j = first + 1; j < N_QUIC_GO; j++)
			CHECK_EQ_U(quic_parse_datagram(ctx, quic_go_v1[j].data,
			    quic_go_v1[j].len, &k, &crypto, &d), QUIC_OK);
	CHECK_EQ_U(n_ossl_alloc - before, 0);
}

int
main(void)
{
	bool is_counting = CRYPTO_set_mem_functions(count_malloc,
	    count_realloc, count_free) == 1;

	if ((ctx = quic_ctx_new()) == NULL) {
		fprintf(stderr, "quic_ctx_new failed\n");
		return 99;
	}
	test_keys();
	test_header();
	test_rfc_vectors();
	test_auth_failure();
	test_reassembly();
	test_reassembly_model();
	test_frames();
	test_datagrams();
	test_key_cache();
	test_quic_go();
	test_no_alloc(is_counting);
	test_abuse();
	quic_ctx_free(ctx);
	quic_ctx_free(NULL);
	return test_done("test_quic");
}

/* sensor/capture.c: reading packets from a capture file.
 *
 * Classic pcap in a regular file is memory-mapped and walked here; pcapng,
 * stdin and anything else go through libpcap.  Both paths give the same
 * packets, the same damage checks and the same messages. */
#include "sensor/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"
#include "sensor/decode.h"

#define PCAP_MAGIC_USEC		0xa1b2c3d4u
#define PCAP_MAGIC_NSEC		0xa1b23c4du
#define PCAP_RECORD_MAX		262144u	/* libpcap's largest snaplen */
#define MAP_RELEASE_BYTES	(8u << 20)	/* keep RSS small */

/* LINKTYPE_* values in files that differ from this system's DLT_* ones. */
static int
linktype_to_dlt(uint32_t lt)
{
	switch (lt) {
	case 101: return DLT_RAW;
	case 228: return DLT_IPV4;
	case 229: return DLT_IPV6;
	case 113: return DLT_LINUX_SLL;
	case 276: return DLT_LINUX_SLL2;
	case 108: return DLT_LOOP;
	default: return (int)lt;
	}
}

static uint32_t
rd32(const uint8_t *p, bool swapped)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

static int
set_filter(struct capture *c, const char *bpf, int dlt, int snaplen,
    pcap_t *p)
{
	pcap_t *dead = NULL;

	if (bpf == NULL || bpf[0] == '\0')
		return 0;
	if (p == NULL && (p = dead = pcap_open_dead(dlt, snaplen)) == NULL) {
		snprintf(c->err, sizeof(c->err), "filter '%s': cannot compile",
		    bpf);
		return -1;
	}
	if (pcap_compile(p, &c->filter, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(c->err, sizeof(c->err), "filter '%s': %s", bpf,
		    pcap_geterr(p));
		if (dead)
			pcap_close(dead);
		return -1;
	}
	if (dead)
		pcap_close(dead);
	c->has_filter = true;
	if (c->pcap != NULL && pcap_setfilter(c->pcap, &c->filter) != 0) {
		snprintf(c->err, sizeof(c->err), "filter '%s': %s", bpf,
		    pcap_geterr(c->pcap));
		return -1;
	}
	return 0;
}

static int
check_linktype(struct capture *c)
{
	const char *name;

	if (decode_linktype_supported(c->dlt))
		return 0;
	name = pcap_datalink_val_to_name(c->dlt);
	snprintf(c->err, sizeof(c->err), "%s: unsupported link type %d (%s)",
	    c->path, c->dlt, name ? name : "unknown");
	return -1;
}

/* Map a regular file if it is classic pcap.  Returns 1 when mapped, 0 to
 * fall back to libpcap, -1 on error. */
static int
try_map(struct capture *c, const char *path, const struct stat *st)
{
	uint8_t hdr[24];
	uint32_t magic;
	int fd;
	void *m;

	if (!S_ISREG(st->st_mode) || st->st_size < 24)
		return 0;
	if ((fd = open(path, O_RDONLY)) < 0) {
		snprintf(c->err, sizeof(c->err), "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (read(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		close(fd);
		return 0;
	}
	magic = rd32(hdr, false);
	if (magic == PCAP_MAGIC_USEC || magic == PCAP_MAGIC_NSEC) {
		c->map_swapped = false;
	} else if (__builtin_bswap32(magic) == PCAP_MAGIC_USEC ||
	    __builtin_bswap32(magic) == PCAP_MAGIC_NSEC) {
		c->map_swapped = true;
		magic = __builtin_bswap32(magic);
	} else {
		close(fd);
		return 0;
	}
	m = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return 0;
	madvise(m, (size_t)st->st_size, MADV_SEQUENTIAL);
	c->map = m;
	c->map_len = (size_t)st->st_size;
	c->map_off = 24;
	c->map_nsec = magic == PCAP_MAGIC_NSEC;
	c->map_snaplen = rd32(hdr + 16, c->map_swapped);
	c->dlt = linktype_to_dlt(rd32(hdr + 20, c->map_swapped) & 0xffff);
	return 1;
}

int
capture_open_offline(struct capture *c, const char *path, const char *bpf)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct stat st;
	bool is_stdin = strcmp(path, "-") == 0;

	memset(c, 0, sizeof(*c));
	c->path = is_stdin ? "stdin" : path;
	if (!is_stdin) {
		int mapped;

		if (stat(path, &st) != 0) {
			snprintf(c->err, sizeof(c->err), "%s: %s", path,
			    strerror(errno));
			return -1;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(c->err, sizeof(c->err), "%s: is a directory, "
			    "not a capture file", path);
			return -1;
		}
		if ((mapped = try_map(c, path, &st)) < 0)
			return -1;
		if (mapped) {
			if (check_linktype(c) != 0 ||
			    set_filter(c, bpf, c->dlt, (int)c->map_snaplen,
			    NULL) != 0) {
				capture_close(c);
				return -1;
			}
			return 0;
		}
	}
	c->pcap = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (c->pcap == NULL) {
		if (strstr(errbuf, "unknown file format") != NULL)
			snprintf(c->err, sizeof(c->err), "%s: not a pcap or "
			    "pcapng capture (%s)", c->path, errbuf);
		else
			snprintf(c->err, sizeof(c->err), "%s: %s", c->path,
			    errbuf[0] ? errbuf : "cannot open");
		return -1;
	}
	c->dlt = pcap_datalink(c->pcap);
	if (check_linktype(c) != 0 ||
	    set_filter(c, bpf, c->dlt, 0, c->pcap) != 0) {
		capture_close(c);
		return -1;
	}
	return 0;
}

static enum capture_result
map_damaged(struct capture *c, const char *what)
{
	snprintf(c->err, sizeof(c->err), "%s: damaged after %llu packets: %s",
	    c->path, (unsigned long long)c->n_read, what);
	return CAPTURE_DAMAGED;
}

static enum capture_result
map_run(struct capture *c, capture_fn *fn, void *arg,
    volatile sig_atomic_t *stop)
{
	size_t released = 0;
	char what[160];

	while (!*stop) {
		size_t left = c->map_len - c->map_off;
		const uint8_t *h = c->map + c->map_off;
		uint32_t caplen, wire, sec, frac;

		if (left == 0)
			return CAPTURE_EOF;
		if (left < 16) {
			snprintf(what, sizeof(what), "truncated dump file; "
			    "record header cut after %zu of 16 bytes", left);
			return map_damaged(c, what);
		}
		sec = rd32(h, c->map_swapped);
		frac = rd32(h + 4, c->map_swapped);
		caplen = rd32(h + 8, c->map_swapped);
		wire = rd32(h + 12, c->map_swapped);
		if (caplen > PCAP_RECORD_MAX) {
			snprintf(what, sizeof(what), "invalid packet capture "
			    "length %u, bigger than maximum of %u", caplen,
			    PCAP_RECORD_MAX);
			return map_damaged(c, what);
		}
		if (left - 16 < caplen) {
			snprintf(what, sizeof(what), "truncated dump file; "
			    "tried to read %u captured bytes, only got %zu",
			    caplen, left - 16);
			return map_damaged(c, what);
		}
		if (caplen > c->map_snaplen)
			c->n_over_snaplen++;
		c->map_off += 16 + (size_t)caplen;
		if (c->has_filter) {
			struct pcap_pkthdr ph = { .caplen = caplen,
			    .len = wire };

			if (!pcap_offline_filter(&c->filter, &ph, h + 16))
				continue;
		}
		c->n_read++;
		fn(arg, c->dlt, (uint64_t)sec * 1000000 +
		    (c->map_nsec ? frac / 1000 : (uint64_t)frac), h + 16, caplen,
		    wire);
		/* Drop pages already read from our address space. */
		if (c->map_off - released >= 2 * MAP_RELEASE_BYTES) {
			size_t upto = (c->map_off - MAP_RELEASE_BYTES) &
			    ~(size_t)(sysconf(_SC_PAGESIZE) - 1);

			madvise((void *)(uintptr_t)(c->map + released),
			    upto - released, MADV_DONTNEED);
			released = upto;
		}
	}
	return CAPTURE_STOPPED;
}

enum capture_result
capture_run(struct capture *c, capture_fn *fn, void *arg,
    volatile sig_atomic_t *stop)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	if (c->map != NULL)
		return map_run(c, fn, arg, stop);
	while (!*stop) {
		rc = pcap_next_ex(c->pcap, &h, &data);
		if (rc == 1) {
			/* Both fields as the file's unsigned 32 bits, as the
			 * mapped path reads them (fuzzed files overflow). */
			uint64_t ts = (uint64_t)(uint32_t)h->ts.tv_sec *
			    1000000 + (uint32_t)h->ts.tv_usec;

			c->n_read++;
			fn(arg, c->dlt, ts, data, h->caplen, h->len);
			continue;
		}
		if (rc == PCAP_ERROR_BREAK)
			return CAPTURE_EOF;
		snprintf(c->err, sizeof(c->err), "%s: damaged after %llu "
		    "packets: %s", c->path, (unsigned long long)c->n_read,
		    pcap_geterr(c->pcap));
		return CAPTURE_DAMAGED;
	}
	return CAPTURE_STOPPED;
}

void
capture_close(struct capture *c)
{
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	if (c->map != NULL)
		munmap((void *)(uintptr_t)c->map, c->map_len);
	if (c->has_filter)
		pcap_freecode(&c->filter);
	c->pcap = NULL;
	c->map = NULL;
	c->has_filter = false;
}

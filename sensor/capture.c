/* sensor/capture.c: reading packets from a capture file through libpcap. */
#include "sensor/capture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sensor/decode.h"

int
capture_open_offline(struct capture *c, const char *path, const char *bpf)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct stat st;

	memset(c, 0, sizeof(*c));
	c->path = strcmp(path, "-") == 0 ? "stdin" : path;
	if (strcmp(path, "-") != 0) {
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
	if (!decode_linktype_supported(c->dlt)) {
		const char *name = pcap_datalink_val_to_name(c->dlt);

		snprintf(c->err, sizeof(c->err), "%s: unsupported link type "
		    "%d (%s)", c->path, c->dlt, name ? name : "unknown");
		capture_close(c);
		return -1;
	}
	if (bpf != NULL && bpf[0] != '\0') {
		if (pcap_compile(c->pcap, &prog, bpf, 1,
		    PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(c->err, sizeof(c->err), "filter '%s': %s",
			    bpf, pcap_geterr(c->pcap));
			capture_close(c);
			return -1;
		}
		if (pcap_setfilter(c->pcap, &prog) != 0) {
			snprintf(c->err, sizeof(c->err), "filter '%s': %s",
			    bpf, pcap_geterr(c->pcap));
			pcap_freecode(&prog);
			capture_close(c);
			return -1;
		}
		pcap_freecode(&prog);
	}
	return 0;
}

enum capture_result
capture_run(struct capture *c, capture_fn *fn, void *arg,
    volatile sig_atomic_t *stop)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	while (!*stop) {
		rc = pcap_next_ex(c->pcap, &h, &data);
		if (rc == 1) {
			uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000 +
			    (uint64_t)h->ts.tv_usec;

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
	c->pcap = NULL;
}

/*
 * tests/bench/pcap_read.c: the read-only floor of the benchmark.
 *
 * Opens a savefile with libpcap and runs pcap_dispatch() with a callback
 * that only counts packets and captured bytes.  No sensor can read the same
 * file faster through libpcap, so bench.sh divides every tool's wall time by
 * this one's.
 *
 * usage: pcap_read FILE
 * prints: packets=N bytes=N seconds=S pps=N
 */
#include <pcap/pcap.h>

#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct read_counts {
	uint64_t	n_packets;
	uint64_t	n_bytes;		/* captured bytes */
};

/* pcap_handler: count one packet.  user is a struct read_counts (borrowed). */
static void
count_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
	struct read_counts *rc = (struct read_counts *)user;

	(void)data;
	rc->n_packets++;
	rc->n_bytes += hdr->caplen;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char			 errbuf[PCAP_ERRBUF_SIZE];
	struct read_counts	 rc = { 0, 0 };
	pcap_t			*p;
	double			 t0, seconds;
	int			 r;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_read FILE\n");
		return 2;
	}
	t0 = now_seconds();
	if ((p = pcap_open_offline(argv[1], errbuf)) == NULL) {
		fprintf(stderr, "pcap_read: %s\n", errbuf);
		return 1;
	}
	/* For a savefile, -1 means every packet up to end of file. */
	while ((r = pcap_dispatch(p, -1, count_packet, (u_char *)&rc)) > 0)
		;
	if (r == PCAP_ERROR) {
		fprintf(stderr, "pcap_read: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	seconds = now_seconds() - t0;
	printf("packets=%llu bytes=%llu seconds=%.6f pps=%.0f\n",
	    (unsigned long long)rc.n_packets, (unsigned long long)rc.n_bytes,
	    seconds, seconds > 0 ? (double)rc.n_packets / seconds : 0.0);
	return 0;
}

# tests/bench/targets.awk: the speed targets, met or not, from bench.sh's
# rows (name, wall s, cpu s, packets/s, RSS MiB, x floor, instr/pkt,
# notes; tab-separated), for one pipeline and for the workers rows.
function verdict(v, op, t) {
	if (v == "" || v == "-")
		return "-"
	v += 0
	return (op == "<=" ? v <= t : v >= t) ? "met" : "NOT met"
}
function line(what, one, many, op, t) {
	printf "  %-40s one pipeline %6s %-8s workers %6s %s\n", what, \
	    one == "" ? "-" : one, verdict(one, op, t), \
	    many == "" ? "-" : many, verdict(many, op, t)
}
function faster(peer, ours) {
	return peer > 0 && ours > 0 ? sprintf("%.2f", peer / ours) : ""
}
{
	name = $1
	if (name ~ /^fpsensor-all/)
		if (name ~ /workers/) { all_w = $2; all_wx = $6 }
		else { all = $2; all_x = $6 }
	else if (name ~ /^fpsensor-tcp-tls/)
		if (name ~ /workers/) tls_wx = $6
		else tls_x = $6
	else if (name ~ /^p0f/)
		p0f = $2
	else if (name ~ /^ndpiReader/)
		ndpi = $2
}
END {
	line("TCP + TLS within 1.8x the floor", tls_x, tls_wx, "<=", 1.8)
	line("every analyzer within 2.0x the floor", all_x, all_wx, "<=", 2.0)
	line("every analyzer within 1.6x the floor", all_x, all_wx, "<=", 1.6)
	line("every analyzer 4x faster than p0f", faster(p0f, all), \
	    faster(p0f, all_w), ">=", 4)
	line("every analyzer 8x faster than ndpiReader", faster(ndpi, all), \
	    faster(ndpi, all_w), ">=", 8)
}

# tests/bench/table.awk: the benchmark tables.  Input: tab-separated rows;
# -v HEAD="col1|col2|...": the column titles.  Output: aligned columns,
# the first and last left-aligned (names, notes), the others right-aligned
# (figures).
BEGIN {
	FS = "\t"
	N = split(HEAD, h, "|")
	for (c = 1; c <= N; c++) w[c] = length(h[c])
}
{
	for (c = 1; c <= N; c++) {
		cell[NR, c] = $c
		if (length($c) > w[c]) w[c] = length($c)
	}
}
function line(get, r,   c, s, v) {
	s = ""
	for (c = 1; c <= N; c++) {
		v = get ? cell[r, c] : h[c]
		if (c == 1 || c == N)
			s = s sprintf("%-" w[c] "s", v)
		else
			s = s sprintf("%" w[c] "s", v)
		if (c < N) s = s "  "
	}
	sub(/ +$/, "", s)
	print s
}
END {
	line(0, 0)
	for (r = 1; r <= NR; r++) line(1, r)
}

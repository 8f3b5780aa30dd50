#!/bin/bash
# tests/models/fptrain.sh: fptrain end to end on our labelled captures (no
# peer data needed): train, evaluate in each format, and its errors.  With
# ../shared/peer, also one mercury record through the mercury reader.
. "$top_srcdir/tests/lib.sh"
: "${FPTRAIN:=$top_builddir/fptrain}"
[ -x "$FPTRAIN" ] || skip "fptrain not built"
labels="$top_srcdir/models/labels.yaml"

FPSENSOR="$FPSENSOR" "$top_srcdir/models/label_pcaps.sh" "$top_srcdir" \
    > "$TMP/cap.jsonl"
check "labelled captures: one record per TLS flow" \
    test "$(grep -c '"label":{"client"' "$TMP/cap.jsonl")" -ge 8

# features: the documented table has FEATURES_N rows
"$FPTRAIN" features > "$TMP/feat"
check "features: 131 rows" test "$(grep -c '^[0-9]' "$TMP/feat")" = 131
sed -n '/^\.\\" features-begin/,/^\.\\" features-end/p' \
    "$top_srcdir/man/fptrain.1" | sed '1d;$d' > "$TMP/man-feat"
check "man/fptrain.1 has the same layout table" \
    cmp -s "$TMP/man-feat" <(tail -n +2 "$TMP/feat")

# train on the captures alone (tiny: fixed seed, a few rounds)
"$FPTRAIN" train --labels "$labels" --input "fpsensor:$TMP/cap.jsonl" \
    --out "$TMP/m" --rounds 5 --exact-out "$TMP/exact.tsv" \
    > "$TMP/train.out" 2> "$TMP/train.err"
check "train: exit 0" test $? = 0
for f in client.json client.ubj client.yaml os.json os.ubj os.yaml card.md; do
	check "train wrote $f" test -s "$TMP/m/$f"
done
check "card records the command" grep -q -- "--rounds 5" "$TMP/m/card.md"
"$FPTRAIN" train --labels "$labels" --input "fpsensor:$TMP/cap.jsonl" \
    --out "$TMP/m2" --rounds 5 > /dev/null 2>&1
check "train is reproducible (same seed, same bytes)" \
    cmp -s "$TMP/m/client.json" "$TMP/m2/client.json"
check "  and so is the UBJSON copy" \
    cmp -s "$TMP/m/client.ubj" "$TMP/m2/client.ubj"

# training options: recorded in the card; sampling is seeded
"$FPTRAIN" train --labels "$labels" --input "fpsensor:$TMP/cap.jsonl" \
    --out "$TMP/m4" --rounds 5 --subsample 0.8 --colsample 0.5 \
    --min-child-weight 0.5 --lambda 2 --balance-power 1 > /dev/null 2>&1
check "card records the training options" grep -q \
    'min_child_weight 0.5, lambda 2, subsample 0.8, colsample_bytree 0.5' \
    "$TMP/m4/card.md"
"$FPTRAIN" train --labels "$labels" --input "fpsensor:$TMP/cap.jsonl" \
    --out "$TMP/m5" --rounds 5 --subsample 0.8 --colsample 0.5 \
    --min-child-weight 0.5 --lambda 2 --balance-power 1 > /dev/null 2>&1
check "sampled training is reproducible" \
    cmp -s "$TMP/m4/client.json" "$TMP/m5/client.json"
expect_exit "--subsample 0: exit 2" 2 "$FPTRAIN" train --labels "$labels" \
    --input "fpsensor:$TMP/cap.jsonl" --out "$TMP/m6" --subsample 0
check "--subsample 0: names the option" grep -q -- '--subsample: 0:' "$TMP/err"

# --cv: out-of-fold figures of the training split, nothing written
"$FPTRAIN" train --labels "$labels" --input "fpsensor:$TMP/cap.jsonl" \
    --cv 2 --rounds 3 > "$TMP/cv.out" 2>&1
check "cv: a summary line per head" test "$(grep -Ec \
    '^cv (client|os): macro_f1=[0-9.]+ accuracy=[0-9.]+ ece=[0-9.]+ n=[0-9]+$' \
    "$TMP/cv.out")" = 2
n_train=$("$FPTRAIN" evaluate --model "$TMP/m" --labels "$labels" \
    --format fpsensor --split train "$TMP/cap.jsonl" | tail -n 1 |
    sed 's/.* n=//')
check "cv: every labelled training row scored once" \
    test "$(sed -n 's/^cv client: .* n=//p' "$TMP/cv.out")" = "$n_train"

# evaluate: fpsensor format, all rows; last line is the summary
"$FPTRAIN" evaluate --model "$TMP/m" --labels "$labels" --format fpsensor \
    --exact "$TMP/exact.tsv" --predictions "$TMP/pred.tsv" \
    "$TMP/cap.jsonl" > "$TMP/ev"
check "evaluate: summary line" \
    grep -Eq '^macro_f1=[0-9.]+ accuracy=[0-9.]+ ece=[0-9.]+ n=[0-9]+$' \
    <(tail -n 1 "$TMP/ev")
check "evaluate: exact-match figures" grep -q '^exact: ' "$TMP/ev"
check "predictions: header + one row per record" \
    test "$(wc -l < "$TMP/pred.tsv")" = \
    $(( $(grep -c '"ja4_r"' "$TMP/cap.jsonl") + 1 ))

# the splits partition the rows
total=0
for sp in train calibration test; do
	n=$("$FPTRAIN" evaluate --model "$TMP/m" --labels "$labels" \
	    --format fpsensor --split "$sp" "$TMP/cap.jsonl" | tail -n 1 |
	    sed 's/.* n=//')
	total=$((total + n))
done
check "splits partition the rows" \
    test "$total" = "$(tail -n 1 "$TMP/ev" | sed 's/.* n=//')"

# ja4db format from the same records (ja4_fingerprint_string = ja4_r)
{
	echo '['
	sed -n 's/.*"ja4_r":"\([^"]*\)".*"client":"\([^"]*\)".*/{"application": "\2", "library": null, "os": "Linux", "ja4_fingerprint_string": "\1"},/p' \
	    "$TMP/cap.jsonl" | sed 's/"openssl_curl"/"curl"/'
	echo '{"application": "x", "ja4_fingerprint_string": "bogus"}]'
} > "$TMP/ja4db.json"
"$FPTRAIN" evaluate --model "$TMP/m" --labels "$labels" --format ja4db \
    "$TMP/ja4db.json" > "$TMP/ev2"
check "ja4db: bad fingerprint counted as unusable" \
    grep -q '1 unusable' "$TMP/ev2"
check "ja4db: rows scored" grep -Eq 'n=[1-9]' <(tail -n 1 "$TMP/ev2")

# errors name the file and place
printf 'client_classes: [a, b]\nos_classes: [x, y]\nmercury:\n  client:\n    zz: [foo]\n' \
    > "$TMP/bad.yaml"
expect_exit "bad labels: exit 1" 1 "$FPTRAIN" train --labels "$TMP/bad.yaml" \
    --input "fpsensor:$TMP/cap.jsonl" --out "$TMP/m3"
check "bad labels: FILE:LINE:COL" grep -q "bad.yaml:5:5: .*unknown class 'zz'" \
    "$TMP/err"
sed '3s/"label":{"client":"[a-z_]*"/"label":{"client":"nosuch"/' \
    "$TMP/cap.jsonl" > "$TMP/badcls.jsonl"
expect_exit "unknown class in records: exit 1" 1 "$FPTRAIN" evaluate \
    --model "$TMP/m" --labels "$labels" --format fpsensor "$TMP/badcls.jsonl"
check "unknown class: FILE:LINE" grep -q "badcls.jsonl:3: unknown class" \
    "$TMP/err"
printf '{"str_repr": "(0303)(002f)()", \n' > "$TMP/broken.json"
expect_exit "broken JSON: exit 1" 1 "$FPTRAIN" evaluate --model "$TMP/m" \
    --labels "$labels" --format mercury "$TMP/broken.json"
check "broken JSON: FILE:LINE" grep -q "broken.json:1: not JSON" "$TMP/err"
head -c 100 "$TMP/cap.jsonl" | gzip > "$TMP/cut.jsonl.gz"
head -c 30 "$TMP/cut.jsonl.gz" > "$TMP/trunc.jsonl.gz"
expect_exit "truncated gzip: exit 1" 1 "$FPTRAIN" evaluate --model "$TMP/m" \
    --labels "$labels" --format fpsensor "$TMP/trunc.jsonl.gz"
expect_exit "missing model: exit 1" 1 "$FPTRAIN" evaluate --model \
    "$TMP/none" --format fpsensor "$TMP/cap.jsonl"
check "missing model: names the file" grep -q "$TMP/none/client.yaml" \
    "$TMP/err"
expect_exit "usage: exit 2" 2 "$FPTRAIN" evaluate --format nosuch x

# with peer data: mercury lines through the gzip reader
merc="$PEER/mercury/resources/fingerprint_db.train.json.gz"
if [ -f "$merc" ]; then
	gzip -dc "$merc" | head -n 50 | gzip > "$TMP/m50.json.gz"
	"$FPTRAIN" evaluate --model "$top_srcdir/models/v1" --labels "$labels" \
	    --format mercury "$TMP/m50.json.gz" > "$TMP/ev3"
	check "mercury: 50 records read" grep -q ': 50 records' "$TMP/ev3"
else
	echo "SKIP mercury reader (no peer data at $PEER)"
fi
lb="$PEER/tls-fingerprinting-LeeBrotherston/fingerprints/fingerprints.json"
if [ -f "$lb" ]; then
	"$FPTRAIN" evaluate --model "$top_srcdir/models/v1" --labels "$labels" \
	    --format leebrotherston "$lb" > "$TMP/ev4"
	check "leebrotherston: every record read, none unusable" \
	    grep -Eq ': ([0-9]+) records, \1 rows, 0 unusable' "$TMP/ev4"
else
	echo "SKIP leebrotherston reader (no peer data at $PEER)"
fi

finish

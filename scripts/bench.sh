#!/bin/bash
# bench.sh — Kizuna's benchmark (numbers are printed, never asserted).
#
# Synthetic subscriptions at all stages against a synthetic catalog with a message every day
# (so every subscription is due every night), Maildir-free: batch renders into the spool, send
# submits to Postfix's smtp-sink on 127.0.0.1:2526. Reports, in one run:
#   - CSV import rate; render+spool msgs/s (kizuna batch)
#   - send msgs/s at 1 and 8 connections, beside smtp-source's rate to the same sink
#   - a BIG night (default 1,000,000 subscriptions): `kizuna nightly` (batch, send, the report
#     built without a [report] table) wall time and peak RSS
# Env: BENCH_N (default 100000), BENCH_BIG (default 1000000; 0 skips), BENCH_DIR (default bench-out),
#      SWIFT_BUILD_FLAGS (extra `swift build` flags, e.g. "--scratch-path .build-perf")
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_N:-100000}
BIG=${BENCH_BIG:-1000000}
OUT=$(realpath -m "${BENCH_DIR:-bench-out}")
export MAILSTACK_DIR=${MAILSTACK_DIR:-/tmp/kizuna-mailstack}
PY=/usr/bin/python3

# shellcheck disable=SC2086  # SWIFT_BUILD_FLAGS is a list of words
swift build -c release ${SWIFT_BUILD_FLAGS:-} >/dev/null
# shellcheck disable=SC2086
BIN=$(swift build -c release ${SWIFT_BUILD_FLAGS:-} --show-bin-path)/kizuna
# Stop the sink at the end only if this run started it (tests may be using a running one).
if ! scripts/mailstack/start-sink.sh | grep -q "already running"; then
    trap 'scripts/mailstack/start-sink.sh --stop >/dev/null 2>&1 || true' EXIT
fi

rss() { awk '/^max_rss_kb/ {print int($2/1024)}' "$1"; }
timed() { # file cmd... : wall seconds to stdout, max RSS (KB) in file
    local f=$1; shift
    /usr/bin/time -f "max_rss_kb %M" -o "$f" "$@" >/dev/null
}
now() { date +%s.%N; }

make_instance() { # DIR COUNT CONNECTIONS
    local dir=$1 count=$2 conns=$3
    rm -rf "$dir"; mkdir -p "$dir"
    $PY scripts/bench_fixtures.py "$dir" "$count" "$conns" templates
}

echo "== Kizuna benchmark on $(nproc) cores, $(date -u +%F)"

# ---- 1. smtp-source anchors (same sink, same message size)
for s in 1 8; do
    t0=$(now); smtp-source -s $s -m 20000 -l 6000 -f bench@clinic.test -t bench@sink.test 127.0.0.1:2526; t1=$(now)
    printf 'smtp-source  %d conn: %8.0f msgs/s (20000 msgs of 6 KB)\n' $s "$(echo "20000 / ($t1 - $t0)" | bc -l)"
done

# ---- 2. import, render+spool, send at 1 and 8 connections (N subscriptions)
D=$OUT/n; make_instance "$D" "$N" 1
CFG=$D/kizuna.toml
t0=$(now); timed "$OUT/import.time" "$BIN" subscribers import "$D/subscribers.csv" --config "$CFG" -q; t1=$(now)
printf 'import       %8.0f rows/s   (%d rows, %.1f s, peak RSS %d MB)\n' "$(echo "$N / ($t1 - $t0)" | bc -l)" "$N" "$(echo "$t1 - $t0" | bc -l)" "$(rss "$OUT/import.time")"
DAY1=$(cat "$D/day1"); DAY2=$(cat "$D/day2")
t0=$(now); timed "$OUT/batch.time" "$BIN" batch --date "$DAY1" --config "$CFG" -q; t1=$(now)
printf 'render+spool %8.0f msgs/s   (%d emails, %.1f s, peak RSS %d MB)\n' "$(echo "$N / ($t1 - $t0)" | bc -l)" "$N" "$(echo "$t1 - $t0" | bc -l)" "$(rss "$OUT/batch.time")"
t0=$(now); timed "$OUT/send1.time" "$BIN" send --config "$CFG" -q || true; t1=$(now)
printf 'send  1 conn %8.0f msgs/s   (%.1f s, peak RSS %d MB)\n' "$(echo "$N / ($t1 - $t0)" | bc -l)" "$(echo "$t1 - $t0" | bc -l)" "$(rss "$OUT/send1.time")"
sed -i 's/^connections = .*/connections = 8/' "$CFG"
"$BIN" batch --date "$DAY2" --config "$CFG" -q
t0=$(now); timed "$OUT/send8.time" "$BIN" send --config "$CFG" -q || true; t1=$(now)
printf 'send  8 conn %8.0f msgs/s   (%.1f s, peak RSS %d MB)\n' "$(echo "$N / ($t1 - $t0)" | bc -l)" "$(echo "$t1 - $t0" | bc -l)" "$(rss "$OUT/send8.time")"
"$BIN" stats --config "$CFG" | grep -E "deliveries in all|spool"

# ---- 3. a big night: BIG subscriptions, batch + send, wall time and peak RSS
if [ "$BIG" -gt 0 ]; then
    D=$OUT/big; make_instance "$D" "$BIG" 8
    CFG=$D/kizuna.toml
    t0=$(now); timed "$OUT/bigimport.time" "$BIN" subscribers import "$D/subscribers.csv" --config "$CFG" -q; t1=$(now)
    printf 'import       %8.0f rows/s   (%d rows, %.1f s, peak RSS %d MB)\n' "$(echo "$BIG / ($t1 - $t0)" | bc -l)" "$BIG" "$(echo "$t1 - $t0" | bc -l)" "$(rss "$OUT/bigimport.time")"
    t0=$(now); timed "$OUT/bignight.time" "$BIN" nightly --date "$(cat "$D/day1")" --config "$CFG" -q || true; t1=$(now)
    printf 'night        %d subscriptions nightly (batch+send+report) in %.1f s (%.0f msgs/s), peak RSS %d MB\n' "$BIG" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$BIG / ($t1 - $t0)" | bc -l)" "$(rss "$OUT/bignight.time")"
    "$BIN" stats --config "$CFG" | grep -E "deliveries in all|spool"
fi

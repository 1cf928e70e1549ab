#!/bin/bash
# Bounce classification rate over Tests/Fixtures/bounces, beside Sisimai on the same files.
#
#   scripts/bench-bounces.sh [REPEATS]      (default 50 passes over the corpus)
#   BENCH_CORPUS=corpora/flufl/tune scripts/bench-bounces.sh    (any directory of .eml files,
#                                           e.g. a real corpus from fetch-bounce-corpora.sh)
#
# Kizuna, two ways: `kizuna inspect --json` (release build; SWIFT_BUILD_FLAGS apply) in one
# process over the corpus REPEATS times — the figure the issue asks for — and the library alone
# (IncomingMessage.parse + BounceAnalysis.analyze + the verdict's JSON) built in a scratch package
# whose targets point at Sources/KizunaCore (with its swift-crypto), Sources/KizunaMIME and its
# iconv shim Sources/CIconv.
# Sisimai (Debian's libsisimai-perl): one perl process runs Sisimai->make over a Maildir holding
# the same files, REPEATS times. Both rates count input messages per second. Then, for
# information, every recipient where Sisimai's reason differs from ours.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
REPEATS=${1:-50}
CORPUS=$(cd "${BENCH_CORPUS:-$REPO/Tests/Fixtures/bounces}" && pwd)
WORK=${BENCH_DIR:-$(mktemp -d /tmp/kizuna-bench-bounces.XXXXXX)}
mkdir -p "$WORK/pkg/src" "$WORK/pkg/bench" "$WORK/maildir/new" "$WORK/maildir/cur" "$WORK/maildir/tmp"
ln -sfn "$REPO/Sources/KizunaCore" "$WORK/pkg/src/KizunaCore"
ln -sfn "$REPO/Sources/KizunaMIME" "$WORK/pkg/src/KizunaMIME"
ln -sfn "$REPO/Sources/CIconv" "$WORK/pkg/src/CIconv"
cat > "$WORK/pkg/Package.swift" <<'EOF'
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "BounceBench",
    dependencies: [.package(url: "https://github.com/apple/swift-crypto", from: "3.12.3")],
    targets: [
        .target(name: "KizunaCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")], path: "src/KizunaCore"),
        .systemLibrary(name: "CIconv", path: "src/CIconv"),
        .target(name: "KizunaMIME", dependencies: ["KizunaCore", "CIconv"], path: "src/KizunaMIME"),
        .executableTarget(name: "bouncebench", dependencies: ["KizunaMIME", "KizunaCore"], path: "bench"),
    ]
)
EOF
cat > "$WORK/pkg/bench/main.swift" <<'EOF'
import Foundation
import KizunaCore
import KizunaMIME

// bouncebench [--json] DIR [REPEATS]
var args = Array(CommandLine.arguments.dropFirst())
let printJSON = args.first == "--json"
if printJSON { args.removeFirst() }
let dir = args.first ?? "."
let repeats = args.count > 1 ? Int(args[1]) ?? 1 : 1
let tokens = AddressTokens(secret: Array("test secret 0123456789abcdef".utf8))
let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".eml") }.sorted()
let files = names.map { Array((try? Data(contentsOf: URL(fileURLWithPath: dir).appendingPathComponent($0))) ?? Data()) }
if printJSON {
    for (n, f) in zip(names, files) {
        let v = (try? IncomingMessage.parse(f)).map { BounceAnalysis.analyze($0, tokens: tokens) }
        print("\(n)\t\(v?.json ?? "null")")
    }
    exit(0)
}
var count = 0
let start = DispatchTime.now().uptimeNanoseconds
for _ in 0..<repeats {
    for f in files {
        guard let m = try? IncomingMessage.parse(f) else { continue }
        let v = BounceAnalysis.analyze(m, tokens: tokens)
        if v.json.isEmpty { print("empty") }
        count += 1
    }
}
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
print(String(format: "%d %.6f", count, seconds))
EOF
(cd "$WORK/pkg" && swift build -c release --product bouncebench >/dev/null)
BIN="$WORK/pkg/.build/release/bouncebench"

for f in "$CORPUS"/*.eml; do cp "$f" "$WORK/maildir/new/$(basename "$f" .eml)"; done
COUNT=$(ls "$CORPUS"/*.eml | wc -l)

read -r KN KS < <("$BIN" "$CORPUS" "$REPEATS")
KRATE=$(python3 -c "print(round($KN / $KS))")
echo "kizuna (parse + analyze + verdict JSON): $KN messages ($COUNT files x $REPEATS) in ${KS}s: $KRATE messages/s"

# The command itself: `kizuna inspect --json` in one process over the Maildir given REPEATS
# times (reading each file, the poller's whole decision, the verdict, one JSON line per file).
# shellcheck disable=SC2086
(cd "$REPO" && swift build -c release ${SWIFT_BUILD_FLAGS:-} --product kizuna >/dev/null)
# shellcheck disable=SC2086
KIZUNA="$(cd "$REPO" && swift build -c release ${SWIFT_BUILD_FLAGS:-} --show-bin-path)/kizuna"
DIRS=()
for _ in $(seq "$REPEATS"); do DIRS+=("$WORK/maildir"); done
read -r IN IS < <(python3 - "$KIZUNA" "${DIRS[@]}" <<'PYEOF'
import subprocess, sys, time
t = time.monotonic()
out = subprocess.run([sys.argv[1], "inspect", "--json", "--date", "2026-11-25"] + sys.argv[2:], stdout=subprocess.PIPE, check=True).stdout
print(out.count(b"\n"), "%.6f" % (time.monotonic() - t))
PYEOF
)
IRATE=$(python3 -c "print(round($IN / $IS))")
echo "kizuna inspect --json: $IN messages ($COUNT files x $REPEATS) in ${IS}s: $IRATE messages/s"

if ! perl -MSisimai -e 1 2>/dev/null; then
    echo "sisimai: not installed (apt-get install -y libsisimai-perl)"
    exit 0
fi
SREPEATS=$(( REPEATS < 5 ? REPEATS : 5 ))
read -r SN SS SV < <(perl -MSisimai -MTime::HiRes=time -e '
    my ($dir, $n, $files) = @ARGV; my $t = time; my $bounces = 0;
    for (1..$n) { my $v = Sisimai->make($dir, "delivered" => 1, "vacation" => 1) || []; $bounces += scalar @$v }
    printf "%d %.6f %s\n", $n * $files, time - $t, Sisimai->version;' "$WORK/maildir/new" "$SREPEATS" "$COUNT")
SRATE=$(python3 -c "print(round($SN / $SS))")
echo "sisimai: $SN messages ($COUNT files x $SREPEATS) in ${SS}s: $SRATE messages/s (Sisimai $SV)"
python3 -c "print('kizuna inspect / sisimai: %.1fx   (parse + analyze alone: %.1fx)' % ($IRATE / $SRATE, $KRATE / $SRATE))"

echo
echo "Where Sisimai's reason differs from ours (for information):"
perl -MSisimai -e '
    for my $path (@ARGV) {
        open my $fh, "<:raw", $path or next; local $/; my $mail = <$fh>; close $fh;
        (my $name = $path) =~ s{.*/}{};
        my $v = Sisimai->make(\$mail, "delivered" => 1, "vacation" => 1) || [];
        print "$name\t", lc($_->recipient->address), "\t", $_->reason, "\n" for @$v;
        print "$name\t-\t(none)\n" unless @$v;
    }' "$WORK"/maildir/new/* > "$WORK/sisimai.tsv"
"$BIN" --json "$CORPUS" > "$WORK/kizuna.tsv"
python3 - "$WORK/kizuna.tsv" "$WORK/sisimai.tsv" <<'EOF'
import json, sys
ours, theirs = {}, {}
for line in open(sys.argv[1], encoding="utf-8"):
    name, js = line.rstrip("\n").split("\t", 1)
    v = json.loads(js)
    name = name[:-4]
    rs = v.get("recipients") or []
    ours[name] = {r["address"].lower(): r["reason"] for r in rs} or {"-": "(%s)" % v["kind"]}
for line in open(sys.argv[2], encoding="utf-8"):
    name, addr, reason = line.rstrip("\n").split("\t")
    theirs.setdefault(name, {})[addr] = reason
same = differ = 0
for name in sorted(ours):
    for addr, reason in sorted(ours[name].items()):
        other = theirs.get(name, {}).get(addr) or ("(none)" if addr == "-" or "-" in theirs.get(name, {}) else "(no such recipient)")
        if other == reason or (addr == "-" and other == "(none)"):
            same += 1
        else:
            differ += 1
            print("  %-40s %-34s kizuna=%-14s sisimai=%s" % (name, addr, reason, other))
print("agree on %d recipients, differ on %d" % (same, differ))
EOF

#!/bin/bash
# OpenPGP operations per second through gpgme in one process, beside the gpg command line on the
# same data and keys (issue 11).
#
#   scripts/bench-openpgp.sh [N]      (default 200 operations of each kind, each way)
#
# A throwaway GNUPGHOME (mode 0700, removed at the end, its gpg-agent killed) holds two keys made
# by gpg at bench time as a mail client's user makes them (Ed25519 signing key, cv25519
# encryption subkey, no passphrase): the signer's and the recipient's. The data is a report-sized
# text (about 4 KB of UTF-8, Japanese and ASCII), the same bytes every time.
# gpgme: a scratch package (its own system-library module for <gpgme.h>, release build) whose
# one process makes N detached armored signatures, then N armored sign+encrypt operations
# (signed by the signer, encrypted to the recipient), on one context. gpg: one process per
# operation, as a shell script calls it, N times each. One output of each way and kind is then
# checked with gpg (--verify; --decrypt with its signature): wrong output fails the run.
# Needs gnupg and libgpgme-dev (scripts/install-deps.sh).
set -euo pipefail
N=${1:-200}
for tool in gpg gpgconf; do
    command -v "$tool" >/dev/null || { echo "bench-openpgp: $tool not found: apt-get install -y gnupg (or scripts/install-deps.sh)" >&2; exit 1; }
done
[ -f /usr/include/gpgme.h ] || { echo "bench-openpgp: <gpgme.h> not found: apt-get install -y libgpgme-dev (or scripts/install-deps.sh)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/kizuna-bench-openpgp.XXXXXX)
H=$WORK/gnupg
mkdir -m 0700 "$H"
trap 'gpgconf --homedir "$H" --kill gpg-agent >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

GPG=(gpg --homedir "$H" --batch --yes --pinentry-mode loopback --passphrase '')
"${GPG[@]}" --quiet --quick-gen-key 'Bench <bench@example.test>' future-default default never 2>/dev/null
"${GPG[@]}" --quiet --quick-gen-key 'Bench reader <reader@example.test>' future-default default never 2>/dev/null
fpr() { gpg --homedir "$H" --batch --with-colons --list-secret-keys "$1" 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}'; }
SIGNER=$(fpr bench@example.test)
READER=$(fpr reader@example.test)

MSG=$WORK/report.txt
python3 - "$MSG" <<'EOF'
import sys
lines = ["Kizuna 日次報告 2026-12-07 (架空のデータ)", ""]
i = 0
while sum(len(l.encode()) + 1 for l in lines) < 4000:
    i += 1
    lines.append(f"{i:03d} 購読者{i}さん <subscriber{i}@example.test> 予定日 2027-03-{i % 28 + 1:02d} 配信中、返信なし")
open(sys.argv[1], "w", encoding="utf-8").write("\n".join(lines) + "\n")
EOF

mkdir -p "$WORK/pkg/CGPGME" "$WORK/pkg/bench"
cat > "$WORK/pkg/CGPGME/module.modulemap" <<'EOF'
module CGPGME [system] {
    header "/usr/include/gpgme.h"
    link "gpgme"
    export *
}
EOF
cat > "$WORK/pkg/Package.swift" <<'EOF'
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "OpenPGPBench",
    targets: [
        .systemLibrary(name: "CGPGME", path: "CGPGME"),
        .executableTarget(name: "gpgmebench", dependencies: ["CGPGME"], path: "bench"),
    ]
)
EOF
cat > "$WORK/pkg/bench/main.swift" <<'EOF'
import CGPGME
import Foundation

// gpgmebench HOME MESSAGE SIGNER_FPR RECIPIENT_FPR N OUTDIR
// Prints "version V", "sign N SECONDS", "encrypt N SECONDS"; writes the last output of each
// kind to OUTDIR/gpgme.sig and OUTDIR/gpgme.asc for checking.
let args = CommandLine.arguments
guard args.count == 7, let n = Int(args[5]), n > 0 else {
    FileHandle.standardError.write(Data("usage: gpgmebench HOME MESSAGE SIGNER RECIPIENT N OUTDIR\n".utf8)); exit(2)
}
func check(_ err: gpgme_error_t, _ what: String) {
    guard err != 0 else { return }
    FileHandle.standardError.write(Data("gpgmebench: \(what): \(String(cString: gpgme_strerror(err)))\n".utf8))
    exit(1)
}
// Must come first, or every context fails with "Not operational" (PLATFORM-FACTS, gpgme).
let version = String(cString: gpgme_check_version(nil))
var ctxOrNil: gpgme_ctx_t?
check(gpgme_new(&ctxOrNil), "gpgme_new")
let ctx = ctxOrNil!
check(gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nil, args[1]), "engine home")
check(gpgme_set_pinentry_mode(ctx, GPGME_PINENTRY_MODE_LOOPBACK), "pinentry mode")
gpgme_set_armor(ctx, 1)
var signer: gpgme_key_t?, recipient: gpgme_key_t?
check(gpgme_get_key(ctx, args[3], &signer, 1), "signing key")
check(gpgme_get_key(ctx, args[4], &recipient, 0), "recipient key")
check(gpgme_signers_add(ctx, signer), "signers")

// The message stays in one buffer for the whole run; each operation reads it without a copy.
let message = try Data(contentsOf: URL(fileURLWithPath: args[2]))
let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: message.count, alignment: 1)
message.copyBytes(to: buffer)

/// One operation from the message to a fresh output buffer; returns the output's bytes.
@MainActor func operation(_ what: String, _ body: (gpgme_data_t?, gpgme_data_t?) -> gpgme_error_t) -> Data {
    var plain: gpgme_data_t?, out: gpgme_data_t?
    check(gpgme_data_new_from_mem(&plain, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), message.count, 0), "data")
    check(gpgme_data_new(&out), "data")
    check(body(plain, out), what)
    if let result = gpgme_op_sign_result(ctx), result.pointee.invalid_signers != nil || result.pointee.signatures == nil {
        FileHandle.standardError.write(Data("gpgmebench: \(what): no valid signature made\n".utf8)); exit(1)
    }
    gpgme_data_release(plain)
    var length = 0
    let bytes = gpgme_data_release_and_get_mem(out, &length)!
    defer { gpgme_free(bytes) }
    return Data(bytes: bytes, count: length)
}
@MainActor func sign() -> Data {
    operation("sign") { gpgme_op_sign(ctx, $0, $1, GPGME_SIG_MODE_DETACH) }
}
@MainActor func signEncrypt() -> Data {
    var recipients: [gpgme_key_t?] = [recipient, nil]
    return operation("sign+encrypt") { gpgme_op_encrypt_sign(ctx, &recipients, gpgme_encrypt_flags_t(0), $0, $1) }
}
@MainActor func timed(_ kind: String, _ op: () -> Data, to file: String) throws {
    var last = Data()
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<n { last = op() }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    try last.write(to: URL(fileURLWithPath: args[6]).appendingPathComponent(file))
    print(kind, n, String(format: "%.6f", seconds))
}
print("version", version)
try timed("sign", sign, to: "gpgme.sig")
try timed("encrypt", signEncrypt, to: "gpgme.asc")
EOF
(cd "$WORK/pkg" && swift build -c release --product gpgmebench >"$WORK/build.log" 2>&1) \
    || { cat "$WORK/build.log" >&2; echo "bench-openpgp: the gpgme bench did not build" >&2; exit 1; }
BIN="$WORK/pkg/.build/release/gpgmebench"

echo "== OpenPGP benchmark on $(nproc) cores, $(date -u +%F), $N operations of each kind, $(wc -c < "$MSG")-byte message"
echo "$(gpg --version | head -1); gpgme $("$BIN" "$H" "$MSG" "$SIGNER" "$READER" 1 "$WORK" | awk '/^version/ {print $2}')"

rate() { python3 -c "print(round($1 / $2, 1))"; }
now() { date +%s.%N; }
{ read -r _ _; read -r _ SN SS; read -r _ EN ES; } < <("$BIN" "$H" "$MSG" "$SIGNER" "$READER" "$N" "$WORK")
GSIGN=$(rate "$SN" "$SS"); GENC=$(rate "$EN" "$ES")
echo "gpgme (one process)    detached sign: $GSIGN ops/s ($SN in ${SS}s)   sign+encrypt: $GENC ops/s ($EN in ${ES}s)"

t0=$(now)
for _ in $(seq "$N"); do "${GPG[@]}" -u "$SIGNER" --detach-sign --armor -o "$WORK/cli.sig" "$MSG"; done
t1=$(now)
for _ in $(seq "$N"); do "${GPG[@]}" -u "$SIGNER" --sign --encrypt --armor -r "$READER" -o "$WORK/cli.asc" "$MSG"; done
t2=$(now)
CS=$(python3 -c "print('%.6f' % ($t1 - $t0))"); CE=$(python3 -c "print('%.6f' % ($t2 - $t1))")
CSIGN=$(rate "$N" "$CS"); CENC=$(rate "$N" "$CE")
echo "gpg (a process each)   detached sign: $CSIGN ops/s ($N in ${CS}s)   sign+encrypt: $CENC ops/s ($N in ${CE}s)"
python3 -c "print('gpgme / gpg CLI        detached sign: %.2fx' % ($GSIGN / $CSIGN))"
python3 -c "print('gpgme / gpg CLI        sign+encrypt:  %.2fx' % ($GENC / $CENC))"

# Correct work: each way's last signature verifies by the signer over the message; each way's
# last encrypted message decrypts to the message's bytes with a good signature by the signer.
for way in gpgme cli; do
    gpg --homedir "$H" --batch --status-file "$WORK/status" --verify "$WORK/$way.sig" "$MSG" 2>/dev/null \
        && grep -q "^\[GNUPG:\] VALIDSIG $SIGNER " "$WORK/status" \
        || { echo "bench-openpgp: FAILED: $way's signature does not verify" >&2; exit 1; }
    "${GPG[@]}" --status-file "$WORK/status" -o "$WORK/$way.out" --decrypt "$WORK/$way.asc" 2>/dev/null \
        && grep -q "^\[GNUPG:\] VALIDSIG $SIGNER " "$WORK/status" && cmp -s "$WORK/$way.out" "$MSG" \
        || { echo "bench-openpgp: FAILED: $way's encrypted message does not decrypt to the message, signed" >&2; exit 1; }
done
echo "checked: one signature and one encrypted message of each way verify and decrypt with gpg"

#!/bin/bash
# bench-poll.sh — `kizuna poll` over N mixed inbound messages in the real Dovecot (numbers are
# printed, never asserted), beside Python imaplib fetching the same mailbox.
#
# The messages are APPENDed into a folder of its own in kizuna@clinic.test's account (not the
# INBOX the tests read), then `kizuna poll` reads that folder to the end: fetch, spool/inbound,
# classify, apply, render and spool the replies (Maildir transport: nothing is sent), flag.
# Mix: 40% subscribe (each from its own address), 15% status, 10% stop, 10% help text,
# 10% auto-replies, 5% lists, 5% DSN bounces, 5% binary garbage.
# Needs the mail stack (scripts/mailstack/start-mailstack.sh).
# Env: BENCH_POLL_N (default 10000), BENCH_DIR (default bench-out), SWIFT_BUILD_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${BENCH_POLL_N:-10000}
OUT=$(realpath -m "${BENCH_DIR:-bench-out}")/poll
PY=/usr/bin/python3
FOLDER="Bench$$"
# shellcheck disable=SC2086
swift build -c release ${SWIFT_BUILD_FLAGS:-} >/dev/null
# shellcheck disable=SC2086
BIN=$(swift build -c release ${SWIFT_BUILD_FLAGS:-} --show-bin-path)/kizuna
rm -rf "$OUT"; mkdir -p "$OUT"
cleanup() {
    $PY - "$FOLDER" <<'PYEOF' || true
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", 1143); m.login("kizuna@clinic.test", "kizuna-pass"); m.delete(sys.argv[1]); m.logout()
PYEOF
}
trap cleanup EXIT

echo "== filling $FOLDER with $N messages"
$PY - "$FOLDER" "$N" <<'PYEOF'
import imaplib, sys, time
folder, n = sys.argv[1], int(sys.argv[2])
m = imaplib.IMAP4("127.0.0.1", 1143); m.login("kizuna@clinic.test", "kizuna-pass"); m.create(folder)
def msg(i):
    k = i % 20
    frm, extra, subj, body = f"user{i}@families.test", "", "status", "status"
    if k < 8: subj, body = "=?UTF-8?B?55m76Yyy?=", "出産予定日 2027年5月1日"
    elif k < 11: subj, body = "status", "please"
    elif k < 13: subj, body = "stop", ""
    elif k < 15: subj, body = "hello", "what is this?"
    elif k < 17: extra = "Auto-Submitted: auto-replied\r\n"; subj = "Out of office"
    elif k == 17: extra = "List-Id: <parents.lists.example>\r\n"
    elif k == 18:
        return (f"From: MAILER-DAEMON@mx.families.test\r\nTo: kizuna@clinic.test\r\nSubject: Undelivered\r\nMessage-ID: <b{i}@mx>\r\n"
                "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n"
                "--x\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\n"
                f"Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; user{i}@families.test\r\nAction: failed\r\nStatus: 5.1.1\r\n--x--\r\n").encode()
    else:
        return bytes((i * 7919 + j * 31) % 256 for j in range(600)).replace(b"\r", b"").replace(b"\n", b"") + b"\r\n"
    return (f"From: {frm}\r\nTo: kizuna@clinic.test\r\nSubject: {subj}\r\nMessage-ID: <m{i}.{time.time()}@families.test>\r\n{extra}"
            f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n").encode()
for i in range(n):
    m.append(folder, None, None, msg(i))
m.logout()
PYEOF

echo "== Python imaplib: UID FETCH of the whole folder (BODY.PEEK[], chunks of 500)"
$PY - "$FOLDER" <<'PYEOF'
import imaplib, sys, time, resource
m = imaplib.IMAP4("127.0.0.1", 1143); m.login("kizuna@clinic.test", "kizuna-pass"); m.select(sys.argv[1], readonly=True)
t = time.time()
uids = m.uid("search", None, "ALL")[1][0].split()
got = 0
for s in range(0, len(uids), 500):
    chunk = b",".join(uids[s:s+500]).decode()
    typ, data = m.uid("fetch", chunk, "(BODY.PEEK[])")
    got += sum(1 for d in data if isinstance(d, tuple))
dt = time.time() - t
print(f"imaplib: {got} messages fetched in {dt:.2f} s = {got/dt:,.0f} msgs/s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss//1024} MB")
PYEOF

# The shipped templates without the sample edition's local info: this instance's edition is
# "bench", and an instance refuses local info of an edition it does not have.
rm -rf "$OUT/templates"
cp -r templates "$OUT/templates"
rm -f "$OUT/templates/local/sakura.toml"

cat > "$OUT/kizuna.toml" <<TOML
database = "kizuna.sqlite"
templates = "$OUT/templates"
spool = "spool"
time_zone = "Asia/Tokyo"

[maildir]
path = "outbox"

[imap]
url = "imap://127.0.0.1:1143"
starttls = "off"
mailbox = "$FOLDER"
username = "kizuna@clinic.test"
password_env = "KIZUNA_BENCH_IMAP_PASSWORD"
response_timeout = 60

[[edition]]
id = "bench"
name = "Bench Clinic"
address = "kizuna@clinic.test"
languages = ["ja", "en"]
plus_addressing = true
TOML

echo "== kizuna poll (release) over $N messages"
T0=$(date +%s.%N)
KIZUNA_BENCH_IMAP_PASSWORD=kizuna-pass /usr/bin/time -f "%M" -o "$OUT/rss" "$BIN" poll --config "$OUT/kizuna.toml" | tee "$OUT/poll.out"
T1=$(date +%s.%N)
awk -v n="$N" -v t0="$T0" -v t1="$T1" -v rss="$(cat "$OUT/rss")" \
    'BEGIN { dt = t1 - t0; printf "kizuna poll: %d messages in %.2f s = %.0f msgs/s, peak RSS %d MB\n", n, dt, n / dt, rss / 1024 }'
echo "spool/incoming (replies queued): $(find "$OUT/spool/incoming" -type f | wc -l)"

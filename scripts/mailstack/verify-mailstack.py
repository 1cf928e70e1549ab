#!/usr/bin/python3
"""verify-mailstack.py - end-to-end check of Kizuna's test mail stack (start-mailstack.sh)

1. swaks -> 127.0.0.1:2525 -> parent1@families.test, read back over IMAP 127.0.0.1:1143
2. swaks -> nosuchuser@families.test (sender kizuna@clinic.test): Postfix accepts,
   Dovecot LMTP rejects 550 5.1.1, Postfix's bounce daemon sends a DSN
   (multipart/report; report-type=delivery-status) that is delivered to
   kizuna@clinic.test's INBOX; read it back over IMAP.
Exit status 0 only if both checks pass.  The DSN is saved under
$MAILSTACK_DIR/samples/ (default /tmp/kizuna-mailstack) for a look at what Kizuna's
bounce classifier will meet.
"""
import email
import email.policy
import imaplib
import os
import subprocess
import sys
import time
import uuid

STATE_DIR = os.environ.get("MAILSTACK_DIR", "/tmp/kizuna-mailstack")
SMTP = "127.0.0.1:2525"
IMAP_HOST, IMAP_PORT = "127.0.0.1", 1143
PASS = {"kizuna@clinic.test": "kizuna-pass", "parent1@families.test": "parent1-pass"}


def swaks(to, frm, subject, body, token):
    cmd = ["swaks", "--server", SMTP, "--to", to, "--from", frm,
           "--helo", "verify.clinic.test",
           "--header", f"Subject: {subject}",
           "--header", f"X-Kizuna-Verify-Token: {token}",
           "--header", "Content-Type: text/plain; charset=UTF-8",
           "--header", "Content-Transfer-Encoding: 8bit",
           "--body", body]
    t = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.time() - t
    print(f"$ swaks --server {SMTP} --to {to} --from {frm} ...  (rc={r.returncode}, {dt:.2f}s)")
    for line in r.stdout.splitlines():
        if line.startswith("<**") or (line.startswith("<-") and ("queued" in line or "2.1.5" in line)):
            print("   ", line)
    return r.returncode


def wait_for(user, predicate, timeout=20.0):
    """Poll user's INBOX over IMAP until a message satisfying predicate(msg) appears."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        imap = imaplib.IMAP4(IMAP_HOST, IMAP_PORT)
        imap.login(user, PASS[user])
        imap.select("INBOX")
        typ, data = imap.uid("SEARCH", None, "ALL")
        for uid in reversed(data[0].split()):
            typ, msgdata = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = msgdata[0][1]
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            if predicate(msg, raw):
                imap.logout()
                return msg, raw
        imap.logout()
        time.sleep(0.2)
    return None, None


def main():
    ok = True
    token = uuid.uuid4().hex[:12]
    body = ("保護者の皆様\n\nいつもお世話になっております。きずなクリニックです。\n"
            f"これは配信テストです。token={token}\n")
    subject = "【テスト】きずなクリニックからのお知らせ"

    print("=== 1. deliver to parent1@families.test and read back over IMAP")
    t0 = time.time()
    swaks("parent1@families.test", "kizuna@clinic.test", subject, body, token)
    msg, raw = wait_for("parent1@families.test", lambda m, r: m.get("X-Kizuna-Verify-Token") == token)
    if msg is None:
        print("FAIL: message not found in parent1 INBOX"); ok = False
    else:
        print(f"found in parent1 INBOX after {time.time()-t0:.2f}s; raw message ({len(raw)} bytes):")
        print("-" * 70)
        print(raw.decode("utf-8", "replace").rstrip())
        print("-" * 70)
        print("decoded Subject:", msg["Subject"])
        print("decoded body   :", msg.get_content().strip().replace("\n", " | "))

    print("\n=== 2. bounce: nosuchuser@families.test, DSN expected in kizuna@clinic.test INBOX")
    token2 = uuid.uuid4().hex[:12]
    t0 = time.time()
    swaks("nosuchuser@families.test", "kizuna@clinic.test", "bounce test", f"bounce token={token2}\n", token2)

    def is_dsn(m, r):
        return m.get_content_type() == "multipart/report" and token2.encode() in r

    msg, raw = wait_for("kizuna@clinic.test", is_dsn)
    if msg is None:
        print("FAIL: no DSN found in kizuna INBOX"); ok = False
    else:
        print(f"DSN found in kizuna INBOX after {time.time()-t0:.2f}s ({len(raw)} bytes)")
        os.makedirs(os.path.join(STATE_DIR, "samples"), exist_ok=True)
        with open(os.path.join(STATE_DIR, "samples", "postfix-lmtp-dsn.eml"), "wb") as f:
            f.write(raw)
        print("  saved to", os.path.join(STATE_DIR, "samples", "postfix-lmtp-dsn.eml"))
        for h in ("Return-Path", "From", "To", "Subject", "Auto-Submitted", "Content-Type"):
            print(f"  {h}: {msg.get(h)}")
        print("  MIME parts:", [p.get_content_type() for p in msg.walk()])
        for part in msg.walk():
            if part.get_content_type() == "message/delivery-status":
                print("  --- message/delivery-status part:")
                payload = part.get_payload()   # list of header blocks
                for block in payload:
                    for k, v in block.items():
                        print(f"    {k}: {v}")
                    print("    ")
            if part.get_content_type() == "text/plain" and part.get("Content-Description") == "Notification":
                txt = part.get_content()
                if True:
                    print("  --- human-readable part (first lines):")
                    for line in txt.strip().splitlines()[:14]:
                        print("    " + line)
    print("\nRESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

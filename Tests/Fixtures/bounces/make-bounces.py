#!/usr/bin/python3
"""Writes the bounce fixture corpus: <mta>-<case>.eml and <mta>-<case>.expected.json.

Every message here is written for Kizuna from the public descriptions of each format (RFC 3464,
RFC 5965, RFC 3463 and the documented shapes of each MTA's notices); addresses and hosts are
invented (example.*, .test). The expected JSON is written by hand beside each message: it is
what a careful operator would say the message means, not what the code prints.

VERP addresses use the test secret below, the same as Tests/KizunaCoreTests/TokenTests.swift.
Run: /usr/bin/python3 Tests/Fixtures/bounces/make-bounces.py
"""
import base64, hashlib, hmac, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = b"test secret 0123456789abcdef"
EDITION = "kizuna@clinic.example"


def ew(text):
    return "=?ISO-2022-JP?B?%s?=" % base64.b64encode(text.encode("iso2022_jp")).decode()


def b36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while n:
        n, r = divmod(n, 36)
        s = digits[r] + s
    return s or "0"


def mac(idt):
    d = hmac.new(SECRET, ("b:" + idt).encode(), hashlib.sha256).digest()
    return base64.b32encode(d[:5]).decode().lower()


def verp(n):
    return "kizuna+b-%s-%s@clinic.example" % (b36(n), mac(b36(n)))


def msgid(n, day="20270111", rand="q8z1kd"):
    return "kizuna.%s.%s.%s@clinic.example" % (b36(n), day, rand)


def original(rcpt, n=None, rp=False, body=True, subject="=?UTF-8?B?44GV44GP44KJ6YCa5L+hIOWmiuWomDIw6YCx?="):
    h = []
    if rp and n:
        h.append("Return-Path: <%s>" % verp(n))
    h += [
        "Received: from batch.clinic.example (localhost [127.0.0.1])\n\tby mx.clinic.example (Postfix) with ESMTP id 4XyZ1; Mon, 11 Jan 2027 02:59:58 +0900 (JST)",
        'From: "=?UTF-8?B?44GV44GP44KJ?=" <kizuna@clinic.example>',
        "To: %s" % rcpt,
        "Subject: %s" % subject,
        "Date: Mon, 11 Jan 2027 02:59:57 +0900",
        "Message-ID: <%s>" % (msgid(n) if n else "20270111025957.7781@other.example"),
        "List-Id: =?UTF-8?B?44GV44GP44KJ?= <sakura.kizuna.clinic.example>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    text = "\n".join(h) + "\n"
    if body:
        text += "\n妊娠20週のあなたへ。今週は赤ちゃんの耳が聞こえはじめます。\n"
    return text


FIXTURES = []


def rcpt(address, action, status, reason, hard):
    return {"address": address, "action": action, "status": status, "reason": reason, "hard": hard}


def expect(kind, recipients=None, delivery=None, source=None, verp_state=None, **extra):
    e = {"kind": kind, "recipients": recipients or [], "delivery": str(delivery) if delivery else None,
         "delivery_source": source, "verp": verp_state}
    e.update(extra)
    return e


def add(name, text, expected, encoding="utf-8"):
    FIXTURES.append((name, text, expected, encoding))


def dsn(name, *, frm, to, subject, human, per_message, groups, returned=None, returned_type="message/rfc822",
        expected, extra_headers="", boundary=None, human_type="text/plain; charset=us-ascii", ds_type="message/delivery-status"):
    b = boundary or ("=_%s_%d" % (name.replace("-", ""), len(name) * 7919))
    out = "Return-Path: <>\n" + extra_headers
    out += "From: %s\nTo: %s\nSubject: %s\nDate: Mon, 11 Jan 2027 03:00:04 +0900\n" % (frm, to, subject)
    out += "Message-ID: <%s.dsn@%s>\nAuto-Submitted: auto-replied\nMIME-Version: 1.0\n" % (name, "report.test")
    out += 'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="%s"\n\n' % b
    out += "This is a MIME-encapsulated message.\n\n"
    out += "--%s\nContent-Type: %s\nContent-Description: Notification\n\n%s\n" % (b, human_type, human)
    out += "--%s\nContent-Type: %s\nContent-Description: Delivery report\n\n" % (b, ds_type)
    out += per_message.strip("\n") + "\n"
    for g in groups:
        out += "\n" + g.strip("\n") + "\n"
    if returned is not None:
        out += "\n--%s\nContent-Type: %s\nContent-Description: Undelivered Message\n\n%s" % (b, returned_type, returned)
    out += "\n--%s--\n" % b
    add(name, out, expected)


def textmail(name, *, frm, to, subject, body, expected, headers="", rp="<>", ctype="text/plain; charset=us-ascii",
             encoding="utf-8", cte="7bit"):
    out = ""
    if rp is not None:
        out += "Return-Path: %s\n" % rp
    out += headers
    out += "From: %s\nTo: %s\nSubject: %s\nDate: Mon, 11 Jan 2027 03:00:04 +0900\n" % (frm, to, subject)
    out += "Message-ID: <%s@report.test>\nMIME-Version: 1.0\nContent-Type: %s\nContent-Transfer-Encoding: %s\n\n" % (name, ctype, cte)
    out += body
    add(name, out, expected, encoding)


def group(final, action, status, diag=None, remote=None, orig=None):
    g = ""
    if orig:
        g += "Original-Recipient: rfc822;%s\n" % orig
    g += "Final-Recipient: rfc822; %s\nAction: %s\nStatus: %s\n" % (final, action, status)
    if remote:
        g += "Remote-MTA: dns; %s\n" % remote
    if diag:
        g += "Diagnostic-Code: smtp; %s\n" % diag
    return g


# ---------------------------------------------------------------- Postfix
POSTFIX_HUMAN = """This is the mail system at host mx.clinic.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to postmaster.

If you do so, please include this problem report. You can
delete your own text from the attached returned message.

                   The mail system

%s
"""


def postfix(name, rcpts, groups, exp, to=None, n=None, returned=True, pm_extra="", rp_in_original=False, subject="Undelivered Mail Returned to Sender"):
    pm = "Reporting-MTA: dns; mx.clinic.example\nX-Postfix-Queue-ID: 4XyZ1\nX-Postfix-Sender: rfc822; %s\nArrival-Date: Mon, 11 Jan 2027 02:59:58 +0900 (JST)\n%s" % (
        verp(n) if n else EDITION, pm_extra)
    dsn(name, frm="MAILER-DAEMON@mx.clinic.example (Mail Delivery System)", to=to or (verp(n) if n else EDITION),
        subject=subject, human=POSTFIX_HUMAN % rcpts, per_message=pm, groups=groups,
        returned=original(groups and exp["recipients"][0]["address"] if exp["recipients"] else "x@example.jp", n, rp=rp_in_original) if returned else None,
        expected=exp)


postfix("postfix-userunknown",
        "<haruka.sato@example.jp>: host mx.example.jp[192.0.2.10] said: 550 5.1.1\n    <haruka.sato@example.jp>: Recipient address rejected: User unknown in virtual\n    mailbox table (in reply to RCPT TO command)",
        [group("haruka.sato@example.jp", "failed", "5.1.1", "550 5.1.1 <haruka.sato@example.jp>: Recipient address\n    rejected: User unknown in virtual mailbox table", "mx.example.jp", orig="haruka.sato@example.jp")],
        expect("bounce", [rcpt("haruka.sato@example.jp", "failed", "5.1.1", "userunknown", True)], 4411, "verp", "valid"), n=4411)
postfix("postfix-mailboxfull",
        "<ken@example.net>: host mx.example.net[192.0.2.20] said: 552 5.2.2 <ken@example.net>:\n    Mailbox full (in reply to RCPT TO command)",
        [group("ken@example.net", "failed", "5.2.2", "552 5.2.2 <ken@example.net>: Mailbox full", "mx.example.net")],
        expect("bounce", [rcpt("ken@example.net", "failed", "5.2.2", "mailboxfull", False)], 4412, "verp", "valid"), n=4412)
postfix("postfix-hostunknown",
        "<mama@nosuch-domain.test>: Host or domain name not found. Name service error for\n    name=nosuch-domain.test type=A: Host not found",
        ["Final-Recipient: rfc822; mama@nosuch-domain.test\nOriginal-Recipient: rfc822;mama@nosuch-domain.test\nAction: failed\nStatus: 5.4.4\nDiagnostic-Code: X-Postfix; Host or domain name not found. Name service error\n    for name=nosuch-domain.test type=A: Host not found"],
        expect("bounce", [rcpt("mama@nosuch-domain.test", "failed", "5.4.4", "hostunknown", True)], 4413, "verp", "valid"), n=4413)
postfix("postfix-expired",
        "<yui@slow.example.com>: connect to mx.slow.example.com[192.0.2.30]:25: Connection timed out",
        ["Final-Recipient: rfc822; yui@slow.example.com\nAction: failed\nStatus: 4.4.1\nDiagnostic-Code: X-Postfix; connect to mx.slow.example.com[192.0.2.30]:25:\n    Connection timed out"],
        expect("bounce", [rcpt("yui@slow.example.com", "failed", "4.4.1", "expired", False)], 4414, "verp", "valid"), n=4414)
postfix("postfix-blocked",
        "<aoi@example.org>: host mx.example.org[192.0.2.40] said: 554 5.7.1 Service\n    unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org",
        [group("aoi@example.org", "failed", "5.7.1", "554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked\n    using zen.spamhaus.org", "mx.example.org")],
        expect("bounce", [rcpt("aoi@example.org", "failed", "5.7.1", "blocked", False)], 4415, "verp", "valid"), n=4415)
postfix("postfix-norelaying",
        "<riku@partner.example>: host smtp.partner.example[192.0.2.50] said: 554 5.7.1\n    <riku@partner.example>: Relay access denied (in reply to RCPT TO command)",
        [group("riku@partner.example", "failed", "5.7.1", "554 5.7.1 <riku@partner.example>: Relay access denied", "smtp.partner.example")],
        expect("bounce", [rcpt("riku@partner.example", "failed", "5.7.1", "norelaying", False)], 4416, "verp", "valid"), n=4416)
postfix("postfix-mesgtoobig",
        "<sora@example.co.jp>: host mx.example.co.jp[192.0.2.60] said: 552 5.3.4 Message\n    size exceeds fixed limit (in reply to end of DATA command)",
        [group("sora@example.co.jp", "failed", "5.3.4", "552 5.3.4 Message size exceeds fixed limit", "mx.example.co.jp")],
        expect("bounce", [rcpt("sora@example.co.jp", "failed", "5.3.4", "mesgtoobig", False)], 4417, "verp", "valid"), n=4417)
postfix("postfix-multi",
        "<a.tanaka@example.jp>: ... User unknown\n<b.tanaka@example.jp>: ... Mailbox full\n<c.tanaka@example.jp>: ... Connection refused",
        [group("a.tanaka@example.jp", "failed", "5.1.1", "550 5.1.1 <a.tanaka@example.jp>: User unknown", "mx.example.jp"),
         group("b.tanaka@example.jp", "failed", "5.2.2", "552 5.2.2 Mailbox full", "mx.example.jp"),
         group("c.tanaka@example.jp", "delayed", "4.4.1", None, None)],
        expect("bounce", [rcpt("a.tanaka@example.jp", "failed", "5.1.1", "userunknown", True),
                          rcpt("b.tanaka@example.jp", "failed", "5.2.2", "mailboxfull", False),
                          rcpt("c.tanaka@example.jp", "delayed", "4.4.1", "networkerror", False)], 4418, "verp", "valid"), n=4418)
# The forwarder rewrote To: the envelope sender in X-Postfix-Sender still names the delivery.
postfix("postfix-xpostfixsender",
        "<mei@example.ne.jp>: host mx.example.ne.jp[192.0.2.70] said: 550 5.1.1 User unknown",
        [group("mei@example.ne.jp", "failed", "5.1.1", "550 5.1.1 User unknown", "mx.example.ne.jp")],
        expect("bounce", [rcpt("mei@example.ne.jp", "failed", "5.1.1", "userunknown", True)], 4419, "verp", "valid"), n=4419, to="kizuna@clinic.example")
# A forged VERP: right shape, wrong MAC; the returned Message-ID must not be trusted either.
dsn("postfix-verp-forged", frm="MAILER-DAEMON@mx.attacker.test (Mail Delivery System)",
    to="kizuna+b-3f-abcdefgh@clinic.example", subject="Undelivered Mail Returned to Sender",
    human=POSTFIX_HUMAN % "<victim@example.jp>: host mx.example.jp said: 550 5.1.1 User unknown",
    per_message="Reporting-MTA: dns; mx.attacker.test",
    groups=[group("victim@example.jp", "failed", "5.1.1", "550 5.1.1 User unknown", "mx.example.jp")],
    returned=original("victim@example.jp", 135),
    expected=expect("bounce", [rcpt("victim@example.jp", "failed", "5.1.1", "userunknown", True)], None, None, "forged"))
# No VERP (edition without plus-addressing): the returned Message-ID names the delivery.
postfix("postfix-messageid",
        "<nana@example.jp>: host mx.example.jp said: 550 5.1.1 <nana@example.jp>: User unknown",
        [group("nana@example.jp", "failed", "5.1.1", "550 5.1.1 <nana@example.jp>: User unknown", "mx.example.jp")],
        expect("bounce", [rcpt("nana@example.jp", "failed", "5.1.1", "userunknown", True)], 90210, "message-id", None), n=None)
# patch the returned message of postfix-messageid to carry our Message-ID
name, text, e, enc = FIXTURES[-1]
FIXTURES[-1] = (name, text.replace("20270111025957.7781@other.example", msgid(90210)), e, enc)
postfix("postfix-delay",
        "<hina@busy.example.com>: host mx.busy.example.com said: 451 4.3.0 Temporary\n    local problem, please try again later",
        ["Final-Recipient: rfc822; hina@busy.example.com\nAction: delayed\nStatus: 4.3.0\nRemote-MTA: dns; mx.busy.example.com\nDiagnostic-Code: smtp; 451 4.3.0 Temporary local problem, please try again later\nWill-Retry-Until: Sat, 16 Jan 2027 03:00:00 +0900 (JST)"],
        expect("delay", [rcpt("hina@busy.example.com", "delayed", "4.3.0", "systemerror", False)], 4420, "verp", "valid"), n=4420,
        subject="Delayed Mail (still being retried)", returned=False)
# 200 recipients in one report.
groups200 = [group("parent%03d@example.jp" % i, "failed", "5.1.1", "550 5.1.1 User unknown", "mx.example.jp") for i in range(200)]
postfix("postfix-200recipients", "(200 recipients)", groups200,
        expect("bounce", [rcpt("parent%03d@example.jp" % i, "failed", "5.1.1", "userunknown", True) for i in range(200)], 4421, "verp", "valid"), n=4421)
# A bounce of a bounce: what came back was itself a delivery report, not our mail.
dsn("postfix-doublebounce", frm="MAILER-DAEMON@mx.other.example (Mail Delivery System)", to="kizuna@clinic.example",
    subject="Undelivered Mail Returned to Sender",
    human=POSTFIX_HUMAN % "<MAILER-DAEMON@relay.example.net>: host relay.example.net said: 550 5.1.1 User unknown",
    per_message="Reporting-MTA: dns; mx.other.example",
    groups=[group("ghost@relay.example.net", "failed", "5.1.1", "550 5.1.1 User unknown", "relay.example.net")],
    returned="Return-Path: <>\nFrom: MAILER-DAEMON@relay.example.net\nTo: kizuna@clinic.example\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <kizuna.3f.20270111.aaaa@clinic.example>\nContent-Type: text/plain\n\nearlier bounce\n",
    expected=expect("bounce", [rcpt("ghost@relay.example.net", "failed", "5.1.1", "userunknown", True)], None, None, None))
# A relay flattened the report to plain text.
textmail("postfix-plaintext", frm="MAILER-DAEMON@mx.hosting.example (Mail Delivery System)", to=verp(4422),
         subject="Undelivered Mail Returned to Sender",
         body=POSTFIX_HUMAN % "<kaito@example.com>: host mx.example.com[192.0.2.80] said: 550 5.1.1 <kaito@example.com>:\n    Recipient address rejected: User unknown in local recipient table (in reply to\n    RCPT TO command)",
         expected=expect("bounce", [rcpt("kaito@example.com", "failed", "5.1.1", "userunknown", True)], 4422, "verp", "valid"))
# Japanese-translated Postfix template (common at Japanese hosting companies), ISO-2022-JP.
textmail("postfix-ja-iso2022jp", frm="MAILER-DAEMON@mail.hosting.example.jp (Mail Delivery System)", to=verp(4423),
         subject=ew("配信できませんでした"),
         ctype="text/plain; charset=ISO-2022-JP", encoding="iso2022_jp",
         body="""こちらは mail.hosting.example.jp のメールシステムです。

申し訳ありませんが、あなたのメッセージを以下の宛先に
配信できませんでした。

<misaki@example.ne.jp>: host mx.example.ne.jp[192.0.2.90] said: 550 5.1.1
    <misaki@example.ne.jp>: Recipient address rejected: User unknown

                   メールシステム
""",
         expected=expect("bounce", [rcpt("misaki@example.ne.jp", "failed", "5.1.1", "userunknown", True)], 4423, "verp", "valid"))

# ---------------------------------------------------------------- Sendmail
SENDMAIL_HUMAN = """The original message was received at Mon, 11 Jan 2027 02:59:58 +0900
from batch.clinic.example [192.0.2.1]

   ----- The following addresses had permanent fatal errors -----
<%s>
    (reason: %s)

   ----- Transcript of session follows -----
... while talking to %s:
>>> RCPT To:<%s>
<<< %s
"""


def sendmail(name, addr, status, diag, remote, exp, n, action="failed", subject="Returned mail: see transcript for details", human=None):
    dsn(name, frm="Mail Delivery Subsystem <MAILER-DAEMON@smtp.example.org>", to=verp(n), subject=subject,
        human=human or SENDMAIL_HUMAN % (addr, diag, remote, addr, diag),
        per_message="Reporting-MTA: dns; smtp.example.org\nReceived-From-MTA: DNS; batch.clinic.example\nArrival-Date: Mon, 11 Jan 2027 02:59:58 +0900",
        groups=["Final-Recipient: RFC822; %s\nAction: %s\nStatus: %s\nRemote-MTA: DNS; %s\nDiagnostic-Code: SMTP; %s\nLast-Attempt-Date: Mon, 11 Jan 2027 03:00:03 +0900" % (addr, action, status, remote, diag)],
        returned=original(addr, n), expected=exp)


sendmail("sendmail-userunknown", "takumi@example.org", "5.1.1", "550 5.1.1 <takumi@example.org>... User unknown", "mx.example.org",
         expect("bounce", [rcpt("takumi@example.org", "failed", "5.1.1", "userunknown", True)], 5001, "verp", "valid"), 5001)
sendmail("sendmail-mailboxfull", "emi@example.org", "5.2.2", "552 5.2.2 <emi@example.org>... Mailbox full", "mx.example.org",
         expect("bounce", [rcpt("emi@example.org", "failed", "5.2.2", "mailboxfull", False)], 5002, "verp", "valid"), 5002)
sendmail("sendmail-hostunknown", "jun@nosuch.example.org", "5.1.2", "550 5.1.2 Host unknown (Name server: nosuch.example.org: host not found)", "nosuch.example.org",
         expect("bounce", [rcpt("jun@nosuch.example.org", "failed", "5.1.2", "hostunknown", True)], 5003, "verp", "valid"), 5003)
sendmail("sendmail-spam", "rin@example.org", "5.7.1", "550 5.7.1 Message rejected: identified as spam by content filter", "mx.example.org",
         expect("bounce", [rcpt("rin@example.org", "failed", "5.7.1", "spamdetected", False)], 5004, "verp", "valid"), 5004)
sendmail("sendmail-delay", "yuto@example.org", "4.4.1", "451 4.4.1 reply: read error from mx.example.org.", "mx.example.org",
         expect("delay", [rcpt("yuto@example.org", "delayed", "4.4.1", "networkerror", False)], 5005, "verp", "valid"), 5005, action="delayed",
         subject="Warning: could not send message for past 4 hours",
         human="""    **********************************************
    **      THIS IS A WARNING MESSAGE ONLY      **
    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **
    **********************************************

The original message was received at Mon, 11 Jan 2027 02:59:58 +0900
from batch.clinic.example [192.0.2.1]

   ----- Transcript of session follows -----
<yuto@example.org>... Deferred: Connection timed out with mx.example.org.
Warning: message still undelivered after 4 hours
Will keep trying until message is 5 days old
""")

# ---------------------------------------------------------------- Exim
EXIM_HEAD = """This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

"""


def exim(name, failed, exp, n=None, to=None, inline_original=True, rp_original=False, subject="Mail delivery failed: returning message to sender"):
    body = EXIM_HEAD + failed + "\n"
    if inline_original:
        body += "\n------ This is a copy of the message, including all the headers. ------\n\n" + original(
            exp["recipients"][0]["address"] if exp["recipients"] else "x@example.jp", n, rp=rp_original)
    textmail(name, frm="Mail Delivery System <Mailer-Daemon@mail.example.net>", to=to or (verp(n) if n else EDITION),
             subject=subject, body=body, expected=exp,
             headers="X-Failed-Recipients: %s\n" % ", ".join(r["address"] for r in exp["recipients"]))


exim("exim-userunknown", """  sakura@example.net
    host mx.example.net [192.0.2.101]
    SMTP error from remote mail server after RCPT TO:<sakura@example.net>:
    550 5.1.1 <sakura@example.net>: Recipient address rejected: User unknown
""", expect("bounce", [rcpt("sakura@example.net", "failed", "5.1.1", "userunknown", True)], 6001, "verp", "valid"), 6001)
exim("exim-mailboxfull", """  daichi@example.net
    mailbox is full: retry timeout exceeded
""", expect("bounce", [rcpt("daichi@example.net", "failed", None, "mailboxfull", False)], 6002, "verp", "valid"), 6002)
exim("exim-unrouteable", """  kanon@unknown-host.test
    Unrouteable address
""", expect("bounce", [rcpt("kanon@unknown-host.test", "failed", None, "hostunknown", True)], 6003, "verp", "valid"), 6003)
# Two failures: a relay's sending "quota" is a rate limit, not a full mailbox; a mailbox that
# "exceeds" its size is full (both soft).
exim("exim-quota-kinds", """  ren@example.net
    SMTP error from remote mail server after initial connection:
    host smtp.relay.example.net [192.0.2.103]:
    554 relay.example.net : You have reached your daily relay quota for 192.0.2.7
  aoi@example.org
    host mx.example.org [192.0.2.104]
    SMTP error from remote mail server after end of data:
    550 Recipient mailbox exceeds the allowed storage size
""", expect("bounce", [rcpt("ren@example.net", "failed", "5.0.0", "ratelimited", False),
                       rcpt("aoi@example.org", "failed", "5.0.0", "mailboxfull", False)], 6011, "verp", "valid"), 6011)
# The remote server refused our envelope sender at MAIL FROM: the recipient was never judged,
# so "does not exist" is about the sender's domain, not the address (rejected, soft).
exim("exim-mailfrom-refused", """  haruto@example.net
    host mx2.example.net [192.0.2.102]
    SMTP error from remote mail server after MAIL FROM:<kizuna@clinic.example> SIZE=4096:
    550 5.1.0 Sender domain clinic.example does not exist here
""", expect("bounce", [rcpt("haruto@example.net", "failed", "5.1.0", "rejected", False)], 6010, "verp", "valid"), 6010)
# No VERP: the original's Message-ID inside the quoted copy names the delivery.
exim("exim-messageid", """  souta@example.net
    host mx.example.net [192.0.2.101]
    SMTP error from remote mail server after RCPT TO:<souta@example.net>:
    550 No such user here
""", expect("bounce", [rcpt("souta@example.net", "failed", "5.0.0", "userunknown", True)], 6004, "message-id", None), 6004, to=EDITION)
# A VERP mangled in transit (MAC cut short); the original's Return-Path still carries it intact.
exim("exim-verp-mangled", """  mio@example.net
    host mx.example.net [192.0.2.101]
    SMTP error from remote mail server after RCPT TO:<mio@example.net>:
    550 5.1.1 User unknown
""", expect("bounce", [rcpt("mio@example.net", "failed", "5.1.1", "userunknown", True)], 6005, "original-verp", "mangled"), 6005,
     to=verp(6005)[:-len("@clinic.example") - 3] + "@clinic.example", rp_original=True)
name, text, e, enc = FIXTURES[-1]
FIXTURES[-1] = (name, text.replace("Message-ID: <%s>" % msgid(6005), "Message-ID: <20270111.x@other.example>"), e, enc)
textmail("exim-delay", frm="Mail Delivery System <Mailer-Daemon@mail.example.net>", to=verp(6006),
         subject="Warning: message 1rAbCd-0001Xy-2Q delayed 24 hours",
         body="""This message was created automatically by mail delivery software.

A message that you sent has not yet been delivered to one or more of its
recipients after more than 24 hours on the queue on mail.example.net.

The message identifier is:     1rAbCd-0001Xy-2Q
The subject of the message is: =?UTF-8?B?44GV44GP44KJ?=

The address to which the message has not yet been delivered is:

  itsuki@example.net
    host mx.example.net [192.0.2.101]: Connection timed out

No action is required on your part. Delivery attempts will continue for
some time, and this warning may be repeated at intervals if the message
remains undelivered. Eventually the mail delivery software will give up,
and when that happens, the message will be returned to you.
""", expected=expect("delay", [rcpt("itsuki@example.net", "delayed", None, "networkerror", False)], 6006, "verp", "valid"))
dsn("exim-dsn-quota", frm="Mail Delivery System <Mailer-Daemon@mail.example.net>", to=verp(6007),
    subject="Mail delivery failed: returning message to sender",
    human=EXIM_HEAD + "  yuna@example.net\n    host mx.example.net [192.0.2.101]\n    SMTP error from remote mail server after end of data:\n    552 5.2.2 Quota exceeded (mailbox for user is full)\n",
    per_message="Reporting-MTA: dns; mail.example.net",
    groups=["Action: failed\nFinal-Recipient: rfc822;yuna@example.net\nStatus: 5.0.0\nRemote-MTA: dns; mx.example.net\nDiagnostic-Code: smtp; 552 5.2.2 Quota exceeded (mailbox for user is full)"],
    returned=original("yuna@example.net", 6007),
    expected=expect("bounce", [rcpt("yuna@example.net", "failed", "5.2.2", "mailboxfull", False)], 6007, "verp", "valid"))

# A local delivery into a mailbox file: Final-Recipient names the file, not an address; the
# address is the one in X-Failed-Recipients (Exim's "generated by" line says the same).
dsn("exim-dsn-localfile", frm="Mail Delivery System <Mailer-Daemon@mail.example.net>", to=verp(6012),
    subject="Mail delivery failed: returning message to sender",
    extra_headers="X-Failed-Recipients: tsumugi%example.net@store1.mail.example.net\n",
    human=EXIM_HEAD + "  save to /var/spool/mboxes/example.net/t/tsumugi\n    generated by tsumugi%example.net@store1.mail.example.net\n    mailbox is full: retry timeout exceeded\n",
    per_message="Reporting-MTA: dns; store1.mail.example.net",
    groups=["Action: failed\nFinal-Recipient: rfc822;/var/spool/mboxes/example.net/t/tsumugi\nStatus: 5.0.0"],
    returned=original("tsumugi@example.net", 6012),
    expected=expect("bounce", [rcpt("tsumugi%example.net@store1.mail.example.net", "failed", "5.0.0", "mailboxfull", False)], 6012, "verp", "valid"))
# The receiving server refuses the message for our From: header, after the data: about the
# sender, not the recipient (rejected, soft).
exim("exim-from-refused", """  riku@example.net
    host mx3.example.net [192.0.2.105]
    SMTP error from remote mail server after end of data:
    550 5.2.0 Message refused. Please send from a valid From:
    address (see the postmaster page)
""", expect("bounce", [rcpt("riku@example.net", "failed", "5.2.0", "rejected", False)], 6013, "verp", "valid"), 6013)

# ---------------------------------------------------------------- qmail
QMAIL_HEAD = """Hi. This is the qmail-send program at mx.example.com.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

"""


def qmail(name, failed, exp, n):
    textmail(name, frm="MAILER-DAEMON@mx.example.com", to=verp(n), subject="failure notice",
             body=QMAIL_HEAD + failed + "\n--- Below this line is a copy of the message.\n\n" + original(exp["recipients"][0]["address"], n),
             expected=exp)


qmail("qmail-userunknown", "<hiro@example.com>:\nSorry, no mailbox here by that name. (#5.1.1)\n",
      expect("bounce", [rcpt("hiro@example.com", "failed", "5.1.1", "userunknown", True)], 7001, "verp", "valid"), 7001)
qmail("qmail-mailboxfull", "<mai@example.com>:\nThe user's mailbox is over quota. Message returned to sender. (#5.2.2)\n",
      expect("bounce", [rcpt("mai@example.com", "failed", "5.2.2", "mailboxfull", False)], 7002, "verp", "valid"), 7002)
qmail("qmail-remotespam", "<ryo@example.org>:\n192.0.2.120 does not like recipient.\nRemote host said: 550 5.7.1 Message rejected as spam by Content Filtering.\nGiving up on 192.0.2.120.\n",
      expect("bounce", [rcpt("ryo@example.org", "failed", "5.7.1", "spamdetected", False)], 7003, "verp", "valid"), 7003)
qmail("qmail-hostunknown", "<taichi@nosuch.example.com>:\nSorry, I couldn't find any host named nosuch.example.com. (#5.1.2)\n",
      expect("bounce", [rcpt("taichi@nosuch.example.com", "failed", "5.1.2", "hostunknown", True)], 7004, "verp", "valid"), 7004)
# A multi-line SMTP reply: the phrase runs across the `550-`/`550 ` continuation lines.
qmail("qmail-multiline-reply", "<nao@example.org>:\n192.0.2.130 does not like recipient.\nRemote host said: 550-Requested action not taken: the mailbox\n550 is full, please ask the recipient to delete some mail\nGiving up on 192.0.2.130.\n",
      expect("bounce", [rcpt("nao@example.org", "failed", "5.0.0", "mailboxfull", False)], 7005, "verp", "valid"), 7005)

# ---------------------------------------------------------------- Older and regional plain-text notices
# qmail's badrcptto patch answers 553 with a 5.7.1 that is about the mailbox, not security.
qmail("qmail-badrcptto", "<kaito@example.net>:\n192.0.2.140 does not like recipient.\nRemote host said: 553 sorry, badrcptto: mail-box not found for this name (#5.7.1)\nGiving up on 192.0.2.140.\n",
      expect("bounce", [rcpt("kaito@example.net", "failed", "5.7.1", "userunknown", True)], 10101, "verp", "valid"), 10101)
# Smail: the failed addresses between two ruled lines, each with its error after "...".
textmail("smail-failedaddresses", frm="<MAILER-DAEMON@smail.example.org>", to=verp(10102), subject="mail failed, returning to sender",
         body="""|---------------------- Message log follows: ----------------------|
 no deliverable recipient was left for this message
|---------------------- Failed addresses follow: ------------------|
 kenta@nowhere.example.org ... unknown host
|---------------------- Message text follows: ---------------------|
""" + original("kenta@nowhere.example.org", 10102),
         expected=expect("bounce", [rcpt("kenta@nowhere.example.org", "failed", None, "hostunknown", True)], 10102, "verp", "valid"))
# SMTP32-style: one line, the number of tries, the address; a queue that gave up has expired.
textmail("smtp32-attempts", frm='"Postmaster" <postmaster@mail.example.net>', to=verp(10103), subject="Undeliverable Mail",
         body="Delivery failed 12 attempts: momo@example.net\n\nOriginal message follows.\n\n" + original("momo@example.net", 10103),
         expected=expect("bounce", [rcpt("momo@example.net", "failed", None, "expired", False)], 10103, "verp", "valid"))
# A campus directory (ph) that knows the name but has no mailbox for it.
textmail("phdirectory-nodelivery", frm="<MAILER-DAEMON@mx.example.edu>", to=verp(10104), subject="Returned mail: directory lookup report",
         body=""" --------Message not delivered to the following addresses:
          sota@example.edu
 --------Error Detail (directory lookup):
 sota@example.edu
     Does not have a final email delivery point; please reach this person another way.
 --------Unsent Message below:
""" + original("sota@example.edu", 10104),
         expected=expect("bounce", [rcpt("sota@example.edu", "failed", None, "userunknown", True)], 10104, "verp", "valid"))
# A Chinese carrier's own notice in GB2312 (subject and body).
textmail("cncarrier-gb2312-userunknown", frm="MAILER-DAEMON@mail.example.cn", to=verp(10105),
         subject="=?GB2312?B?%s?=" % base64.b64encode("邮件发送失败".encode("gb2312")).decode(),
         ctype="text/plain; charset=GB2312", encoding="gb2312", cte="8bit",
         body="""您好，这里是 mail.example.cn 的邮件系统。
您发送的邮件无法送达下列地址：

<xiaoming@example.cn>:
该用户不存在，请核对地址后重新发送。

--- 以下是原邮件的副本
""" + original("xiaoming@example.cn", 10105, body=False),
         expected=expect("bounce", [rcpt("xiaoming@example.cn", "failed", None, "userunknown", True)], 10105, "verp", "valid"))
# A Russian provider's notice in KOI8-R.
textmail("rucarrier-koi8r-userunknown", frm="Mailer-Daemon@mail.example.ru", to=verp(10106),
         subject="=?KOI8-R?B?%s?=" % base64.b64encode("Письмо не доставлено".encode("koi8_r")).decode(),
         ctype="text/plain; charset=KOI8-R", encoding="koi8_r", cte="8bit",
         body="""Это письмо отправлено почтовой системой автоматически, отвечать на него не нужно.

Ваше письмо не может быть доставлено по адресу:

  <ivan@example.ru>
  Такой почтовый ящик не существует.

--- Original message follows.
""" + original("ivan@example.ru", 10106, body=False),
         expected=expect("bounce", [rcpt("ivan@example.ru", "failed", None, "userunknown", True)], 10106, "verp", "valid"))
# A gateway's warning: "could not be delivered" yet, and it keeps trying: a delay, not a bounce.
textmail("gateway-delay-warning", frm="Mail Gateway <gateway@gw.example.com>", to=verp(10107), subject="Delivery warning",
         body="""Your message with subject "weekly letter"
could not be delivered to the following recipient yet:

miyu@example.com

You do not need to send it again.
Delivery attempts will continue to be made for 4 day(s).
""", expected=expect("delay", [rcpt("miyu@example.com", "delayed", None, "undefined", False)], 10107, "verp", "valid"))
# sendmail's four-hour warning as plain text, without a delivery-status part.
textmail("sendmail-warning-text", frm="Mail Delivery Subsystem <MAILER-DAEMON@relay.example.org>", to=verp(10108),
         subject="Warning: could not send message for past 4 hours",
         body="""    **********************************************
    **      THIS IS A WARNING MESSAGE ONLY      **
    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **
    **********************************************

   ----- Transcript of session follows -----
<rin@example.org>... Deferred: 421 4.3.2 Service not available, closing transmission channel
Warning: message still undelivered after 4 hours
Will keep trying until message is 5 days old
""", expected=expect("delay", [rcpt("rin@example.org", "delayed", "4.3.2", "systemerror", False)], 10108, "verp", "valid"))
# A Japanese carrier's delay notice in ISO-2022-JP.
textmail("jacarrier-iso2022jp-delay", frm="MAILER-DAEMON@mail.example.ne.jp", to=verp(10109), subject=ew("配信遅延のお知らせ"),
         ctype="text/plain; charset=ISO-2022-JP", encoding="iso2022_jp",
         body="""このメールはメールシステムから自動で送信しています。

次の宛先へのメールは、まだ配信できていません。

  宛先 : sakura@example.ne.jp
  理由 : 相手先のサーバーが応答しません。

引き続き配信を試みます。このメールに返信する必要はありません。
""", expected=expect("delay", [rcpt("sakura@example.ne.jp", "delayed", None, "networkerror", False)], 10109, "verp", "valid"))

# ---------------------------------------------------------------- Exchange (on premises) and Office 365
dsn("exchange-recipnotfound", frm="postmaster@corp.example", to=verp(8001), subject="Undeliverable: =?UTF-8?B?44GV44GP44KJ?=",
    human="""Delivery has failed to these recipients or groups:

shun.ito@corp.example
The e-mail address you entered couldn't be found. Please check the recipient's e-mail address and try to resend the message.

Diagnostic information for administrators:

Generating server: EX01.corp.example

shun.ito@corp.example
#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##

Original message headers:

Received: from edge.corp.example by EX01.corp.example; Mon, 11 Jan 2027 03:00:01 +0900
""",
    per_message="Reporting-MTA: dns;EX01.corp.example\nReceived-From-MTA: dns;edge.corp.example\nArrival-Date: Sun, 10 Jan 2027 18:00:01 +0000",
    groups=["Final-recipient: RFC822;shun.ito@corp.example\nAction: failed\nStatus: 5.1.1\nX-Display-Name: Shun Ito"],
    returned=original("shun.ito@corp.example", 8001, body=False), returned_type="text/rfc822-headers",
    expected=expect("bounce", [rcpt("shun.ito@corp.example", "failed", "5.1.1", "userunknown", True)], 8001, "verp", "valid"))
textmail("exchange2003-text", frm="System Administrator <postmaster@legacy.example>", to=verp(8002),
         subject="Undeliverable: =?UTF-8?B?44GV44GP44KJ?=", rp=None,
         body="""Your message did not reach some or all of the intended recipients.

      Subject:	=?UTF-8?B?44GV44GP44KJ?=
      Sent:	1/11/2027 2:59 AM

The following recipient(s) cannot be reached:

      ayaka@legacy.example on 1/11/2027 3:00 AM
            The e-mail account does not exist at the organization this message was sent to.  Check the e-mail address, or contact the recipient directly to find out the correct address.
            <mail.legacy.example #5.1.1>
""", expected=expect("bounce", [rcpt("ayaka@legacy.example", "failed", "5.1.1", "userunknown", True)], 8002, "verp", "valid"))

O365_HTML = """<html><body><p><b><font color="#000066" size="3">Your message to %s couldn't be delivered.</font></b></p>
<p>%s</p>
<p><b>Diagnostic information for administrators:</b></p>
<p>Generating server: TY2PR01MB0001.jpnprd01.prod.outlook.example</p>
<p>%s<br>Remote Server returned '%s'</p>
<p>Original message headers:</p><pre>Received: from batch.clinic.example</pre>
</body></html>
"""


def o365(name, addr, status, diag, advice, exp, n):
    dsn(name, frm="Microsoft Outlook <postmaster@tenant.onmicrosoft.example>", to=verp(n), subject="Undeliverable: =?UTF-8?B?44GV44GP44KJ?=",
        human=O365_HTML % (addr, advice, addr, diag), human_type="text/html; charset=us-ascii",
        per_message="Reporting-MTA: dns;TY2PR01MB0001.jpnprd01.prod.outlook.example\nReceived-From-MTA: dns;batch.clinic.example\nArrival-Date: Sun, 10 Jan 2027 18:00:00 +0000",
        groups=["Final-recipient: RFC822;%s\nAction: failed\nStatus: %s\nDiagnostic-Code: smtp;%s" % (addr, status, diag)],
        returned=original(addr, n, body=False), returned_type="text/rfc822-headers", expected=exp)


o365("office365-recipientnotfound", "kenta@tenant.example", "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
     "kenta wasn't found at tenant.example.",
     expect("bounce", [rcpt("kenta@tenant.example", "failed", "5.1.10", "userunknown", True)], 8101, "verp", "valid"), 8101)
o365("office365-accessdenied", "hana@tenant.example", "5.4.1", "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [TY2PR01MB0001.jpnprd01.prod.outlook.example]",
     "The recipient's email system doesn't recognize this address.",
     expect("bounce", [rcpt("hana@tenant.example", "failed", "5.4.1", "userunknown", True)], 8102, "verp", "valid"), 8102)
o365("office365-quota", "koharu@tenant.example", "5.2.2", "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded",
     "The recipient's mailbox is full and can't accept messages now.",
     expect("bounce", [rcpt("koharu@tenant.example", "failed", "5.2.2", "mailboxfull", False)], 8103, "verp", "valid"), 8103)
o365("office365-bannedip", "ren@tenant.example", "5.7.606", "550 5.7.606 Access denied, banned sending IP [203.0.113.5]",
     "Your message wasn't delivered because the recipient's email provider rejected it.",
     expect("bounce", [rcpt("ren@tenant.example", "failed", "5.7.606", "blocked", False)], 8104, "verp", "valid"), 8104)

# ---------------------------------------------------------------- Gmail
GMAIL_HUMAN = """
** %s **

%s

The response from the remote server was:
%s
"""


def gmail(name, addr, title, sentence, status, diag, exp, n, action="failed", subject="Delivery Status Notification (Failure)", remote="mx.example.com"):
    dsn(name, frm="Mail Delivery Subsystem <mailer-daemon@googlemail.com>", to=verp(n), subject=subject,
        human=GMAIL_HUMAN % (title, sentence, diag),
        extra_headers="X-Failed-Recipients: %s\n" % addr,
        per_message="Reporting-MTA: dns; googlemail.com\nArrival-Date: Sun, 10 Jan 2027 10:00:00 -0800 (PST)\nX-Original-Message-ID: <%s>" % msgid(n),
        groups=["Final-Recipient: rfc822; %s\nAction: %s\nStatus: %s\nRemote-MTA: dns; %s. (192.0.2.200, the server for the domain.)\nDiagnostic-Code: smtp; %s\nLast-Attempt-Date: Sun, 10 Jan 2027 10:00:03 -0800 (PST)" % (addr, action, status, remote, diag)],
        returned=original(addr, n), expected=exp)


gmail("gmail-userunknown", "misaki.k@gmail.example", "Address not found",
      "Your message wasn't delivered to misaki.k@gmail.example because the address couldn't be found, or is unable to receive mail.",
      "5.1.1", "550-5.1.1 The email account that you tried to reach does not exist. Please try\n 550-5.1.1 double-checking the recipient's email address for typos or\n 550 5.1.1 unnecessary spaces. a1si123.1 - gsmtp",
      expect("bounce", [rcpt("misaki.k@gmail.example", "failed", "5.1.1", "userunknown", True)], 9001, "verp", "valid"), 9001, remote="gmail-smtp-in.l.google.example")
gmail("gmail-overquota", "tomo@gmail.example", "Message not delivered",
      "Your message couldn't be delivered to tomo@gmail.example because the mailbox is full.",
      "4.2.2", "452-4.2.2 The email account that you tried to reach is over quota. Please direct\n 452 4.2.2 the recipient to https://support.google.example/mail/?p=OverQuotaTemp",
      expect("bounce", [rcpt("tomo@gmail.example", "failed", "4.2.2", "mailboxfull", False)], 9002, "verp", "valid"), 9002)
gmail("gmail-disabled", "old.account@gmail.example", "Address not found",
      "Your message wasn't delivered to old.account@gmail.example because the account is disabled.",
      "5.2.1", "550-5.2.1 The email account that you tried to reach is disabled. b2si99.2 - gsmtp",
      expect("bounce", [rcpt("old.account@gmail.example", "failed", "5.2.1", "suspend", False)], 9003, "verp", "valid"), 9003)
gmail("gmail-unsolicited", "yuki@example.com", "Message blocked",
      "Your message to yuki@example.com has been blocked. See technical details below for more information.",
      "5.7.1", "550-5.7.1 [203.0.113.5] Our system has detected that this message is likely\n 550-5.7.1 unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.",
      expect("bounce", [rcpt("yuki@example.com", "failed", "5.7.1", "spamdetected", False)], 9004, "verp", "valid"), 9004)
gmail("gmail-delay", "sho@example.com", "Message not delivered yet",
      "There was a temporary problem delivering your message to sho@example.com. Gmail will retry for 46 more hours. You'll be notified if the delivery fails permanently.",
      "4.4.1", "The recipient server did not accept our requests to connect.",
      expect("delay", [rcpt("sho@example.com", "delayed", "4.4.1", "networkerror", False)], 9005, "verp", "valid"), 9005, action="delayed",
      subject="Delivery Status Notification (Delay)")
# Gmail text-only notice about an unknown domain (as older relays flatten it).
textmail("gmail-dnserror", frm="Mail Delivery Subsystem <mailer-daemon@googlemail.com>", to=verp(9006),
         subject="Delivery Status Notification (Failure)",
         body="""Delivery to the following recipient failed permanently:

     chika@no-such-clinic.test

Technical details of permanent failure:
DNS Error: Domain name not found

----- Original message -----
""" + original("chika@no-such-clinic.test", 9006),
         expected=expect("bounce", [rcpt("chika@no-such-clinic.test", "failed", None, "hostunknown", True)], 9006, "verp", "valid"))

# ---------------------------------------------------------------- Yahoo
YAHOO_HEAD = "Sorry, we were unable to deliver your message to the following address.\n\n"


def yahoo(name, addr, line, exp, n):
    textmail(name, frm="MAILER-DAEMON@yahoo.example", to=verp(n), subject="Failure Notice",
             body=YAHOO_HEAD + "<%s>:\n%s\n\n--- Below this line is a copy of the message.\n\n" % (addr, line) + original(addr, n),
             expected=exp)


yahoo("yahoo-userunknown", "haru@yahoo.example", "554: delivery error: dd This user doesn't have a yahoo.example account (haru@yahoo.example) [0] - mta1001.mail.ne1.yahoo.example",
      expect("bounce", [rcpt("haru@yahoo.example", "failed", "5.0.0", "userunknown", True)], 9101, "verp", "valid"), 9101)
yahoo("yahoo-disabled", "akari@yahoo.example", "554: delivery error: dd This account has been disabled or discontinued [#102]. - mta1002.mail.ne1.yahoo.example",
      expect("bounce", [rcpt("akari@yahoo.example", "failed", "5.0.0", "suspend", False)], 9102, "verp", "valid"), 9102)
yahoo("yahoo-mailboxfull", "kou@yahoo.example", "552: delivery error: dd Sorry, your message to kou@yahoo.example cannot be delivered. This mailbox is full. - mta1003.mail.ne1.yahoo.example",
      expect("bounce", [rcpt("kou@yahoo.example", "failed", "5.0.0", "mailboxfull", False)], 9103, "verp", "valid"), 9103)

# ---------------------------------------------------------------- Outlook.com / Hotmail
dsn("outlookcom-mailboxunavailable", frm="postmaster@outlook.example", to=verp(9201), subject="Undeliverable: =?UTF-8?B?44GV44GP44KJ?=",
    human="Delivery has failed to these recipients or groups:\n\nnoa@hotmail.example\nThe recipient's e-mail address wasn't found in the recipient's e-mail system.\n",
    per_message="Reporting-MTA: dns;AM0EUR01HT001.mail.protection.outlook.example",
    groups=["Final-recipient: RFC822;noa@hotmail.example\nAction: failed\nStatus: 5.5.0\nDiagnostic-Code: smtp;550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [AM0EUR01FT001.eop-EUR01.prod.protection.outlook.example]"],
    returned=original("noa@hotmail.example", 9201, body=False), returned_type="text/rfc822-headers",
    expected=expect("bounce", [rcpt("noa@hotmail.example", "failed", "5.5.0", "userunknown", True)], 9201, "verp", "valid"))
dsn("outlookcom-blocklist", frm="postmaster@outlook.example", to=verp(9202), subject="Undeliverable: =?UTF-8?B?44GV44GP44KJ?=",
    human="Delivery has failed to these recipients or groups:\n\nsaki@outlook.example\nYour message wasn't delivered because the recipient's email provider rejected it.\n",
    per_message="Reporting-MTA: dns;AM0EUR01HT002.mail.protection.outlook.example",
    groups=["Final-recipient: RFC822;saki@outlook.example\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp;550 5.7.1 Unfortunately, messages from [203.0.113.5] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)."],
    returned=original("saki@outlook.example", 9202, body=False), returned_type="text/rfc822-headers",
    expected=expect("bounce", [rcpt("saki@outlook.example", "failed", "5.7.1", "blocked", False)], 9202, "verp", "valid"))

# ---------------------------------------------------------------- Courier
COURIER_HUMAN = """This is a delivery status notification from mx.example.org,
running the Courier mail server, version 1.1.

The original message was received on Mon, 11 Jan 2027 03:00:00 +0900
from batch.clinic.example [192.0.2.1]

---------------------------------------------------------------------------

                           UNDELIVERABLE MAIL

Your message to the following recipients cannot be delivered:

<%s>:
    mx.example.org [192.0.2.130]:
>>> RCPT TO:<%s>
<<< %s
"""


def courier(name, addr, status, diag, exp, n):
    dsn(name, frm="Courier mail server at mx.example.org <@>", to=verp(n), subject="NOTICE: mail delivery status.",
        human=COURIER_HUMAN % (addr, addr, diag),
        per_message="Reporting-MTA: dns; mx.example.org\nArrival-Date: Mon, 11 Jan 2027 03:00:00 +0900",
        groups=["Final-Recipient: rfc822; %s\nAction: failed\nStatus: %s\nRemote-MTA: dns; mx.example.org\nDiagnostic-Code: smtp; %s" % (addr, status, diag)],
        returned=original(addr, n), expected=exp)


courier("courier-userunknown", "ayumu@example.org", "5.0.0", "550 User unknown.",
        expect("bounce", [rcpt("ayumu@example.org", "failed", "5.0.0", "userunknown", True)], 9301, "verp", "valid"), 9301)
courier("courier-mailboxfull", "nozomi@example.org", "5.0.0", "552 Mail quota exceeded.",
        expect("bounce", [rcpt("nozomi@example.org", "failed", "5.0.0", "mailboxfull", False)], 9302, "verp", "valid"), 9302)

# ---------------------------------------------------------------- Lotus Domino
textmail("domino-notlisted", frm="Mail Router <postmaster@notes.example.co.jp>", to=verp(9401),
         subject="DELIVERY FAILURE: User Taro Yamada (taro.yamada@notes.example.co.jp) not listed in Domino Directory", rp=None,
         body="""Your message

  Subject: =?UTF-8?B?44GV44GP44KJ?=

was not delivered to:

  taro.yamada@notes.example.co.jp

because:

  User Taro Yamada (taro.yamada@notes.example.co.jp) not listed in Domino Directory
""", expected=expect("bounce", [rcpt("taro.yamada@notes.example.co.jp", "failed", None, "userunknown", True)], 9401, "verp", "valid"))
dsn("domino-dsn", frm="Postmaster@notes.example.co.jp", to=verp(9402), subject="DELIVERY FAILURE: Recipient's Mail File is full",
    human="Your message\n\n  Subject: =?UTF-8?B?44GV44GP44KJ?=\n\nwas not delivered to:\n\n  kumi@notes.example.co.jp\n\nbecause:\n\n  Recipient's Mail File is full. Mail quota exceeded\n",
    per_message="Reporting-MTA: dns;notes.example.co.jp",
    groups=["Final-Recipient: rfc822;kumi@notes.example.co.jp\nAction: failed\nStatus: 5.0.0"],
    returned=original("kumi@notes.example.co.jp", 9402), expected=expect("bounce", [rcpt("kumi@notes.example.co.jp", "failed", "5.0.0", "mailboxfull", False)], 9402, "verp", "valid"))

# ---------------------------------------------------------------- NTT docomo
def docomo(name, addr, status, diag, exp, n):
    dsn(name, frm="Mail Delivery Subsystem <MAILER-DAEMON@docomo.example>", to=verp(n), subject="Returned mail: see transcript for details",
        human="The original message was received at Mon, 11 Jan 2027 03:00:00 +0900\nfrom mfsmax.docomo.example\n\n   ----- The following addresses had permanent fatal errors -----\n<%s>\n\n   ----- Transcript of session follows -----\n... while talking to mfsmax.docomo.example:\n>>> RCPT To:<%s>\n<<< %s\n" % (addr, addr, diag),
        per_message="Reporting-MTA: dns; mfsmax.docomo.example\nArrival-Date: Mon, 11 Jan 2027 03:00:00 +0900",
        groups=['Final-Recipient: RFC822; %s\nAction: failed\nStatus: %s\nRemote-MTA: DNS; mfsmax.docomo.example\nDiagnostic-Code: SMTP; %s' % (addr, status, diag)],
        returned=original(addr, n), expected=exp)


docomo("docomo-userunknown", "ha..ru.@docomo.example", "5.2.0", "550 Unknown user ha..ru.@docomo.example",
       expect("bounce", [rcpt("ha..ru.@docomo.example", "failed", "5.2.0", "userunknown", True)], 9501, "verp", "valid"), 9501)
docomo("docomo-toobig", "megumi@docomo.example", "5.3.4", "552 5.3.4 Message size exceeds fixed limit",
       expect("bounce", [rcpt("megumi@docomo.example", "failed", "5.3.4", "mesgtoobig", False)], 9502, "verp", "valid"), 9502)
textmail("docomo-ja-iso2022jp", frm=ew("メールシステム") + " <MAILER-DAEMON@docomo.example>", to=verp(9503),
         subject=ew("配信不能"), ctype="text/plain; charset=ISO-2022-JP", encoding="iso2022_jp",
         body="""以下のメールアドレスへの送信に失敗しました。

宛先: chie_0101@docomo.example
理由: 宛先不明のため、メールを配信できませんでした。

このメールは送信専用です。
""", expected=expect("bounce", [rcpt("chie_0101@docomo.example", "failed", None, "userunknown", True)], 9503, "verp", "valid"))

# ---------------------------------------------------------------- au (KDDI)
def ezweb(name, addr, because, exp, n):
    textmail(name, frm="Mail Administrator <Postmaster@ezweb.example>", to=verp(n), subject="Mail System Error - Returned Mail",
             body="""Your mail sent on: Mon, 11 Jan 2027 03:00:00 +0900
     Could not be delivered to: <%s>
     As their %s.

-- The header of the original message is following. --
""" % (addr, because) + original(addr, n, body=False), expected=exp)


ezweb("au-ezweb-userunknown", "kaede.0303@ezweb.example", "mail address is not valid",
      expect("bounce", [rcpt("kaede.0303@ezweb.example", "failed", None, "userunknown", True)], 9601, "verp", "valid"), 9601)
ezweb("au-ezweb-mailboxfull", "sae-mama@ezweb.example", "mailbox is full",
      expect("bounce", [rcpt("sae-mama@ezweb.example", "failed", None, "mailboxfull", False)], 9602, "verp", "valid"), 9602)
dsn("au-aucom-userunknown", frm="MAILER-DAEMON@dmta.au.example (Mail Delivery System)", to=verp(9603), subject="Undelivered Mail Returned to Sender",
    human=POSTFIX_HUMAN % "<mama.ichigo@au.example>: host lsean.au.example said: 550 5.1.1 <mama.ichigo@au.example>: Recipient address rejected: User unknown",
    per_message="Reporting-MTA: dns; dmta.au.example",
    groups=[group("mama.ichigo@au.example", "failed", "5.1.1", "550 5.1.1 <mama.ichigo@au.example>: Recipient address rejected: User unknown", "lsean.au.example")],
    returned=original("mama.ichigo@au.example", 9603), expected=expect("bounce", [rcpt("mama.ichigo@au.example", "failed", "5.1.1", "userunknown", True)], 9603, "verp", "valid"))
textmail("au-ja-shiftjis", frm=ew("メールシステム") + " <postmaster@ezweb.example>", to=verp(9604),
         subject=ew("メール配信エラー"), ctype="text/plain; charset=Shift_JIS", encoding="cp932", cte="8bit",
         body="""送信されたメールは以下の宛先に届きませんでした。

  宛先: ryota-papa@ezweb.example
  理由: 受信者の設定により受信拒否されました。
""", expected=expect("bounce", [rcpt("ryota-papa@ezweb.example", "failed", None, "filtered", False)], 9604, "verp", "valid"))

# ---------------------------------------------------------------- SoftBank
dsn("softbank-userunknown", frm="Mail Delivery Subsystem <MAILER-DAEMON@i.softbank.example>", to=verp(9701), subject="Undelivered Mail Returned to Sender",
    human=POSTFIX_HUMAN % "<kokoro@i.softbank.example>: host mx.i.softbank.example said: 550 5.1.1 <kokoro@i.softbank.example>: User Unknown",
    per_message="Reporting-MTA: dns; mx.i.softbank.example",
    groups=[group("kokoro@i.softbank.example", "failed", "5.1.1", "550 5.1.1 <kokoro@i.softbank.example>: User Unknown", "mx.i.softbank.example")],
    returned=original("kokoro@i.softbank.example", 9701), expected=expect("bounce", [rcpt("kokoro@i.softbank.example", "failed", "5.1.1", "userunknown", True)], 9701, "verp", "valid"))
textmail("softbank-ja-cp932", frm="postmaster@softbank.example", to=verp(9702),
         subject=ew("メールエラー"), ctype="text/plain; charset=Shift_JIS", encoding="cp932", cte="8bit",
         body="""お客様が送信されたメールは配信できませんでした。

宛先メールアドレス：
  minato.k@softbank.example

エラー内容：
  このメールアドレスは存在しません。
""", expected=expect("bounce", [rcpt("minato.k@softbank.example", "failed", None, "userunknown", True)], 9702, "verp", "valid"))
textmail("softbank-ja-filtered", frm="postmaster@softbank.example", to=verp(9703),
         subject=ew("メールエラー"), ctype="text/plain; charset=ISO-2022-JP", encoding="iso2022_jp",
         body="""お客様が送信されたメールは配信できませんでした。

宛先メールアドレス：
  yua.mama@softbank.example

エラー内容：
  受信者が受信拒否設定をしているため、配信できませんでした。
""", expected=expect("bounce", [rcpt("yua.mama@softbank.example", "failed", None, "filtered", False)], 9703, "verp", "valid"))

# ---------------------------------------------------------------- Japanese ISPs and hosting
def ja_isp(name, frm, addr, reason_text, exp, n, encoding="iso2022_jp", subject=ew("配信不能")):
    charset = "ISO-2022-JP" if encoding == "iso2022_jp" else "Shift_JIS"
    textmail(name, frm=frm, to=verp(n), subject=subject, ctype="text/plain; charset=%s" % charset, encoding=encoding,
             cte="7bit" if encoding == "iso2022_jp" else "8bit",
             body="""このメールは、メールシステムから自動送信されています。

次の宛先へのメール配送に失敗しました。

  宛先 : %s
  理由 : %s

--- 元のメッセージのヘッダ ---
""" % (addr, reason_text) + original(addr, n, body=False), expected=exp)


ja_isp("ocn-ja-userunknown", "MAILER-DAEMON@ocn.example", "ichika@ocn.example", "宛先のメールアドレスが見つかりません。",
       expect("bounce", [rcpt("ichika@ocn.example", "failed", None, "userunknown", True)], 9801, "verp", "valid"), 9801)
ja_isp("biglobe-ja-mailboxfull", "MAILER-DAEMON@biglobe.example", "satsuki@biglobe.example", "受信者のメールボックスがいっぱいです。",
       expect("bounce", [rcpt("satsuki@biglobe.example", "failed", None, "mailboxfull", False)], 9802, "verp", "valid"), 9802)
ja_isp("nifty-ja-userunknown", "postmaster@nifty.example", "wakana@nifty.example", "このメールアドレスは存在しません。",
       expect("bounce", [rcpt("wakana@nifty.example", "failed", None, "userunknown", True)], 9803, "verp", "valid"), 9803, encoding="cp932")
ja_isp("sakura-ja-hostunknown", "MAILER-DAEMON@sakura.example", "info@no-such-salon.test", "ドメインが存在しません。",
       expect("bounce", [rcpt("info@no-such-salon.test", "failed", None, "hostunknown", True)], 9804, "verp", "valid"), 9804)

# ---------------------------------------------------------------- Amazon SES and SendGrid-like relays
def ses(name, addr, status, diag, exp, n):
    dsn(name, frm="MAIL DELIVERY SYSTEM <MAILER-DAEMON@amazonses.example>", to=verp(n), subject="Delivery Status Notification (Failure)",
        human="An error occurred while trying to deliver the mail to the following recipients:\r\n%s" % addr,
        per_message="Reporting-MTA: dns; a27-10.smtp-out.ap-northeast-1.amazonses.example",
        groups=["Action: failed\nFinal-Recipient: rfc822; %s\nDiagnostic-Code: smtp; %s\nStatus: %s" % (addr, diag, status)],
        returned=original(addr, n), expected=exp)


ses("ses-userunknown", "kei@example.com", "5.1.1", "550 5.1.1 user unknown",
    expect("bounce", [rcpt("kei@example.com", "failed", "5.1.1", "userunknown", True)], 9901, "verp", "valid"), 9901)
ses("ses-mailboxfull", "nene@example.com", "5.2.2", "552 5.2.2 Mailbox full",
    expect("bounce", [rcpt("nene@example.com", "failed", "5.2.2", "mailboxfull", False)], 9902, "verp", "valid"), 9902)
textmail("sendgrid-userunknown", frm="Mail Delivery <bounces@relay.example.com>", to=verp(9911), subject="Undeliverable message",
         body="""The following recipient(s) could not be reached:

    rui@example.com
        Error: 550 5.1.1 The email account that you tried to reach does not exist.

Reason: bounce
""", expected=expect("bounce", [rcpt("rui@example.com", "failed", "5.1.1", "userunknown", True)], 9911, "verp", "valid"))

# ---------------------------------------------------------------- Other MTAs
textmail("mdaemon-userunknown", frm="MDaemon@mail.example.biz", to=verp(9921), subject="Permanent Delivery Failure",
         headers="X-MDaemon-Deliver-To: " + verp(9921) + "\n",
         body="""The attached message had PERMANENT fatal delivery errors!

After one or more unsuccessful delivery attempts the attached message has
been removed from the mail queue on this server. The number and frequency
of delivery attempts are set locally by the postmaster.

YOU DO NOT NEED TO RESEND THIS MESSAGE. This message has been rejected
by the remote mail server.

--- Session Transcript ---
 Mon 2027-01-11 03:00:01: Parsing message <mail.example.biz\\pd50000000001.msg>
 Mon 2027-01-11 03:00:02: *  To: tsubasa@example.biz
 Mon 2027-01-11 03:00:03: --> RCPT To:<tsubasa@example.biz>
 Mon 2027-01-11 03:00:03: <-- 550 5.1.1 <tsubasa@example.biz>... No such user
--- End Transcript ---
""", expected=expect("bounce", [rcpt("tsubasa@example.biz", "failed", "5.1.1", "userunknown", True)], 9921, "verp", "valid"))
textmail("opensmtpd-userunknown", frm="Mailer Daemon <MAILER-DAEMON@smtpd.example.org>", to=verp(9922), subject="Delivery status notification: error",
         body="""Hi!

This is the MAILER-DAEMON, please DO NOT REPLY to this email.

An error has occurred while attempting to deliver a message for
the following list of recipients:

akane@example.org: 550 5.1.1 <akane@example.org>: Recipient address rejected: User unknown

Below is a copy of the original message:

""" + original("akane@example.org", 9922), expected=expect("bounce", [rcpt("akane@example.org", "failed", "5.1.1", "userunknown", True)], 9922, "verp", "valid"))
textmail("messagingserver-userunknown", frm="Internet Mail Delivery <postmaster@ms.example.com>", to=verp(9923), subject="Delivery Notification: Delivery has failed",
         body="""This report relates to a message you sent with the following header fields:

  Message-id: <%s>
  Date: Mon, 11 Jan 2027 02:59:57 +0900
  From: kizuna@clinic.example
  To: kotone@ms.example.com

Your message cannot be delivered to the following recipients:

  Recipient address: kotone@ms.example.com
  Reason: Remote SMTP server has rejected address
  Diagnostic code: smtp;550 5.1.1 unknown or illegal alias: kotone@ms.example.com
  Remote system: dns;mx.ms.example.com (TCP|192.0.2.140|25)
""" % msgid(9923), expected=expect("bounce", [rcpt("kotone@ms.example.com", "failed", "5.1.1", "userunknown", True)], 9923, "verp", "valid"))
dsn("icloud-mailboxfull", frm="Mail Delivery System <MAILER-DAEMON@icloud.example>", to=verp(9924), subject="Undelivered Mail Returned to Sender",
    human=POSTFIX_HUMAN % "<honoka@icloud.example>: host mx.icloud.example said: 552 5.2.2 <honoka@icloud.example>: user is over quota",
    per_message="Reporting-MTA: dns; ms.icloud.example",
    groups=[group("honoka@icloud.example", "failed", "5.2.2", "552 5.2.2 <honoka@icloud.example>: user is over quota", "mx.icloud.example")],
    returned=original("honoka@icloud.example", 9924), expected=expect("bounce", [rcpt("honoka@icloud.example", "failed", "5.2.2", "mailboxfull", False)], 9924, "verp", "valid"))
dsn("zoho-userunknown", frm="mailer-daemon@mx.zoho.example", to=verp(9925), subject="Undelivered Mail Returned to Sender",
    human="This message was created automatically by mail delivery software.\nA message that you sent could not be delivered to one or more of its recipients. This is a permanent error.\n\nyamato@zoho.example, ERROR CODE :550 - The mail server could not deliver mail to yamato@zoho.example. The account or domain may not exist, they may be blacklisted, or missing the proper dns entries.\n",
    per_message="Reporting-MTA: dns; mx.zoho.example",
    groups=["Final-Recipient: rfc822; yamato@zoho.example\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User does not exist - <yamato@zoho.example>"],
    returned=original("yamato@zoho.example", 9925), expected=expect("bounce", [rcpt("yamato@zoho.example", "failed", "5.1.1", "userunknown", True)], 9925, "verp", "valid"))
dsn("fastmail-userunknown", frm="Mail Delivery System <MAILER-DAEMON@messagingengine.example>", to=verp(9926), subject="Undelivered Mail Returned to Sender",
    human=POSTFIX_HUMAN % "<iroha@fastmail.example>: unknown user: \"iroha\"",
    per_message="Reporting-MTA: dns; mail.messagingengine.example",
    groups=["Final-Recipient: rfc822; iroha@fastmail.example\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: X-Postfix; unknown user: \"iroha\""],
    returned=original("iroha@fastmail.example", 9926), expected=expect("bounce", [rcpt("iroha@fastmail.example", "failed", "5.1.1", "userunknown", True)], 9926, "verp", "valid"))
textmail("kerio-userunknown", frm="Mail Delivery System <MAILER-DAEMON@kerio.example.com>", to=verp(9927), subject="Undeliverable mail",
         body="""Your message did not reach some or all of the intended recipients.

   Sent: Mon, 11 Jan 2027 02:59:57 +0900
   Subject: =?UTF-8?B?44GV44GP44KJ?=

The following recipient(s) could not be reached:

sena@kerio.example.com
   Error Type: SMTP
   Remote server (192.0.2.150) issued an error.
   hMailServer sent: RCPT TO:<sena@kerio.example.com>
   Remote server replied: 550 5.1.1 Mailbox does not exist
""", expected=expect("bounce", [rcpt("sena@kerio.example.com", "failed", "5.1.1", "userunknown", True)], 9927, "verp", "valid"))
dsn("postfix-authfailure", frm="MAILER-DAEMON@mx.clinic.example (Mail Delivery System)", to=verp(9928), subject="Undelivered Mail Returned to Sender",
    human=POSTFIX_HUMAN % "<mirai@strict.example>: host mx.strict.example said: 550 5.7.26 This mail is unauthenticated",
    per_message="Reporting-MTA: dns; mx.clinic.example",
    groups=[group("mirai@strict.example", "failed", "5.7.26", "550-5.7.26 This mail has been blocked because the sender is unauthenticated. DMARC policy of the sender domain requires authentication", "mx.strict.example")],
    returned=original("mirai@strict.example", 9928), expected=expect("bounce", [rcpt("mirai@strict.example", "failed", "5.7.26", "authfailure", False)], 9928, "verp", "valid"))
textmail("mailgun-suspended", frm="Mailer Daemon <mailer-daemon@relay.mailgun.example>", to=verp(9929), subject="Delivery Status Notification (Failure)",
         body="""Your message could not be delivered to the following recipient:

  <kazu@example.co.jp>

Reason: 550 5.2.1 The email account that you tried to reach is inactive.
""", expected=expect("bounce", [rcpt("kazu@example.co.jp", "failed", "5.2.1", "suspend", False)], 9929, "verp", "valid"))
textmail("unknown-norecipient", frm="MAILER-DAEMON@mystery.example", to=verp(9930), subject="Returned mail",
         body="""Your message could not be delivered.

Something went wrong. Please contact the administrator.
""", expected=expect("bounce", [], 9930, "verp", "valid"))
textmail("unknown-neversent", frm="MAILER-DAEMON@mystery.example", to=EDITION, subject="Undeliverable",
         body="""Your message could not be delivered to the following recipient:

  stranger@elsewhere.example

550 5.1.1 User unknown
""", expected=expect("bounce", [rcpt("stranger@elsewhere.example", "failed", "5.1.1", "userunknown", True)], None, None, None))

# ---------------------------------------------------------------- ARF feedback reports
def arf(name, frm, fields, original_text, exp, human="This is an email abuse report for an email message received from IP 203.0.113.5."):
    b = "=_arf_%s" % name.replace("-", "")
    out = "Return-Path: <>\nFrom: %s\nTo: abuse-reports@clinic.example\nSubject: FW: Abuse report\nDate: Mon, 11 Jan 2027 09:00:00 +0900\n" % frm
    out += "Message-ID: <%s@fbl.test>\nMIME-Version: 1.0\n" % name
    out += 'Content-Type: multipart/report; report-type=feedback-report;\n\tboundary="%s"\n\n' % b
    out += "--%s\nContent-Type: text/plain; charset=us-ascii\n\n%s\n\n" % (b, human)
    out += "--%s\nContent-Type: message/feedback-report\n\n%s\n" % (b, fields)
    out += "--%s\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n%s\n--%s--\n" % (b, original_text, b)
    add(name, out, exp)


arf("arf-abuse-rcptto", "Feedback Loop <fbl@isp.example>",
    "Feedback-Type: abuse\nUser-Agent: ISPFeedback/1.0\nVersion: 1\nOriginal-Mail-From: <%s>\nOriginal-Rcpt-To: <nanami@isp.example>\nArrival-Date: Mon, 11 Jan 2027 03:00:05 +0900\nReported-Domain: clinic.example\nSource-IP: 203.0.113.5\n" % verp(10001),
    original("nanami@isp.example", 10001, rp=True),
    expect("complaint", [], 10001, "original-verp", None, address="nanami@isp.example", feedback_type="abuse"))
arf("arf-abuse-originalto", "Yahoo! Mail Complaints <feedback@fbl.yahoo.example>",
    "Feedback-Type: abuse\nUser-Agent: Yahoo!-Mail-Feedback/2.0\nVersion: 0.1\nOriginal-Mail-From: <kizuna@clinic.example>\nArrival-Date: Mon, 11 Jan 2027 03:00:05 +0900\nReported-Domain: clinic.example\nAuthentication-Results: mta.yahoo.example  from=clinic.example; domainkeys=neutral; from=clinic.example; dkim=pass (ok)\n",
    original("shiori@yahoo.example", 10002),
    expect("complaint", [], 10002, "message-id", None, address="shiori@yahoo.example", feedback_type="abuse"))
arf("arf-authfailure", "DMARC Reports <noreply-dmarc@receiver.example>",
    "Feedback-Type: auth-failure\nUser-Agent: ReceiverDMARC/1.0\nVersion: 1\nOriginal-Mail-From: <kizuna@clinic.example>\nOriginal-Rcpt-To: <hikari@receiver.example>\nAuth-Failure: dmarc\nReported-Domain: clinic.example\n",
    original("hikari@receiver.example", None),
    expect("complaint", [], None, None, None, address="hikari@receiver.example", feedback_type="auth-failure"))
arf("arf-outlook-jmrp", "staff@hotmail.example",
    "Feedback-Type: abuse\nUser-Agent: Hotmail FBL\nVersion: 0.1\nOriginal-Rcpt-To: hinata@hotmail.example\n",
    original("hinata@hotmail.example", 10004, rp=True),
    expect("complaint", [], 10004, "original-verp", None, address="hinata@hotmail.example", feedback_type="abuse"),
    human="This is an email abuse report for an email message with the message-id of %s received from IP address 203.0.113.5" % msgid(10004))

# ---------------------------------------------------------------- Auto-replies, challenges, a person
textmail("vacation-en-autosubmitted", frm="Yoko Mori <yoko@example.com>", to=EDITION, rp="<yoko@example.com>",
         subject="Out of Office: =?UTF-8?B?44GV44GP44KJ?=", headers="Auto-Submitted: auto-replied\nIn-Reply-To: <%s>\n" % msgid(11001),
         body="I am out of the office until 18 January with limited access to email.\nFor urgent matters please call the clinic.\n",
         expected=expect("autoreply", [], None, None, None, autoreply="vacation"))
textmail("vacation-ja-iso2022jp", frm=ew("佐藤") + " <mama.sato@example.ne.jp>", to=EDITION, rp="<>",
         subject=ew("自動返信") + ": =?UTF-8?B?44GV44GP44KJ?=", headers="X-Autoreply: yes\n",
         ctype="text/plain; charset=ISO-2022-JP", encoding="iso2022_jp",
         body="ただいま産休中のため、メールの確認ができません。\n1月20日以降に順次お返事いたします。\n",
         expected=expect("autoreply", [], None, None, None, autoreply="vacation"))
textmail("vacation-exchange-automaticreply", frm="Emiko Hayashi <emiko@corp.example>", to=EDITION, rp="<>",
         subject="Automatic reply: =?UTF-8?B?44GV44GP44KJ?=", headers="Auto-Submitted: auto-generated\nX-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: emiko@corp.example\n",
         body="Thank you for your message. I am on leave and will reply when I return.\n",
         expected=expect("autoreply", [], None, None, None, autoreply="vacation"))
textmail("autoreply-helpdesk", frm="Clinic Support <support@helpdesk.example>", to=EDITION, rp="<>",
         subject="[Ticket #4821] We received your message", headers="Auto-Submitted: auto-replied\nPrecedence: auto_reply\n",
         body="Thank you for contacting us. A member of our team will respond within two business days.\n",
         expected=expect("autoreply", [], None, None, None, autoreply="auto-reply"))
textmail("challenge-response", frm="Spam Shield <verify@shield.example>", to=verp(11005), rp="<>",
         subject="Please confirm your message to ao@shield.example",
         body="""Hello,

You sent a message to ao@shield.example. To protect against spam, this
address accepts mail only from approved senders. Your message is awaiting
verification: please click the link below to confirm that you are a human
sender, and your message will be delivered.

  https://shield.example/verify?id=8c1f
""", expected=expect("autoreply", [], 11005, "verp", "valid", autoreply="challenge"))
textmail("human-reply-quoting-error", frm="Aiko Kimura <aiko@example.jp>", to=EDITION, rp="<aiko@example.jp>",
         subject="Re: Undelivered Mail Returned to Sender", headers="In-Reply-To: <%s>\n" % msgid(11006),
         ctype="text/plain; charset=UTF-8", encoding="utf-8", cte="8bit",
         body="""こんにちは。夫のアドレスに送ったら次のエラーが返ってきました。
新しいアドレスは papa.kimura@example.jp です。登録をお願いします。

> <old.kimura@example.jp>: host mx.example.jp said: 550 5.1.1 User unknown
> Your message could not be delivered to one or more recipients.
""", expected=expect("not_bounce", [], None, None, None))
textmail("human-forward-daemon-words", frm="Daichi Ono <daichi@example.com>", to=EDITION, rp="<daichi@example.com>",
         subject="Fwd: Mail delivery failed", headers="",
         body="""FYI - my wife's phone mailbox was full last week, it should be fine now.

---------- Forwarded message ---------
From: Mail Delivery System <Mailer-Daemon@mail.example.net>
Subject: Mail delivery failed: returning message to sender

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  wife@example.net
    mailbox is full
""", expected=expect("not_bounce", [], None, None, None))


# ---------------------------------------------------------------- Held-out generality (formats seen in real bounces)
# iMail-style plain notice: the copy of the original follows a bare "Original message follows."
# line; its To and MIME headers must not be read as a recipient or a reason.
textmail("imail-userid", frm='"Postmaster" <postmaster@mail.example.org>', to=verp(9951), rp=None,
         subject="Undeliverable Mail", headers="X-Mailer: <SMTP32 v8.22>\n",
         body="""Invalid final delivery userid: hinata.mama@example.org


Original message follows.

""" + original("hinata.family@example.org", 9951),
         expected=expect("bounce", [rcpt("hinata.mama@example.org", "failed", None, "userunknown", True)], 9951, "verp", "valid"))
# Lotus Notes in Japanese: "not in the directory list".
textmail("notes-ja-directory", frm="postmaster@notes.example.co.jp", to=verp(9952),
         subject="Undeliverable message", ctype="text/plain; charset=ISO-2022-JP", encoding="iso2022_jp",
         body="""------- Failure Reasons  --------

ディレクトリのリストにありません
kaede.mama@notes.example.co.jp

------- Returned Message --------
""" + original("kaede.mama@notes.example.co.jp", 9952, body=False),
         expected=expect("bounce", [rcpt("kaede.mama@notes.example.co.jp", "failed", None, "userunknown", True)], 9952, "verp", "valid"))
# Domino writes the Diagnostic-Code of its DSN in raw 7-bit ISO-2022-JP.
dsn("domino-ja-rawjis", frm="Postmaster@domino.example.co.jp", to=verp(9953), subject="DELIVERY FAILURE",
    human="Your message\n\n  Subject: kizuna\n\nwas not delivered to:\n\n  ren.papa@domino.example.co.jp\n",
    per_message="Reporting-MTA: dns;domino.example.co.jp",
    groups=["Final-Recipient: rfc822;ren.papa@domino.example.co.jp\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: X-Notes; "
            + "ユーザー ren.papa@domino.example.co.jp は Domino ディレクトリには見つかりません。".encode("iso2022_jp").decode("ascii")],
    returned=original("ren.papa@domino.example.co.jp", 9953),
    expected=expect("bounce", [rcpt("ren.papa@domino.example.co.jp", "failed", "5.0.0", "userunknown", True)], 9953, "verp", "valid"))
# Exchange 5.5-style text: the quoted "To:" is the alias the message was sent to, not the failed address.
textmail("exchange55-alias", frm="System Administrator <postmaster@exchange.example.com>", to=verp(9954),
         subject="Undeliverable: kizuna",
         body="""Your message

  To:      family@exchange.example.com
  Subject: kizuna
  Sent:    Mon, 11 Jan 2027 02:59:57 +0900

did not reach the following recipient(s):

sora.papa@exchange.example.com on Mon, 11 Jan 2027 03:00:04 +0900
    The recipient name is not recognized
    MSEXCH:IMS:EXAMPLE:HQ:MAIL01 0 (000C05A6) Unknown Recipient
""", expected=expect("bounce", [rcpt("sora.papa@exchange.example.com", "failed", None, "userunknown", True)], 9954, "verp", "valid"))
# A carrier that bounces from no-reply@, with no Return-Path: the text still says what failed.
textmail("kddi-noreply-mailboxfull", frm="no-reply@mail.kddi.example", to=verp(9955), rp=None,
         subject=ew("メールエラー通知"), ctype="text/plain; charset=ISO-2022-JP", encoding="iso2022_jp",
         body="""送信先のメールボックスが一杯のため、送信できませんでした。

Your mail sent on: Mon, 11 Jan 2027 02:59:57 +0900
     Could not be delivered to: <aoi.mama@kddi.example>
     As their mailbox is full.
""", expected=expect("bounce", [rcpt("aoi.mama@kddi.example", "failed", None, "mailboxfull", False)], 9955, "verp", "valid"))
ja_isp("biglobe-mailbox-limit", "postmaster@mail.biglobe.example", "mei@biglobe.example",
       "The number of messages in recipient's mailbox exceeded the local limit.",
       expect("bounce", [rcpt("mei@biglobe.example", "failed", None, "mailboxfull", False)], 9956, "verp", "valid"), 9956)
# Exim names only the local part in its text; X-Failed-Recipients has the address.
textmail("exim-localpart-xfailed", frm="Mail Delivery System <Mailer-Daemon@mx.isp.example>", to=verp(9957),
         subject="Mail delivery failed: returning message to sender",
         headers="X-Failed-Recipients: haru.papa@isp.example\nAuto-Submitted: auto-replied\n",
         body=EXIM_HEAD + """  haru.papa
    SMTP error from remote mail server after MAIL FROM:<kizuna@clinic.example> SIZE=4120:
    host mx.isp.example [192.0.2.60]: 550 5.7.1 <kizuna@clinic.example>... Please use the SMTP server of your ISP.
""", expected=expect("bounce", [rcpt("haru.papa@isp.example", "failed", "5.7.1", "blocked", False)], 9957, "verp", "valid"))
# A gateway whose host name contains "mime" refuses the sending network: blocked, not a content error.
dsn("postfix-mimegate-network", frm="MAILER-DAEMON@mx.clinic.example (Mail Delivery System)", to=verp(9958),
    subject="Undelivered Mail Returned to Sender",
    human="<nagi@gateway.example>: host inbound.mimegate.example[192.0.2.70] said: 554 Host network not allowed (in reply to RCPT TO command)\n",
    per_message="Reporting-MTA: dns; mx.clinic.example",
    groups=[group("nagi@gateway.example", "failed", "5.0.0", "554 Host network not allowed - https://support.mimegate.example/554", "inbound.mimegate.example")],
    returned=original("nagi@gateway.example", 9958),
    expected=expect("bounce", [rcpt("nagi@gateway.example", "failed", "5.0.0", "blocked", False)], 9958, "verp", "valid"))
# A gateway's own wording, sent from post_master@ as a "Re:" of the original: its 550 reply decides.
textmail("post-master-invalid-user", frm="post_master@sms.example", to=verp(9959), rp=None,
         subject="Re: kizuna", headers="In-Reply-To: <%s>\n" % msgid(9959),
         body="""Error: Invalid user address

Error message below:
550 - Requested action not taken: no such user here

Message details:
  Subject: kizuna
  MAIL FROM: kizuna@clinic.example
  RCPT TO: 09012345678@sms.example
  Size (in bytes): 812
""", expected=expect("bounce", [rcpt("09012345678@sms.example", "failed", "5.0.0", "userunknown", True)], 9959, "verp", "valid"))


# ---------------------------------------------------------------- Which recipient failed (issue 10)
# Only the address the report itself names as failed counts, cleaned to a bare mailbox.

# A list's bounce: the returned post (List-Post, To the list, From the list's -request address)
# is quoted after a plain "Received:" line with no marker; its masthead repeats the list's
# -request and -owner addresses. The report names the member once, in stray quotes.
LIST_POST = """Received: from lists.example.org by mx.example.net for hana@example.net;
\tMon, 11 Jan 2027 02:00:00 +0900
Return-Path: <parents-bounces@lists.example.org>
From: parents-request@lists.example.org
To: parents@lists.example.org
Reply-To: parents@lists.example.org
Subject: Parents digest, Vol 3 #12
List-Id: Parents <parents.lists.example.org>
List-Post: <mailto:parents@lists.example.org>
Errors-To: parents-bounces@lists.example.org
Message-ID: <digest.3.12@lists.example.org>

Send Parents mailing list submissions to
\tparents@lists.example.org
or write to parents-request@lists.example.org with the word help.
The people who look after the list can be reached at parents-owner@lists.example.org.
"""
textmail("list-quoted-recipient", frm="Mail Delivery System <Mailer-Daemon@relay.example.net>",
         to="parents-bounces@lists.example.org", subject="Mail delivery failure", rp="<>",
         body="""This message was written by the mail system at relay.example.net.

A message you sent was not delivered to every one of its recipients.
The message for 'hana@example.net' could not be delivered:
550 5.1.1 no mailbox by that name is known here

Below is the start of the message, all of its header included.

""" + LIST_POST, expected=expect("bounce", [rcpt("hana@example.net", "failed", "5.1.1", "userunknown", True)]))

# Old Exchange (X.400 gateway): the recipient only as `dda:SMTP=` inside an O/R address, with
# an upper-case domain; the original's To is a display name only.
textmail("exchange-x400-smtp", frm="System Administrator <postmaster@corp.example>", to=verp(9970),
         subject="Undeliverable: =?UTF-8?B?44GV44GP44KJ?=", rp=None,
         body="""Your message

  To:      Aoi Mori
  Subject: =?UTF-8?B?44GV44GP44KJ?=
  Sent:    Mon, 11 Jan 2027 02:59:57 +0900

did not reach the following recipient(s):

c=JP;a= ;p=Corp;o=Gate;dda:SMTP=aoi.mori@Corp.Example; on Mon, 11 Jan 2027
03:00:02 +0900
    The recipient name is not recognized
    MSEXCH:IMS:Corp:Gate:GW01 0 (000C05A6) Unknown Recipient
""", expected=expect("bounce", [rcpt("aoi.mori@corp.example", "failed", None, "userunknown", True)], 9970, "verp", "valid"))

# A relay that writes the recipient as `SMTP:'…'>` (a stray quote and bracket) and says that the
# mail came from the edition's address, which is not what failed.
textmail("relay-stray-quote", frm="Postmaster <postmaster@relay.example.com>", to=verp(9971),
         subject="Delivery Status Notification (Failure)",
         body="""This is a delivery failure notice from relay.example.com.

Your message from kizuna@clinic.example was not delivered to:

    SMTP:'sora@example.com'>

Reason: 550 5.1.1 mailbox unavailable, user unknown
""", expected=expect("bounce", [rcpt("sora@example.com", "failed", "5.1.1", "userunknown", True)], 9971, "verp", "valid"))

# The failed recipient appears only in the session transcript's RCPT TO line.
textmail("transcript-rcptto-only", frm="Mail Delivery Subsystem <MAILER-DAEMON@gw.example.org>", to=verp(9972),
         subject="Returned mail: see transcript for details",
         body="""The original message was received at Mon, 11 Jan 2027 03:00:01 +0900
from batch.clinic.example [192.0.2.7]

   ----- Transcript of session follows -----
... while talking to mx.example.org.:
>>> MAIL FROM:<%s> SIZE=2048
<<< 250 2.1.0 Sender ok
>>> RCPT TO:<riku@example.org>
<<< 550 5.1.1 No such mailbox here
""" % verp(9972), expected=expect("bounce", [rcpt("riku@example.org", "failed", "5.1.1", "userunknown", True)], 9972, "verp", "valid"))

# A provider that lists its own mailboxes by name only: the domain is the reporting system's.
textmail("provider-bare-localpart", frm='"Mail Delivery Subsystem" <MAILER-DAEMON@mail.example.com>', to=verp(9973),
         subject="Mail Delivery Problem",
         body="""Your mail to the following recipients could not be delivered because
they are not accepting mail from kizuna@clinic.example:
\tmomo
""", expected=expect("bounce", [rcpt("momo@mail.example.com", "failed", None, "filtered", False)], 9973, "verp", "valid"))

# A gateway's DSN that names the recipient only by its X.400 name; the human-readable part gives
# the mail address and the server's reply.
dsn("dsn-x400-recipient", frm="Mail Delivery System <MAILER-DAEMON@gw.corp.example>", to=verp(9976),
    subject="Delivery Status Notification (Failure)",
    human="""Your message could not be delivered to the following recipient:

  minato.abe@corp.example
    550 5.1.1 recipient unknown in the directory
""",
    per_message="Reporting-MTA: dns; gw.corp.example",
    groups=["Final-Recipient: x400; /G=Minato/S=Abe/O=Corp/PRMD=Gate/ADMD= /C=JP/\nAction: failed\nStatus: 5.1.1"],
    expected=expect("bounce", [rcpt("minato.abe@corp.example", "failed", "5.1.1", "userunknown", True)], 9976, "verp", "valid"))

# A university relay's note that, besides the address that failed, mentions the usual form of
# its addresses and its help desk: only the one it says is not known counts.
textmail("relay-mentions-helpdesk", frm="Mail Delivery Subsystem <MAILER-DAEMON@gw.example.edu>", to=verp(9975),
         subject="Returned mail: User unknown",
         body="""This is the mail relay at gw.example.edu.

The address your message was sent to, kenta@example.edu, does not exist here.
The usual form of addresses here is firstname.lastname@example.edu; people
who cannot find someone may ask the help desk at helpdesk@example.edu or
look the name up in the directory.
""", expected=expect("bounce", [rcpt("kenta@example.edu", "failed", None, "userunknown", True)], 9975, "verp", "valid"))

# A DSN whose Final-Recipient carries quotes and brackets, and whose Original-Recipient (the
# address we sent to) differs from it.
dsn("dsn-quoted-recipients", frm="Mail Delivery System <MAILER-DAEMON@mx.example.jp>", to=verp(9974),
    subject="Undelivered Mail Returned to Sender",
    human="Your message could not be delivered to two recipients.\n",
    per_message="Reporting-MTA: dns; mx.example.jp",
    groups=["Final-Recipient: RFC822;'yui@example.jp'\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown",
            "Original-Recipient: rfc822; <Kaito@Example.JP>\nFinal-Recipient: rfc822; <kaito.k@mbox.example.jp>\nAction: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 552 5.2.2 mailbox full"],
    expected=expect("bounce", [rcpt("yui@example.jp", "failed", "5.1.1", "userunknown", True),
                               rcpt("Kaito@example.jp", "failed", "5.2.2", "mailboxfull", False)], 9974, "verp", "valid"))

# ---------------------------------------------------------------- Mail systems' notices without a report (issue 10)
# Plain-text notices from mail systems with unusual sender names: never a parent's command,
# whatever the copy they quote says ("status", "stop" in our footer). Sender and subject are the
# machine and notice evidence; the verdicts say what a careful operator would read.
FOOTER = "--\nTo stop these letters, reply with: stop\nTo see your settings, reply with: status\n"
textmail("notice-antivirus-gateway", frm="Example_AntiVirus_for_SMTP_Relays@scan.example", to=EDITION,
         rp="<Example_AntiVirus_for_SMTP_Relays@scan.example>", subject="Delivery failure notification",
         body="""Your message with Subject: status
could not be delivered to the following recipients:

haruka@families.example

The recipient's mailbox does not exist on this server.

------ Original message follows.
Subject: status
From: kizuna@clinic.example

""" + FOOTER,
         expected=expect("bounce", [rcpt("haruka@families.example", "failed", None, "userunknown", True)]))
textmail("notice-mail-delivery-system", frm="Mail Delivery System <Mail.Delivery.System@relay.example>", to=EDITION,
         rp="<relay-bounces@relay.example>", subject="Delivery status notification",
         body="""This notice was generated automatically by the relay.

Delivery to the following recipients failed permanently:

   * mika@mobile.example

Technical details:
SMTP:RCPT host 192.0.2.41: 550 5.1.1 <mika@mobile.example>... No such user here

------ This is a copy of the message, including all the headers.
Message-ID: <%s>
Subject: Status

Status: 22 weeks today.
""" % msgid(12001) + FOOTER,
         expected=expect("bounce", [rcpt("mika@mobile.example", "failed", "5.1.1", "userunknown", True)], 12001, "message-id"))
add("notice-no-from", """Return-Path: <relay@outpost.example>
To: kizuna@clinic.example
Subject: Undeliverable: rin@island.example
Date: Mon, 11 Jan 2027 03:00:04 +0900
Message-ID: <notice-no-from@outpost.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Your message

  To:      rin@island.example
  Subject: stop

did not reach the following recipient: rin@island.example
""", expect("bounce", [rcpt("rin@island.example", "failed", None, "undefined", False)]))
textmail("notice-precedence-bulk", frm="<relay-admin@hub.example>", to=EDITION, rp="<relay-admin@hub.example>",
         subject="Non-Delivery: =?UTF-8?B?44GV44GP44KJ?=", headers="Precedence: bulk\n",
         body="""--- Non-Delivery Report ---
The message below could not be delivered to the following user:

"Yui" <yui@harbor.example>

The mailbox does not exist.
""", expected=expect("bounce", [rcpt("yui@harbor.example", "failed", None, "userunknown", True)]))
textmail("notice-autosubmitted-bounce", frm="Mail Robot <robot@gate.example>", to=verp(12002), rp="<>",
         subject="Undelivered mail: status", headers="Auto-Submitted: auto-replied\n",
         body="""Your message to <sora@gate.example> was refused:
user unknown
""", expected=expect("bounce", [rcpt("sora@gate.example", "failed", None, "userunknown", True)], 12002, "verp", "valid"))
# A vacation stays a vacation: Lotus' "AUTO:" subject, and an auto-reply that says the person
# "cannot be reached" (bounce wording, but no mail system's mark).
textmail("vacation-lotus-auto", frm="Kana Ito <kana.ito@corp.example>", to=EDITION, rp="<kana.ito@corp.example>",
         subject="AUTO: Kana Ito is out of the office (returning 2027-01-20)",
         body="""I am out of the office until 2027-01-20.

Note: This is an automated response to your message "status" sent on 2027-01-11.
This is the only notification you will receive while this person is away.
""", expected=expect("autoreply", [], None, None, None, autoreply="vacation"))
textmail("vacation-unreachable-autosubmitted", frm="Rie Kato <rie@home.example>", to=EDITION, rp="<>",
         subject="Re: =?UTF-8?B?44GV44GP44KJ?=", headers="Auto-Submitted: auto-replied\n",
         body="""I am away from my desk and cannot be reached until Monday.
Your message could not be answered before then.
""", expected=expect("autoreply", [], None, None, None, autoreply="vacation"))


def main():
    for f in os.listdir(HERE):
        if f.endswith(".eml") or f.endswith(".expected.json"):
            os.remove(os.path.join(HERE, f))
    seen = set()
    for name, text, exp, enc in FIXTURES:
        assert name not in seen, name
        seen.add(name)
        data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode(enc)
        with open(os.path.join(HERE, name + ".eml"), "wb") as fh:
            fh.write(data)
        with open(os.path.join(HERE, name + ".expected.json"), "w") as fh:
            json.dump(exp, fh, ensure_ascii=False, sort_keys=True, indent=1)
            fh.write("\n")
    print("%d fixtures" % len(FIXTURES))


main()

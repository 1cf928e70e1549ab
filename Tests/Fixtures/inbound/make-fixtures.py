#!/usr/bin/python3
"""Writes the inbound fixture messages with real charset bytes (ISO-2022-JP, CP932, EUC-JP,
Latin-1). All people, addresses and texts are invented. Run from anywhere:
    /usr/bin/python3 Tests/Fixtures/inbound/make-fixtures.py
"""
import base64, os, quopri, random, re

HERE = os.path.dirname(os.path.abspath(__file__))

def write(name, data):
    if isinstance(data, str):
        data = data.encode("ascii")
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)

def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")

def bword(text, charset, codec=None):
    return "=?%s?B?%s?=" % (charset, base64.b64encode(text.encode(codec or charset)).decode())

def b64lines(data, width=76):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + width] for i in range(0, len(s), width))

def jis_cp50220(text):
    """ISO-2022-JP as Japanese phones write it: JIS X 0208 rows plus NEC row 13 (①, ㈱)."""
    out = bytearray()
    kanji = False
    for ch in text:
        if ord(ch) < 0x80:
            if kanji:
                out += b"\x1b(B"; kanji = False
            out += ch.encode("ascii")
            continue
        s = ch.encode("cp932")
        s1, s2 = s[0], s[1]
        # Shift_JIS to JIS X 0208 row/cell.
        j1 = (s1 - (0x70 if s1 <= 0x9F else 0xB0)) * 2
        if s2 < 0x9F:
            j1 -= 1
            j2 = s2 - (0x20 if s2 >= 0x80 else 0x1F)
        else:
            j2 = s2 - 0x7E
        if not kanji:
            out += b"\x1b$B"; kanji = True
        out += bytes([j1, j2])
    if kanji:
        out += b"\x1b(B"
    return bytes(out)

# 1. iPhone Mail: UTF-8, quoted-printable, format=flowed (long line wrapped with soft spaces).
iphone_body = ("登録します。出産予定日は2027年5月1日です。 \n"
               "ニックネームは「はなちゃん」で、住んでいる地域は横浜市です。 \n"
               "どうぞよろしくお願いします。\n\niPhoneから送信\n")
write("iphone-flowed-qp.eml", crlf(
    "Return-Path: <hanako.sato@icloud.example>\n"
    "From: " + bword("佐藤 花子", "utf-8") + " <hanako.sato@icloud.example>\n"
    "Content-Type: text/plain;\n\tcharset=utf-8;\n\tformat=flowed\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "Mime-Version: 1.0 (1.0)\n"
    "Date: Tue, 5 Jan 2027 08:12:44 +0900\n"
    "Subject: " + bword("登録", "utf-8") + "\n"
    "Message-Id: <9A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9@icloud.example>\n"
    "To: kizuna@clinic.example\n"
    "X-Mailer: iPhone Mail (20D67)\n\n")
    + crlf(quopri.encodestring(iphone_body.encode("utf-8")).decode()))

# 2. Gmail: multipart/alternative, a reply with "On … wrote:" wrapped over two lines.
gmail_plain = ("Stop please. Thank you for everything.\n\n"
               "On Mon, Jan 4, 2027 at 9:00 PM Kizuna Clinic <kizuna@clinic.example>\nwrote:\n\n"
               "> Today your baby is 100 days old.\n> Reply \"stop\" to end these messages.\n>\n")
gmail_html = ('<div dir="ltr">Stop please. Thank you for everything.</div><br><div class="gmail_quote">'
              '<div dir="ltr" class="gmail_attr">On Mon, Jan 4, 2027 at 9:00 PM Kizuna Clinic &lt;'
              '<a href="mailto:kizuna@clinic.example">kizuna@clinic.example</a>&gt; wrote:<br></div>'
              '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Today your baby is 100 days old.<br>'
              'Reply &quot;stop&quot; to end these messages.</blockquote></div>\n')
write("gmail-reply-alternative.eml", crlf(
    "Delivered-To: kizuna@clinic.example\n"
    "Return-Path: <ken.tanaka@gmail.example>\n"
    "MIME-Version: 1.0\n"
    "References: <delivery-4411.20270104@clinic.example>\n"
    "In-Reply-To: <delivery-4411.20270104@clinic.example>\n"
    "From: Ken Tanaka <ken.tanaka@gmail.example>\n"
    "Date: Mon, 4 Jan 2027 21:30:05 +0900\n"
    "Message-ID: <CAHk7x=Zq1uP9wLr@mail.gmail.example>\n"
    "Subject: Re: Day 100\n"
    "To: Kizuna Clinic <kizuna@clinic.example>\n"
    "Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3d4e5f60718\"\n\n"
    "--000000000000a1b2c3d4e5f60718\n"
    "Content-Type: text/plain; charset=\"UTF-8\"\n\n"
    + gmail_plain +
    "\n--000000000000a1b2c3d4e5f60718\n"
    "Content-Type: text/html; charset=\"UTF-8\"\n"
    "Content-Transfer-Encoding: quoted-printable\n\n"
    + quopri.encodestring(gmail_html.encode()).decode() +
    "\n--000000000000a1b2c3d4e5f60718--\n"))

# 3. Outlook: HTML only, windows-1252, reply above an Outlook header block.
outlook_html = ("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head>"
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">"
                "<style><!-- p.MsoNormal {margin:0cm;} --></style></head>"
                "<body lang=\"EN-US\"><div class=\"WordSection1\">"
                "<p class=\"MsoNormal\">pause until 2027-06-01<o:p></o:p></p>"
                "<p class=\"MsoNormal\">We\u2019re travelling &amp; back in June.<o:p></o:p></p>"
                "<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>"
                "<div style=\"border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm\">"
                "<p class=\"MsoNormal\"><b>From:</b> Kizuna Clinic &lt;kizuna@clinic.example&gt;<br>"
                "<b>Sent:</b> Monday, January 4, 2027 9:00 PM<br>"
                "<b>To:</b> Mary Jones &lt;mary.jones@outlook.example&gt;<br>"
                "<b>Subject:</b> Week 20</p></div>"
                "<p class=\"MsoNormal\">Reply stop to end these messages.</p>"
                "<script>alert('x')</script></div></body></html>\n")
write("outlook-html-only.eml", crlf(
    "Return-Path: <mary.jones@outlook.example>\n"
    "From: \"Jones, Mary\" <mary.jones@outlook.example>\n"
    "To: \"kizuna@clinic.example\" <kizuna@clinic.example>\n"
    "Subject: RE: Week 20\n"
    "Thread-Topic: Week 20\n"
    "Date: Mon, 4 Jan 2027 12:40:11 +0000\n"
    "Message-ID: <DM6PR11MB4000ABCDEF0123@DM6PR11MB4000.namprd11.prod.outlook.example>\n"
    "Content-Language: en-US\n"
    "Content-Type: text/html; charset=\"Windows-1252\"\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "MIME-Version: 1.0\n\n")
    + crlf(quopri.encodestring(outlook_html.encode("cp1252")).decode()))

# 4. Thunderbird in Japanese: UTF-8 8bit, format=flowed, "さんは書きました:" attribution.
tb_body = ("再開 \nでお願いします。\n\n"
           "2027/01/04 21:00, きずなクリニック さんは書きました:\n"
           "> 一時停止を受け付けました。\n> 再開するときは「再開」と返信してください。\n\n"
           "-- \n山本 一郎\n")
write("thunderbird-ja-flowed.eml", crlf(
    "Return-Path: <ichiro@yamamoto.example>\n"
    "Message-ID: <4f2a9c1e-7b3d-4c8e-9f10-112233445566@yamamoto.example>\n"
    "Date: Mon, 4 Jan 2027 22:15:09 +0900\n"
    "MIME-Version: 1.0\n"
    "User-Agent: Mozilla Thunderbird\n"
    "Subject: Re: " + bword("一時停止を受け付けました", "UTF-8") + "\n"
    "Content-Language: ja\n"
    "To: kizuna@clinic.example\n"
    "References: <ack-77.20270104@clinic.example>\n"
    "From: " + bword("山本 一郎", "UTF-8") + " <ichiro@yamamoto.example>\n"
    "In-Reply-To: <ack-77.20270104@clinic.example>\n"
    "Content-Type: text/plain; charset=UTF-8; format=flowed\n"
    "Content-Transfer-Encoding: 8bit\n\n").encode("ascii") + crlf(tb_body).encode("utf-8"))

# 5. docomo: ISO-2022-JP 7bit with full-width digits and an NEC special character (①).
docomo_body = "登録\n出産予定日　２０２７年５月１日\n①第一子です\n"
write("docomo-iso2022jp.eml",
    crlf("Return-Path: <taro..x.@docomo.ne.jp>\n"
    "From: taro..x.@docomo.ne.jp\n"
    "To: kizuna@clinic.example\n"
    "Subject: " + "=?ISO-2022-JP?B?" + base64.b64encode(jis_cp50220("とうろく")).decode() + "?=\n"
    "Date: Tue, 5 Jan 2027 07:01:02 +0900 (JST)\n"
    "Message-ID: <0a1b2c3d4e5f.20270105070102@docomo.ne.jp>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=iso-2022-jp\n"
    "Content-Transfer-Encoding: 7bit\n\n").encode("ascii") + crlf(jis_cp50220(docomo_body).decode("ascii")).encode("ascii"))

# 6. au: Shift_JIS 8bit body with CP932 characters, subject as Shift_JIS encoded-word.
au_body = "配信停止\n～ありがとうございました～ ①\n"
write("au-shiftjis-8bit.eml",
    crlf("Return-Path: <hanako.@ezweb.ne.jp>\n"
    "From: " + bword("はなこ", "Shift_JIS", "cp932") + " <hanako.@ezweb.ne.jp>\n"
    "To: kizuna@clinic.example\n"
    "Subject: " + bword("配信停止", "Shift_JIS", "cp932") + "\n"
    "Date: 5 Jan 2027 07:30:00 +0900\n"
    "Message-ID: <20270105073000.ab12@ezweb.ne.jp>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=\"Shift_JIS\"\n"
    "Content-Transfer-Encoding: 8bit\n\n").encode("ascii") + crlf(au_body).encode("cp932"))

# 7. SoftBank: raw 8-bit Shift_JIS subject (no encoded-word), multipart/mixed with a base64
#    Shift_JIS text part in uneven lines and a photo.
sb_text = "生まれました！\n誕生日は２０２７年４月２８日です。㈱も①も大丈夫？\n".encode("cp932")
sb_b64 = base64.b64encode(sb_text).decode()
sb_b64_uneven = sb_b64[:17] + "\n" + sb_b64[17:50] + "\n" + sb_b64[50:]
photo = bytes(random.Random(7).getrandbits(8) for _ in range(600))
write("softbank-shiftjis-base64.eml",
    crlf("Return-Path: <mama-2027@i.softbank.jp>\n"
    "From: mama-2027@i.softbank.jp\n"
    "To: kizuna@clinic.example\n").encode("ascii")
    + b"Subject: " + "出産報告".encode("cp932") + b"\r\n"
    + crlf("Date: Wed, 28 Apr 2027 18:00:00 +0900\n"
    "Message-ID: <mfYx.20270428180000@i.softbank.jp>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"--==_SB_Part_001\"\n\n"
    "This is a multi-part message in MIME format.\n\n"
    "----==_SB_Part_001\n"
    "Content-Type: text/plain; charset=\"Shift_JIS\"\n"
    "Content-Transfer-Encoding: base64\n\n"
    + sb_b64_uneven + "\n"
    "----==_SB_Part_001\n"
    "Content-Type: image/jpeg; name=\"IMG_0001.jpg\"\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Disposition: attachment; filename=\"IMG_0001.jpg\"\n\n"
    + b64lines(photo) + "\n"
    "----==_SB_Part_001--\n").encode("ascii"))

# 8. EUC-JP, 8bit.
euc_body = "状態を教えてください。\n"
write("eucjp-status.eml",
    crlf("From: " + bword("鈴木", "EUC-JP", "euc_jp") + " <suzuki@mail.example>\n"
    "To: kizuna@clinic.example\n"
    "Subject: " + bword("状態", "EUC-JP", "euc_jp") + "\n"
    "Date: Wed, 06 Jan 27 10:00 JST\n"
    "Message-ID: <euc.1@mail.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=EUC-JP\n"
    "Content-Transfer-Encoding: 8bit\n\n").encode("ascii") + crlf(euc_body).encode("euc_jp"))

# 9. Latin-1 labelled, with a Windows-1252 euro sign; Q-encoded subject.
latin_body = "Bonjour,\nJe voudrais m'abonner, la date pr\u00e9vue est le 2027-03-15.\nCo\u00fbt: 0 \u20ac, merci !\n"
write("latin1-subscribe.eml",
    crlf("From: =?iso-8859-1?q?Ren=E9e_Dupr=E9?= <renee@example.fr>\n"
    "To: kizuna@clinic.example\n"
    "Subject: =?ISO-8859-1?Q?Abonnement_=E0_Kizuna?=\n"
    "Date: Thu, 7 Jan 2027 09:00:00 +0100\n"
    "Message-ID: <latin.1@example.fr>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=ISO-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n\n").encode("ascii")
    + crlf(re.sub(r"=([0-9A-F]{2})", lambda m: "=" + m.group(1).lower(), quopri.encodestring(latin_body.encode("cp1252")).decode())).encode("ascii"))

# 10. A forwarded message inside message/rfc822.
write("forwarded-rfc822.eml", crlf(
    "From: Grandma <obaachan@family.example>\n"
    "To: kizuna@clinic.example\n"
    "Subject: Fwd: " + bword("配信停止", "UTF-8") + "\n"
    "Date: Fri, 8 Jan 2027 11:00:00 +0900\n"
    "Message-ID: <fwd.1@family.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\n\n"
    "--outer\n"
    "Content-Type: text/plain; charset=us-ascii\n\n"
    "Please look at my daughter's mail below.\n\n"
    "--outer\n"
    "Content-Type: message/rfc822\n"
    "Content-Disposition: inline\n\n"
    "From: Yuki <yuki@family.example>\n"
    "To: obaachan@family.example\n"
    "Subject: " + bword("配信停止", "UTF-8") + "\n"
    "Date: Thu, 7 Jan 2027 20:00:00 +0900\n"
    "Message-ID: <inner.1@family.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: base64\n\n"
    + b64lines("配信停止\nお母さんへ\n".encode()) + "\n"
    "--outer--\n"))

# 11. RFC 2231 file name in two continuations, percent-encoded UTF-8.
fname = "出産予定日の診断書.pdf".encode()
pct = "".join("%%%02X" % b for b in fname)
write("rfc2231-filename.eml", crlf(
    "From: papa@family.example\n"
    "To: kizuna@clinic.example\n"
    "Subject: due 2027-09-09\n"
    "Date: Sat, 9 Jan 2027 10:00:00 +0900\n"
    "Message-ID: <2231.1@family.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=b1\n\n"
    "preamble to ignore\n"
    "--b1\n"
    "Content-Type: text/plain; charset=utf-8\n\n"
    "due 2027-09-09\n"
    "--b1\n"
    "Content-Type: application/pdf; name=\"=?UTF-8?B?" + base64.b64encode(fname).decode() + "?=\"\n"
    "Content-Disposition: attachment;\n"
    " filename*0*=UTF-8''" + pct[:len(pct) // 6 * 3] + ";\n"
    " filename*1*=" + pct[len(pct) // 6 * 3:] + "\n"
    "Content-Transfer-Encoding: base64\n\n"
    + b64lines(b"%PDF-1.4 not really a pdf\n") + "\n"
    "--b1--\n"
    "epilogue to ignore\n"))

# 12. A multipart whose closing boundary never comes (truncated in transit).
write("missing-final-boundary.eml", crlf(
    "From: someone@example.com\n"
    "To: kizuna@clinic.example\n"
    "Subject: help\n"
    "Date: Sun, 10 Jan 2027 10:00:00 +0000\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/alternative; boundary=\"zz\"\n\n"
    "--zz\n"
    "Content-Type: text/plain; charset=utf-8\n\n"
    "help\n"
    "--zz\n"
    "Content-Type: text/html; charset=utf-8\n\n"
    "<p>help</p>\n"))

# 13. Binary garbage.
write("binary-garbage.eml", bytes(random.Random(13).getrandbits(8) for _ in range(4096)))

# 14. A header line of 100 KB before a normal body.
write("long-header-100k.eml", crlf(
    "From: long@example.com\n"
    "To: kizuna@clinic.example\n"
    "Subject: status\n"
    "X-Padding: " + "a" * 102_400 + "\n"
    "Content-Type: text/plain; charset=utf-8\n\n"
    "status\n"))

# 15. A delivery status notification (multipart/report), for bounce handling.
write("bounce-dsn.eml", crlf(
    "Return-Path: <>\n"
    "From: MAILER-DAEMON@mx.clinic.example (Mail Delivery System)\n"
    "To: kizuna+b-4411-1f2e3d@clinic.example\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Date: Mon, 11 Jan 2027 03:00:00 +0900 (JST)\n"
    "Auto-Submitted: auto-replied\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/report; report-type=delivery-status;\n"
    "\tboundary=\"A1B2C3.1700000000/mx.clinic.example\"\n\n"
    "This is a MIME-encapsulated message.\n\n"
    "--A1B2C3.1700000000/mx.clinic.example\n"
    "Content-Description: Notification\n"
    "Content-Type: text/plain; charset=us-ascii\n\n"
    "I'm sorry to have to inform you that your message could not\n"
    "be delivered to one or more recipients.\n\n"
    "--A1B2C3.1700000000/mx.clinic.example\n"
    "Content-Description: Delivery report\n"
    "Content-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.clinic.example\n"
    "Arrival-Date: Mon, 11 Jan 2027 02:59:58 +0900 (JST)\n\n"
    "Final-Recipient: rfc822; gone@docomo.ne.jp\n"
    "Original-Recipient: rfc822;gone@docomo.ne.jp\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <gone@docomo.ne.jp>: Recipient address\n"
    "    rejected: User unknown\n\n"
    "--A1B2C3.1700000000/mx.clinic.example\n"
    "Content-Description: Undelivered Message Headers\n"
    "Content-Type: text/rfc822-headers\n\n"
    "From: kizuna+b-4411-1f2e3d@clinic.example\n"
    "To: gone@docomo.ne.jp\n"
    "Subject: =?UTF-8?B?" + base64.b64encode("妊娠20週".encode()).decode() + "?=\n"
    "Message-ID: <delivery-4411@clinic.example>\n\n"
    "--A1B2C3.1700000000/mx.clinic.example--\n"))

# 16. Outlook in Japanese, plain text, with an adjacent pair of encoded-words that splits a
#     character between them, and a 差出人/送信日時 header block.
subj = "配信停止をお願いします".encode("utf-8")
w1 = base64.b64encode(subj[:10]).decode(); w2 = base64.b64encode(subj[10:]).decode()
write("outlook-ja-plain.eml", crlf(
    "From: =?utf-8?B?" + base64.b64encode("高橋 美咲".encode()).decode() + "?= <misaki@corp.example>\n"
    "To: =?utf-8?B?" + base64.b64encode("きずな".encode()).decode() + "?= <kizuna@clinic.example>\n"
    "Subject: =?utf-8?B?" + w1 + "?=\n =?utf-8?B?" + w2 + "?=\n"
    "Date: Tue, 12 Jan 2027 09:15:00 +0900\n"
    "Message-ID: <TY0PR01MB0001@corp.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: base64\n\n")
    + crlf(b64lines(crlf("配信停止をお願いします。\n\n"
    "差出人: きずなクリニック <kizuna@clinic.example>\n"
    "送信日時: 2027年1月11日 21:00\n"
    "宛先: 高橋 美咲 <misaki@corp.example>\n"
    "件名: 妊娠20週\n\n"
    "停止するには「停止」と返信してください。\n").encode("utf-8"))) + "\r\n")

# 17. iPhone Mail in Japanese: a stop under the quoted subject of our "paused" mail, above
#     our mail quoted (the quoted subject's お休み is ours, not the parent's: stop).
write("iphone-ja-reply-paused-stop.eml", crlf(
    "From: =?utf-8?B?" + base64.b64encode("中村 ゆい".encode()).decode() + "?= <yui@mobile.example>\n"
    "To: kizuna@clinic.example\n"
    "Subject: Re: " + bword("配信をお休みしています", "UTF-8") + "\n"
    "Date: Wed, 13 Jan 2027 07:40:12 +0900\n"
    "Message-ID: <5E1C2A3B-7D8E-4F90-A1B2-C3D4E5F60718@mobile.example>\n"
    "In-Reply-To: <kizuna.3f.20270112.1a2b3c@clinic.example>\n"
    "References: <kizuna.3f.20270112.1a2b3c@clinic.example>\n"
    "MIME-Version: 1.0 (1.0)\n"
    "X-Mailer: iPhone Mail (20B101)\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: base64\n\n")
    + crlf(b64lines(crlf("停止\n\niPhoneから送信\n\n"
    "2027/01/12 21:00、きずなクリニック <kizuna@clinic.example>のメール:\n\n"
    "> 配信を一時停止しました。「再開」と返信すると、その日に合ったメッセージから再び届きます。\n").encode("utf-8"))) + "\r\n")

# 18. Outlook in Japanese: 再開 under "RE: 配信を停止しました" with the Original Message block
#     (the quoted subject's 停止 is ours: resume, not a conflict).
write("outlook-ja-reply-stopped-resume.eml", crlf(
    "From: =?utf-8?B?" + base64.b64encode("小林 さくら".encode()).decode() + "?= <sakura.k@corp.example>\n"
    "To: kizuna@clinic.example\n"
    "Subject: RE: " + bword("配信を停止しました", "UTF-8") + "\n"
    "Date: Thu, 14 Jan 2027 12:05:00 +0900\n"
    "Message-ID: <TY0PR01MB0002@corp.example>\n"
    "In-Reply-To: <kizuna.40.20270113.4d5e6f@clinic.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: base64\n\n")
    + crlf(b64lines(crlf("再開してください。\n\n"
    "-----Original Message-----\n"
    "From: きずなクリニック <kizuna@clinic.example>\n"
    "Sent: Wednesday, January 13, 2027 9:00 PM\n"
    "Subject: 配信を停止しました\n\n"
    "きずなクリニックからのメッセージの配信を停止しました。これ以上メッセージは届きません。\n").encode("utf-8"))) + "\r\n")

# 19. Gmail: the parent's own words ask for two things, one of them stop: stop wins.
write("gmail-stop-and-resume.eml", crlf(
    "From: Emma Clarke <emma.clarke@gmail.example>\n"
    "To: kizuna@clinic.example\n"
    "Subject: stop\n"
    "Date: Fri, 15 Jan 2027 08:30:00 +0000\n"
    "Message-ID: <CAF=stop+resume@mail.gmail.example>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=\"UTF-8\"\n\n"
    "resume\n"))

# 20. iPhone Mail in Japanese: thanks in reply to a daily message, whose subject carries no
#     bracket and a command word (予定日); In-Reply-To names our Message-ID: chatter, not answered.
write("iphone-ja-reply-daily-thanks.eml", crlf(
    "From: =?utf-8?B?" + base64.b64encode("森 あおい".encode()).decode() + "?= <aoi@mobile.example>\n"
    "To: kizuna@clinic.example\n"
    "Subject: Re: " + bword("40週0日 出産予定日を迎えて", "UTF-8") + "\n"
    "Date: Sat, 16 Jan 2027 07:12:40 +0900\n"
    "Message-ID: <7A2B9C4D-1E2F-4A5B-8C6D-0E1F2A3B4C5D@mobile.example>\n"
    "In-Reply-To: <kizuna.4h.20270115.2k9f1x@clinic.example>\n"
    "References: <kizuna.4h.20270115.2k9f1x@clinic.example>\n"
    "MIME-Version: 1.0 (1.0)\n"
    "X-Mailer: iPhone Mail (20B101)\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: base64\n\n")
    + crlf(b64lines(crlf("ありがとうございます\n\niPhoneから送信\n\n"
    "2027/01/15 21:00、きずなクリニック <kizuna@clinic.example>のメール:\n\n"
    "> 今日が出産予定日です。配信を止めるには「停止」と返信してください。\n").encode("utf-8"))) + "\r\n")

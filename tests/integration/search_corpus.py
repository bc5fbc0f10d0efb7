"""A generated mail corpus and SEARCH programs for the SEARCH tests and the SEARCH benchmark.

corpus() gives (flags, internal date, message bytes) for a mix of what real mailboxes hold:
plain ASCII, multipart/alternative and mixed with attachments, message/rfc822 forwards,
ISO-2022-JP, Shift_JIS, EUC-JP and UTF-8 Japanese (RFC 2047 subjects, base64/QP/7bit/8bit
bodies), ISO-8859-1 and Windows-1252, half-width katakana and full-width Latin, broken MIME,
missing and odd Date fields, a big message, custom headers, various flags and keywords.

PROGRAMS is the list of search programs (as lists of tokens; Lit(b"...") is sent as a
literal) covering every RFC 3501 search key.
"""
import base64
import email.policy
from email.header import Header
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

JA = "明日の会議室は３階です。よろしくお願いします。"


class Lit:
    """A literal argument (bytes)."""

    def __init__(self, data):
        self.data = data if isinstance(data, bytes) else data.encode("utf-8")


def _bytes(m):
    if isinstance(m, bytes):
        data = m
    elif isinstance(m, EmailMessage):
        data = m.as_bytes(policy=email.policy.SMTP)
    else:
        data = m.as_bytes()
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _jp_text(body, charset):
    return MIMEText(body, "plain", charset)


def corpus():
    """[(flags string, internal date string, bytes)]"""
    out = []

    def add(m, flags="", date="01-Jan-2023 10:00:00 +0000", headers=None):
        if headers:
            for k, v in headers:
                m[k] = v
        out.append((flags, date, _bytes(m)))

    base = [("From", "Alice Example <alice@example.com>"), ("To", "bob@example.org"),
            ("Date", "Mon, 2 Jan 2023 23:30:00 -0500")]

    m = MIMEText("The quarterly numbers look good.\nkiwi season is here.\n")
    m["Subject"] = "Quarterly kiwi report"
    add(m, "\\Seen", "03-Jan-2023 08:00:00 +0000", base + [("Cc", "carol@example.net")])

    m = MIMEText(JA + "\n", "plain", "utf-8")
    m["Subject"] = Header("会議室の予約", "utf-8")
    add(m, "\\Seen \\Answered", "15-Mar-2022 12:00:00 +0000",
        [("From", "Taro <taro@example.jp>"), ("To", "hanako@example.jp"),
         ("Date", "Tue, 15 Mar 2022 09:00:00 +0900")])

    m = _jp_text(JA + "\n", "iso-2022-jp")
    m["Subject"] = Header("会議室の件（ISO-2022-JP）", "iso-2022-jp")
    add(m, "\\Flagged", "16-Mar-2022 01:00:00 +0000",
        [("From", Header("山田 太郎", "iso-2022-jp").encode() + " <yamada@example.jp>"),
         ("To", "suzuki@example.jp"), ("Date", "Wed, 16 Mar 2022 10:00:00 +0900")])

    hdr = (b"From: Alice Example <alice@example.com>\nTo: bob@example.org\n"
           b"Date: Mon, 2 Jan 2023 23:30:00 -0500\nMIME-Version: 1.0\n")
    sjis = (hdr + b"Subject: =?Shift_JIS?B?" + base64.b64encode("会議室 Shift_JIS".encode("cp932")) +
            b"?=" +
            b"\nContent-Type: text/plain; charset=Shift_JIS\nContent-Transfer-Encoding: 8bit\n\n" +
            ("Shift_JISの本文: " + JA + "\n").encode("cp932"))
    out.append(("", "17-Mar-2022 01:00:00 +0000", _bytes(sjis)))

    euc = (hdr + b"Subject: =?EUC-JP?B?" + base64.b64encode("週報 EUC".encode("euc-jp")) +
           b"?=\nContent-Type: text/plain; charset=EUC-JP\nContent-Transfer-Encoding: base64\n\n" +
           base64.encodebytes(("EUC-JPの本文: " + JA + "\n").encode("euc-jp")))
    out.append(("$Work", "18-Mar-2022 01:00:00 +0000", _bytes(euc)))

    # ISO-2022-JP with Microsoft's extensions (CP50221): NEC row 13, JIS 0x2D21 = ①,
    # 0x2D6A = ㈱.
    msjis = (hdr + b"Subject: circled\nContent-Type: text/plain; charset=ISO-2022-JP\n\n"
             b"\x1b$B-!-j\x1b(B extended characters\n")
    out.append(("", "19-Mar-2022 01:00:00 +0000", _bytes(msjis)))

    m = MIMEText("Grüße von Müller aus Köln.\n", "plain", "iso-8859-1")
    m["Subject"] = Header("Grüße von Müller", "iso-8859-1")
    add(m, "\\Seen $Work", "01-Jun-2023 00:30:00 +0000",
        [("From", "=?iso-8859-1?q?J=FCrgen_M=FCller?= <jm@example.de>"), ("To", "x@example.de"),
         ("Date", "Thu, 1 Jun 2023 23:59:59 +0200")])

    m = MIMEText("", "plain")
    m.set_payload("“Smart quotes” and the euro € sign — kiwi.\n".encode("cp1252"))
    m.replace_header("Content-Type", 'text/plain; charset="windows-1252"')
    m["Content-Transfer-Encoding"] = "8bit"
    m["Subject"] = "Windows text"
    add(m, "\\Draft", "02-Jun-2023 00:00:00 +0000", base)

    alt = MIMEMultipart("alternative")
    alt["Subject"] = "Newsletter"
    alt.attach(MIMEText("Plain version without the fruit.\n"))
    alt.attach(MIMEText("<p>HTML version with <b>papaya</b></p>\n", "html"))
    add(alt, "\\Seen \\Flagged", "10-Jul-2023 00:00:00 +0000",
        base + [("Bcc", "dave@example.com")])

    mixed = MIMEMultipart("mixed")
    mixed["Subject"] = "Attachment inside"
    mixed.attach(MIMEText("See the attached file.\n"))
    mixed.attach(MIMEApplication(b"kiwi mango attachment bytes " * 20, Name="data.bin"))
    add(mixed, "Later", "11-Jul-2023 00:00:00 +0000", base)

    inner = MIMEText("This is the nested mango text.\n")
    inner["Subject"] = "Inner subject lychee"
    inner["From"] = "orig@example.com"
    fwd = MIMEMultipart("mixed")
    fwd["Subject"] = "Fwd: forwarded"
    fwd.attach(MIMEText("Forwarding below.\n"))
    fwd.attach(MIMEMessage(inner))
    add(fwd, "\\Seen", "12-Jul-2023 00:00:00 +0000", base)

    broken = (b"From: broken@example.com\nSubject: broken mime papaya\n"
              b"Date: Fri, 14 Jul 2023 10:00:00 +0000\nMIME-Version: 1.0\n"
              b"Content-Type: multipart/mixed; boundary=\"zz\"\n\npreamble durian\n--zz\n"
              b"Content-Type: text/plain\n\nfirst part guava\n--zz\n"
              b"Content-Type: text/plain\n\nsecond part without end rambutan\n")
    out.append(("", "14-Jul-2023 00:00:00 +0000", _bytes(broken)))

    nodate = b"From: nodate@example.com\nSubject: no date here\n\nbody durian\n"
    out.append(("\\Deleted", "20-Aug-2023 00:00:00 +0000", _bytes(nodate)))

    baddate = b"From: bad@example.com\nSubject: bad date\nDate: sometime soon\n\nbody\n"
    out.append(("\\Deleted \\Seen", "21-Aug-2023 00:00:00 +0000", _bytes(baddate)))

    big = MIMEText("filler line of text for a big message\n" * 6000 + "the last word is tamarind\n")
    big["Subject"] = "Big one"
    add(big, "", "01-Sep-2023 00:00:00 +0000", base)

    m = MIMEText("ｶﾞｲﾄﾞﾌﾞｯｸ の ＫＩＷＩ と ＦＵＬＬ-ＷＩＤＴＨ\n", "plain", "utf-8")
    m["Subject"] = Header("ｶﾞｲﾄﾞ half-width", "utf-8")
    add(m, "\\Answered", "02-Sep-2023 00:00:00 +0000", base)

    m = MIMEText("Header tests.\n")
    m["Subject"] = "custom header"
    add(m, "", "03-Sep-2023 00:00:00 +0000",
        [("From", "Group Sender <gs@example.com>"),
         ("To", "undisclosed-recipients:;"),
         ("Cc", "\"Eve, E.\" <eve@example.com>, frank@example.com"),
         ("X-Custom", "Blue Moon"), ("Date", "3 Sep 23 12:00 GMT")])

    m = MIMEText("UPPER CASE KIWI AND lower case papaya\n")
    m["Subject"] = "CASE TEST"
    add(m, "\\Seen \\Answered \\Flagged", "31-Dec-2023 23:00:00 +0000",
        base[:2] + [("Date", "Sun, 31 Dec 2023 23:59:00 -1000")])

    m = MIMEText("quoted-printable soft=\nbreak word and caf=E9\n")
    del m["Content-Transfer-Encoding"]
    m.set_payload("quoted-printable soft=\nbreak word and caf=E9\n")
    m["Content-Transfer-Encoding"] = "quoted-printable"
    m.replace_header("Content-Type", 'text/plain; charset="iso-8859-1"')
    m["Subject"] = "qp body"
    add(m, "", "01-Feb-2024 00:00:00 +0000", base)

    return out


W = "kiwi"
PROGRAMS = [
    ["ALL"], ["SEEN"], ["UNSEEN"], ["ANSWERED"], ["UNANSWERED"], ["FLAGGED"], ["UNFLAGGED"],
    ["DELETED"], ["UNDELETED"], ["DRAFT"], ["UNDRAFT"],
    ["KEYWORD", "$Work"], ["UNKEYWORD", "$Work"], ["KEYWORD", "Later"], ["KEYWORD", "nosuch"],
    ["LARGER", "1000"], ["SMALLER", "1000"], ["LARGER", "100000"], ["SMALLER", "600"],
    ["BEFORE", "1-Jan-2023"], ["ON", "16-Mar-2022"], ["SINCE", "1-Jun-2023"],
    ["SINCE", "1-Jun-2023", "BEFORE", "12-Jul-2023"], ["ON", "31-Dec-2023"],
    ["SENTBEFORE", "1-Jan-2023"], ["SENTON", "2-Jan-2023"], ["SENTSINCE", "1-Jun-2023"],
    ["SENTON", "1-Jun-2023"], ["SENTON", "31-Dec-2023"], ["SENTON", "3-Sep-2023"],
    ["SENTBEFORE", "1-Jan-1980"],
    ["FROM", "alice"], ["FROM", "EXAMPLE.JP"], ["FROM", Lit("müller")], ["FROM", Lit("山田")],
    ["TO", "bob"], ["TO", "suzuki"], ["CC", "carol"], ["CC", "eve"], ["BCC", "dave"],
    ["SUBJECT", W], ["SUBJECT", Lit("会議室")], ["SUBJECT", Lit("Grüße")],
    ["SUBJECT", Lit("ガイド")], ["SUBJECT", Lit("週報")], ["SUBJECT", "lychee"],
    ["SUBJECT", '"case test"'], ["SUBJECT", "Case"],
    ["HEADER", "X-Custom", "blue"], ["HEADER", "X-Custom", '""'], ["HEADER", "Bcc", '""'],
    ["HEADER", "Message-ID", "nothing"],
    ["BODY", W], ["BODY", Lit("会議室")], ["BODY", Lit("３階")], ["BODY", Lit("3階")],
    ["BODY", Lit("grüße")], ["BODY", Lit("köln")], ["BODY", "papaya"], ["BODY", "mango"],
    ["BODY", "durian"], ["BODY", "guava"], ["BODY", "rambutan"], ["BODY", "tamarind"],
    ["BODY", Lit("€")], ["BODY", Lit("“smart")], ["BODY", "softbreak"], ["BODY", Lit("café")],
    ["BODY", Lit("ガイドブック")], ["BODY", "full-width"], ["BODY", "Shift_JIS"],
    ["BODY", "lychee"], ["BODY", Lit("①")], ["BODY", Lit("㈱")], ["BODY", "extended"],
    ["TEXT", W], ["TEXT", Lit("会議室")], ["TEXT", "alice"], ["TEXT", "lychee"],
    ["TEXT", "mango"], ["TEXT", "durian"], ["TEXT", "Attachment"], ["TEXT", "x-custom"],
    ["TEXT", "octet-stream"], ["TEXT", "data.bin"], ["BODY", "content-type"],
    ["TEXT", '"subject: inner"'], ["TEXT", "orig@example.com"],
    ["1:5"], ["3,7:*"], ["*"], ["UID", "2:4"], ["UID", "*"], ["UID", "1,5:6,100"],
    ["NOT", "SEEN"], ["OR", "SEEN", "FLAGGED"], ["(SEEN", "FLAGGED)"],
    ["NOT", "(OR", "DELETED", "DRAFT)"], ["OR", "BODY", W, "SUBJECT", Lit("会議室")],
    ["NOT", "BODY", W], ["SEEN", "NOT", "SUBJECT", W],
    ["CHARSET", "UTF-8", "BODY", Lit("会議室")], ["CHARSET", "US-ASCII", "SUBJECT", W],
    ["CHARSET", "ISO-2022-JP", "SUBJECT", Lit("会議室".encode("iso-2022-jp"))],
    ["CHARSET", "ISO-2022-JP", "BODY", Lit("３階".encode("iso-2022-jp"))],
]

# Keys whose answers depend on per-server session state rather than on the mailbox files;
# compared separately (see the test).
STATE_PROGRAMS = [["RECENT"], ["NEW"], ["OLD"]]


def wire(tokens):
    """The bytes of a program, literals as LITERAL+ {n+}."""
    out = b""
    for t in tokens:
        if out:
            out += b" "
        if isinstance(t, Lit):
            out += b"{%d+}\r\n" % len(t.data) + t.data
        else:
            out += t.encode()
    return out


def label(tokens):
    return " ".join(t.data.decode("utf-8", "replace") if isinstance(t, Lit) else t
                    for t in tokens)

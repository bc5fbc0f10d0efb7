// Renderings by Debian's Dovecot (2.3, imap FETCH ENVELOPE / BODY / BODYSTRUCTURE) of small
// messages, recorded once with a throw-away Dovecot on loopback; the tests compare tegami's
// renderings of the same bytes with them. Messages are as stored (LF line ends).
#pragma once

namespace dovecot_vectors {

struct Vector {
  const char* name;
  const char* message;
  const char* envelope;
  const char* body;
  const char* bodystructure;
};

inline const Vector kVectors[] = {
    {"m1.eml",
     "Subject: hi\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\n"
    "\n"
    "pre\n"
    "--b\n"
    "\n"
    "hello\n"
    "--b\n"
    "Content-Type: text/plain\n"
    "\n"
    "line1\n"
    "line2\n"
    "\n"
    "--b--\n"
    "epi\n"
    "",
     "(NIL \"hi\" NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 2) \"mixed\")",
     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 0 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 2 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"},
    {"m2.eml",
     "Subject: x\n"
    "\n"
    "abc\n"
    "def",
     "(NIL \"x\" NIL NIL NIL NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 1 NIL NIL NIL NIL)"},
    {"m3.eml",
     "Subject: x\n"
    "\n"
    "abc\n"
    "def\n"
    "",
     "(NIL \"x\" NIL NIL NIL NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 2)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 2 NIL NIL NIL NIL)"},
    {"m4.eml",
     "From: \"Joe Q. Public\" <john.q.public@example.com>, Mary <mary@x.test>, jdoe@one.test\n"
    "To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;, Undisclosed:;\n"
    "Cc: (comment) \"quoted \\\"x\\\" name\" <\"odd local\"@Example.COM> (c2)\n"
    "Sender: <@route1,@route2:user@host>\n"
    "Message-ID: <abc@def>\n"
    "In-Reply-To: <x@y>\n"
    "Date: Tue, 1 Jul 2003 10:52:37 +0200\n"
    "Subject: =?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?=\n"
    "MIME-Version: 1.0\n"
    "Content-Type: Multipart/Alternative; Boundary=XyZ\n"
    "\n"
    "--XyZ\n"
    "Content-Type: TEXT/Html\n"
    "Content-Transfer-Encoding: Quoted-Printable\n"
    "Content-ID: <id1>\n"
    "Content-Description: desc\n"
    "Content-Disposition: INLINE; filename=\"a b.html\"\n"
    "Content-Language: en, ja\n"
    "Content-Location: http://x/y\n"
    "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
    "\n"
    "<b>x</b>\n"
    "--XyZ\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: inner\n"
    "From: a@b\n"
    "Content-Type: multipart/mixed; boundary=in\n"
    "\n"
    "--in\n"
    "\n"
    "inner1\n"
    "--in\n"
    "Content-Type: application/octet-stream; name*=utf-8'ja'%E3%81%82.txt\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "AAAA\n"
    "--in--\n"
    "--XyZ\n"
    "Content-Type: application/pdf\n"
    "Content-Disposition: attachment\n"
    "\n"
    "%PDF\n"
    "--XyZ--\n"
    "",
     "(\"Tue, 1 Jul 2003 10:52:37 +0200\" \"=?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?=\" ((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")(\"Mary\" NIL \"mary\" \"x.test\")(NIL NIL \"jdoe\" \"one.test\")) ((NIL \"@route1,@route2\" \"user\" \"host\")) ((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")(\"Mary\" NIL \"mary\" \"x.test\")(NIL NIL \"jdoe\" \"one.test\")) ((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(NIL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL)(NIL NIL \"Undisclosed\" NIL)(NIL NIL NIL NIL)) (({15}quoted \"x\" name NIL \"odd local\" \"Example.COM\")) NIL \"<x@y>\" \"<abc@def>\")",
     "((\"TEXT\" \"Html\" (\"charset\" \"us-ascii\") \"<id1>\" \"desc\" \"Quoted-Printable\" 8 0)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 216 (NIL \"inner\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 0)(\"application\" \"octet-stream\" (\"name*\" \"utf-8'ja'%E3%81%82.txt\") NIL NIL \"base64\" 4) \"mixed\") 13)(\"application\" \"pdf\" NIL NIL NIL \"7bit\" 4) \"Alternative\")",
     "((\"TEXT\" \"Html\" (\"charset\" \"us-ascii\") \"<id1>\" \"desc\" \"Quoted-Printable\" 8 0 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"INLINE\" (\"filename\" \"a b.html\")) (\"en\" \"ja\") \"http://x/y\")(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 216 (NIL \"inner\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 0 NIL NIL NIL NIL)(\"application\" \"octet-stream\" (\"name*\" \"utf-8'ja'%E3%81%82.txt\") NIL NIL \"base64\" 4 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"in\") NIL NIL NIL) 13 NIL NIL NIL NIL)(\"application\" \"pdf\" NIL NIL NIL \"7bit\" 4 NIL (\"attachment\" NIL) NIL NIL) \"Alternative\" (\"Boundary\" \"XyZ\") NIL NIL NIL)"},
    {"m5.eml",
     "Subject: only\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: in\n"
    "\n"
    "body\n"
    "",
     "(NIL \"only\" NIL NIL NIL NIL NIL NIL NIL NIL)",
     "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 21 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1) 3)",
     "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 21 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)"},
    {"m6.eml",
     "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\n"
    "\n"
    "never closed\n"
    "",
     "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1) \"mixed\")",
     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"},
    {"m7.eml",
     "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "no parts at all\n"
    "",
     "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")",
     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"},
    {"m8.eml",
     "Content-Type: text/plain; charset=ISO-2022-JP; format=flowed\n"
    "From: =?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?= <a@b.c>\n"
    "To: undisclosed-recipients:;\n"
    "Bcc: a@b, \n"
    "\n"
    "x\n"
    "",
     "(NIL NIL ((\"=?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?=\" NIL \"a\" \"b.c\")) ((\"=?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?=\" NIL \"a\" \"b.c\")) ((\"=?ISO-2022-JP?B?GyRCJEYkOSRIGyhC?=\" NIL \"a\" \"b.c\")) ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL ((NIL NIL \"a\" \"b\")) NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"ISO-2022-JP\" \"format\" \"flowed\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"ISO-2022-JP\" \"format\" \"flowed\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"m9.eml",
     "Content-Type: multipart/digest; boundary=d\n"
    "\n"
    "--d\n"
    "\n"
    "Subject: dig\n"
    "\n"
    "body\n"
    "--d\n"
    "Content-Type: text/plain\n"
    "\n"
    "t\n"
    "--d--\n"
    "",
     "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 20 (NIL \"dig\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0) 2)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0) \"digest\")",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 20 (NIL \"dig\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0 NIL NIL NIL NIL) 2 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL) \"digest\" (\"boundary\" \"d\") NIL NIL NIL)"},
    {"r1.eml",
     "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: in\n"
    "\n"
    "body\n"
    "--b--\n"
    "",
     "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 19 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0) 2) \"mixed\")",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 19 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 0 NIL NIL NIL NIL) 2 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"},
    {"r2.eml",
     "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: in\n"
    "\n"
    "body\n"
    "more\n"
    "--b--\n"
    "",
     "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 25 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 1) 3) \"mixed\")",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 25 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"},
    {"r3.eml",
     "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: in\n"
    "Content-Type: multipart/mixed; boundary=c\n"
    "\n"
    "--c\n"
    "\n"
    "x\n"
    "--c--\n"
    "--b--\n"
    "",
     "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 75 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0) \"mixed\") 7) \"mixed\")",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 75 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"c\") NIL NIL NIL) 7 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"},
    {"r4.eml",
     "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: in\n"
    "Content-Type: multipart/mixed; boundary=c\n"
    "\n"
    "--c\n"
    "\n"
    "x\n"
    "--c--\n"
    "epi\n"
    "--b--\n"
    "",
     "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 78 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0) \"mixed\") 7) \"mixed\")",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 78 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"c\") NIL NIL NIL) 7 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"},
    {"r5.eml",
     "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\n"
    "Content-Type: text/plain\n"
    "\n"
    "x\n"
    "\n"
    "\n"
    "--b--\n"
    "",
     "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 2) \"mixed\")",
     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 2 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"},
    {"r6.eml",
     "Content-Type: multipart/mixed; boundary=b\r\n"
    "\r\n"
    "--b\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "x\r\n"
    "y\r\n"
    "--b--\r\n"
    "",
     "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1) \"mixed\")",
     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"},
    {"r7.eml",
     "Content-Type: multipart/mixed; boundary=b\n"
    "\n"
    "--b\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: in\n"
    "Content-Type: multipart/mixed; boundary=c\n"
    "\n"
    "--c\n"
    "\n"
    "x\n"
    "--c\n"
    "\n"
    "y\n"
    "--b--\n"
    "",
     "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 76 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0) \"mixed\") 8) \"mixed\")",
     "((\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 76 (NIL \"in\" NIL NIL NIL NIL NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 1 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"c\") NIL NIL NIL) 8 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)"},
    {"a/a01.eml",
     "From: a@b (Comment Name)\n"
    "Subject: a1\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a1\" ((\"Comment Name\" NIL \"a\" \"b\")) ((\"Comment Name\" NIL \"a\" \"b\")) ((\"Comment Name\" NIL \"a\" \"b\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a02.eml",
     "From: (Comment) a@b\n"
    "Subject: a2\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a2\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a03.eml",
     "From: undisclosed-recipients\n"
    "Subject: a3\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a3\" ((NIL NIL \"undisclosed-recipients\" \"MISSING_DOMAIN\")) ((NIL NIL \"undisclosed-recipients\" \"MISSING_DOMAIN\")) ((NIL NIL \"undisclosed-recipients\" \"MISSING_DOMAIN\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a04.eml",
     "From: \"\" <a@b>\n"
    "Subject: a4\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a4\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a05.eml",
     "From: <a@b>\n"
    "Subject: a5\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a5\" ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a06.eml",
     "From: Name <>\n"
    "Subject: a6\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a6\" ((\"Name\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((\"Name\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((\"Name\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a07.eml",
     "From: a@b, , c@d\n"
    "Subject: a7\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a7\" ((NIL NIL \"a\" \"b\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"c\" \"d\")) ((NIL NIL \"a\" \"b\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"c\" \"d\")) ((NIL NIL \"a\" \"b\")(NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")(NIL NIL \"c\" \"d\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a08.eml",
     "From: =?utf-8?q?J=C3=B6rg?= <j@x>\n"
    "Subject: a8\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a8\" ((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x\")) ((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x\")) ((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a09.eml",
     "From: A. B. C. <abc@x>\n"
    "Subject: a9\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a9\" ((\"A. B. C.\" NIL \"abc\" \"x\")) ((\"A. B. C.\" NIL \"abc\" \"x\")) ((\"A. B. C.\" NIL \"abc\" \"x\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a10.eml",
     "From: \"a\\\\b\" <a@b>\n"
    "Subject: a10\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a10\" (({3}a\\b NIL \"a\" \"b\")) (({3}a\\b NIL \"a\" \"b\")) (({3}a\\b NIL \"a\" \"b\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a11.eml",
     "From: group: ;\n"
    "Subject: a11\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a11\" ((NIL NIL \"group\" NIL)(NIL NIL NIL NIL)) ((NIL NIL \"group\" NIL)(NIL NIL NIL NIL)) ((NIL NIL \"group\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a12.eml",
     "From: \"quoted@at\" <q@x>\n"
    "Subject: a12\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a12\" ((\"quoted@at\" NIL \"q\" \"x\")) ((\"quoted@at\" NIL \"q\" \"x\")) ((\"quoted@at\" NIL \"q\" \"x\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a13.eml",
     "From: a.b.@c\n"
    "Subject: a13\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a13\" ((NIL NIL \"a.b.\" \"c\")) ((NIL NIL \"a.b.\" \"c\")) ((NIL NIL \"a.b.\" \"c\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a14.eml",
     "From: \"local part\"@[1.2.3.4]\n"
    "Subject: a14\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a14\" ((NIL NIL \"local part\" \"[1.2.3.4]\")) ((NIL NIL \"local part\" \"[1.2.3.4]\")) ((NIL NIL \"local part\" \"[1.2.3.4]\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a15.eml",
     "From: foo bar@baz\n"
    "Subject: a15\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a15\" ((\"foo bar\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((\"foo bar\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) ((\"foo bar\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a16.eml",
     "From: <@r1:u@h>\n"
    "Subject: a16\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a16\" ((NIL \"@r1\" \"u\" \"h\")) ((NIL \"@r1\" \"u\" \"h\")) ((NIL \"@r1\" \"u\" \"h\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"a/a17.eml",
     "From: x@y;z@w\n"
    "Subject: a17\n"
    "\n"
    "x\n"
    "",
     "(NIL \"a17\" ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)",
     "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)"},
    {"py/p00.eml",
     "From: Alice <alice@example.com>\n"
    "To: bob@example.org, Carol <carol@example.net>\n"
    "Subject: plain\n"
    "Message-ID: <1@example.com>\n"
    "Date: Mon, 02 Jan 2023 03:04:05 +0900\n"
    "Content-Type: text/plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: 7bit\n"
    "MIME-Version: 1.0\n"
    "\n"
    "hello\n"
    "world\n"
    "",
     "(\"Mon, 02 Jan 2023 03:04:05 +0900\" \"plain\" ((\"Alice\" NIL \"alice\" \"example.com\")) ((\"Alice\" NIL \"alice\" \"example.com\")) ((\"Alice\" NIL \"alice\" \"example.com\")) ((NIL NIL \"bob\" \"example.org\")(\"Carol\" NIL \"carol\" \"example.net\")) NIL NIL NIL \"<1@example.com>\")",
     "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 14 2)",
     "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 14 2 NIL NIL NIL NIL)"},
    {"py/p01.eml",
     "From: a@b.c\n"
    "Subject: alt\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"===============0252125849562454658==\"\n"
    "\n"
    "--===============0252125849562454658==\n"
    "Content-Type: multipart/alternative;\n"
    " boundary=\"===============7019479957878980052==\"\n"
    "\n"
    "--===============7019479957878980052==\n"
    "Content-Type: text/plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "text part\n"
    "\n"
    "--===============7019479957878980052==\n"
    "Content-Type: text/html; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: 7bit\n"
    "MIME-Version: 1.0\n"
    "\n"
    "<p>html</p>\n"
    "\n"
    "--===============7019479957878980052==--\n"
    "\n"
    "--===============0252125849562454658==\n"
    "Content-Type: application/octet-stream\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Disposition: attachment; filename=\"data.bin\"\n"
    "MIME-Version: 1.0\n"
    "\n"
    "AAFiaW5hcnkAAWJpbmFyeQABYmluYXJ5AAFiaW5hcnkAAWJpbmFyeQABYmluYXJ5AAFiaW5hcnkA\n"
    "AWJpbmFyeQABYmluYXJ5AAFiaW5hcnkAAWJpbmFyeQABYmluYXJ5AAFiaW5hcnkAAWJpbmFyeQAB\n"
    "YmluYXJ5AAFiaW5hcnkAAWJpbmFyeQABYmluYXJ5AAFiaW5hcnkAAWJpbmFyeQABYmluYXJ5AAFi\n"
    "aW5hcnkAAWJpbmFyeQABYmluYXJ5AAFiaW5hcnkAAWJpbmFyeQABYmluYXJ5AAFiaW5hcnkAAWJp\n"
    "bmFyeQABYmluYXJ5AAFiaW5hcnkAAWJpbmFyeQABYmluYXJ5AAFiaW5hcnkAAWJpbmFyeQABYmlu\n"
    "YXJ5AAFiaW5hcnkAAWJpbmFyeQABYmluYXJ5AAFiaW5hcnkAAWJpbmFyeQABYmluYXJ5AAFiaW5h\n"
    "cnkAAWJpbmFyeQABYmluYXJ5AAFiaW5hcnkAAWJpbmFyeQABYmluYXJ5AAFiaW5hcnkAAWJpbmFy\n"
    "eQ==\n"
    "\n"
    "--===============0252125849562454658==--\n"
    "",
     "(NIL \"alt\" ((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"a\" \"b.c\")) NIL NIL NIL NIL NIL)",
     "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 11 1)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 13 1) \"alternative\")(\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 552) \"mixed\")",
     "(((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 11 1 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 13 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"===============7019479957878980052==\") NIL NIL NIL)(\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 552 NIL (\"attachment\" (\"filename\" \"data.bin\")) NIL NIL) \"mixed\" (\"boundary\" \"===============0252125849562454658==\") NIL NIL NIL)"},
    {"py/p02.eml",
     "From: x@y\n"
    "Subject: =?utf-8?b?5re75LuY44OV44Kh44Kk44Or?=\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"===============0685735886079053836==\"\n"
    "\n"
    "--===============0685735886079053836==\n"
    "Content-Type: text/plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x9c\xac\xe6\x96\x87\n"
    "\n"
    "--===============0685735886079053836==\n"
    "Content-Type: text/plain\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Disposition: attachment; filename*=utf-8''%E8%B3%87%E6%96%99.txt\n"
    "MIME-Version: 1.0\n"
    "\n"
    "6LOH5paZ44Gu5YaF5a65Cg==\n"
    "\n"
    "--===============0685735886079053836==--\n"
    "",
     "(NIL \"=?utf-8?b?5re75LuY44OV44Kh44Kk44Or?=\" ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) ((NIL NIL \"x\" \"y\")) NIL NIL NIL NIL NIL)",
     "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 17 1)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"base64\" 26 1) \"mixed\")",
     "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 17 1 NIL NIL NIL NIL)(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"base64\" 26 1 NIL (\"attachment\" (\"filename*\" \"utf-8''%E8%B3%87%E6%96%99.txt\")) NIL NIL) \"mixed\" (\"boundary\" \"===============0685735886079053836==\") NIL NIL NIL)"},
    {"py/p03.eml",
     "From: fwd@x\n"
    "Subject: Fwd: original\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"===============3803115919168577046==\"\n"
    "\n"
    "--===============3803115919168577046==\n"
    "Content-Type: text/plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "see below\n"
    "\n"
    "--===============3803115919168577046==\n"
    "Content-Type: message/rfc822\n"
    "Content-Transfer-Encoding: 8bit\n"
    "MIME-Version: 1.0\n"
    "Content-Disposition: attachment\n"
    "\n"
    "From: Orig <orig@x.y>\n"
    "Subject: original\n"
    "To: z@w\n"
    "Content-Type: text/plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: 7bit\n"
    "MIME-Version: 1.0\n"
    "\n"
    "orig body\n"
    "\n"
    "--===============3803115919168577046==--\n"
    "",
     "(NIL \"Fwd: original\" ((NIL NIL \"fwd\" \"x\")) ((NIL NIL \"fwd\" \"x\")) ((NIL NIL \"fwd\" \"x\")) NIL NIL NIL NIL NIL)",
     "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 11 1)(\"message\" \"rfc822\" NIL NIL NIL \"8bit\" 159 (NIL \"original\" ((\"Orig\" NIL \"orig\" \"x.y\")) ((\"Orig\" NIL \"orig\" \"x.y\")) ((\"Orig\" NIL \"orig\" \"x.y\")) ((NIL NIL \"z\" \"w\")) NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 11 1) 8) \"mixed\")",
     "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 11 1 NIL NIL NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"8bit\" 159 (NIL \"original\" ((\"Orig\" NIL \"orig\" \"x.y\")) ((\"Orig\" NIL \"orig\" \"x.y\")) ((\"Orig\" NIL \"orig\" \"x.y\")) ((NIL NIL \"z\" \"w\")) NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 11 1 NIL NIL NIL NIL) 8 NIL (\"attachment\" NIL) NIL NIL) \"mixed\" (\"boundary\" \"===============3803115919168577046==\") NIL NIL NIL)"},
    {"py/p04.eml",
     "Content-Type: text/plain; charset=\"ISO-2022-JP\"\n"
    "MIME-Version: 1.0\n"
    "Content-Transfer-Encoding: 7bit\n"
    "Content-Transfer-Encoding: 7bit\n"
    "Subject: =?iso-2022-jp?b?GyRCMnE1RCRON28bKEI=?=\n"
    "From: =?iso-2022-jp?b?GyRCOzNFREJATzobKEI=?= <yamada@example.jp>\n"
    "\n"
    "\x1b$B$3$s$K$A$O@$3&\x1b(B\n"
    "",
     "(NIL \"=?iso-2022-jp?b?GyRCMnE1RCRON28bKEI=?=\" ((\"=?iso-2022-jp?b?GyRCOzNFREJATzobKEI=?=\" NIL \"yamada\" \"example.jp\")) ((\"=?iso-2022-jp?b?GyRCOzNFREJATzobKEI=?=\" NIL \"yamada\" \"example.jp\")) ((\"=?iso-2022-jp?b?GyRCOzNFREJATzobKEI=?=\" NIL \"yamada\" \"example.jp\")) NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"ISO-2022-JP\") NIL NIL \"7bit\" 22 1)",
     "(\"text\" \"plain\" (\"charset\" \"ISO-2022-JP\") NIL NIL \"7bit\" 22 1 NIL NIL NIL NIL)"},
    {"py/p05.eml",
     "Content-Type: text/plain; charset=Shift_JIS\n"
    "MIME-Version: 1.0\n"
    "Content-Transfer-Encoding: 7bit\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Subject: =?iso-2022-jp?b?GyRCOCtAUT1xGyhC?=\n"
    "\n"
    "\x82\xa8\x90\xa2\x98""b\x82\xc9\x82\xc8\x82\xc1\x82\xc4\x82\xa8\x82\xe8\x82\xdc\x82\xb7\x81""B\n"
    "",
     "(NIL \"=?iso-2022-jp?b?GyRCOCtAUT1xGyhC?=\" NIL NIL NIL NIL NIL NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"Shift_JIS\") NIL NIL \"7bit\" 26 1)",
     "(\"text\" \"plain\" (\"charset\" \"Shift_JIS\") NIL NIL \"7bit\" 26 1 NIL NIL NIL NIL)"},
    {"py/p06.eml",
     "Content-Type: multipart/mixed; boundary=\"===============9157207129375048513==\"\n"
    "MIME-Version: 1.0\n"
    "Subject: nested\n"
    "\n"
    "--===============9157207129375048513==\n"
    "Content-Type: multipart/alternative;\n"
    " boundary=\"===============6235440562785580718==\"\n"
    "MIME-Version: 1.0\n"
    "\n"
    "--===============6235440562785580718==\n"
    "Content-Type: text/plain; charset=\"us-ascii\"\n"
    "MIME-Version: 1.0\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "a\n"
    "\n"
    "--===============6235440562785580718==\n"
    "Content-Type: text/html; charset=\"us-ascii\"\n"
    "MIME-Version: 1.0\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "<b>a</b>\n"
    "\n"
    "--===============6235440562785580718==--\n"
    "\n"
    "--===============9157207129375048513==\n"
    "Content-Type: image/png\n"
    "MIME-Version: 1.0\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Disposition: attachment; filename=\"p.png\"\n"
    "Content-ID: <img1>\n"
    "\n"
    "iVBOR4lQTkeJUE5HiVBOR4lQTkeJUE5HiVBOR4lQTkeJUE5HiVBOR4lQTkeJUE5HiVBOR4lQTkeJ\n"
    "UE5HiVBOR4lQTkeJUE5HiVBOR4lQTkeJUE5HiVBOR4lQTkeJUE5HiVBOR4lQTkeJUE5HiVBOR4lQ\n"
    "TkeJUE5H\n"
    "\n"
    "--===============9157207129375048513==\n"
    "Content-Type: message/rfc822\n"
    "MIME-Version: 1.0\n"
    "\n"
    "From: Orig <orig@x.y>\n"
    "Subject: original\n"
    "To: z@w\n"
    "Content-Type: text/plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: 7bit\n"
    "MIME-Version: 1.0\n"
    "\n"
    "orig body\n"
    "\n"
    "--===============9157207129375048513==--\n"
    "",
     "(NIL \"nested\" NIL NIL NIL NIL NIL NIL NIL NIL)",
     "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 1) \"alternative\")(\"image\" \"png\" NIL \"<img1>\" NIL \"base64\" 166)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 159 (NIL \"original\" ((\"Orig\" NIL \"orig\" \"x.y\")) ((\"Orig\" NIL \"orig\" \"x.y\")) ((\"Orig\" NIL \"orig\" \"x.y\")) ((NIL NIL \"z\" \"w\")) NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 11 1) 8) \"mixed\")",
     "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"===============6235440562785580718==\") NIL NIL NIL)(\"image\" \"png\" NIL \"<img1>\" NIL \"base64\" 166 NIL (\"attachment\" (\"filename\" \"p.png\")) NIL NIL)(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 159 (NIL \"original\" ((\"Orig\" NIL \"orig\" \"x.y\")) ((\"Orig\" NIL \"orig\" \"x.y\")) ((\"Orig\" NIL \"orig\" \"x.y\")) ((NIL NIL \"z\" \"w\")) NIL NIL NIL NIL) (\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 11 1 NIL NIL NIL NIL) 8 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"===============9157207129375048513==\") NIL NIL NIL)"},
    {"py/p07.eml",
     "Content-Type: text/plain; charset=\"utf-8\"\n"
    "MIME-Version: 1.0\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "Subject: =?utf-8?q?caf=C3=A9?=\n"
    "Cc: group: a@b, c@d;\n"
    "\n"
    "caf=C3=A9 =3D\n"
    "",
     "(NIL \"=?utf-8?q?caf=C3=A9?=\" NIL NIL NIL NIL ((NIL NIL \"group\" NIL)(NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\")(NIL NIL NIL NIL)) NIL NIL NIL)",
     "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 15 1)",
     "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 15 1 NIL NIL NIL NIL)"},
};

}  // namespace dovecot_vectors

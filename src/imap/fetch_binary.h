// FETCH BINARY[part]<partial>, BINARY.PEEK and BINARY.SIZE (RFC 3516): a part's content with
// its Content-Transfer-Encoding (base64, quoted-printable) undone. 7bit/8bit/binary leaf parts
// and multiparts are sent as BODY[] sends them (CRLF form). BINARY[] and BINARY[n] of a
// message/rfc822 part are the (inner) message re-rendered as Dovecot does: every base64/QP
// leaf inside decoded, its header saying "Content-Transfer-Encoding: binary", everything else
// as stored. Any other encoding (of the part, or of a leaf inside a re-rendered message) is
// NO [UNKNOWN-CTE].
//
// Decoding streams: sizes are found by streaming passes (64 KB reads, on the worker thread); a
// decoded part below 64 KB goes into the response text, bigger pieces become streams that
// decode again as the socket drains (decoded_source), so a 20 MB attachment is never in
// memory. Decoded content is sent as a literal8 (~{n}), stored bytes as a literal unless they
// hold a NUL byte (as Dovecot does).
#pragma once

#include <memory>

#include "imap/fetch_items.h"
#include "imap/fetch_response.h"
#include "imap/message_file.h"
#include "mime/structure.h"

namespace imap {

// Appends the item's response ("BINARY[1] {n}\r\n..." or "BINARY.SIZE[1] n").
// REQUIRES: it.kind is kBinary or kBinarySize. Errors: unknown_cte() for an encoding tegami
// cannot decode; storage errors as MessageFile::read.
maildir::Status binary_item(const FetchItem& it, const mime::Structure& s,
                            const std::shared_ptr<const MessageFile>& file, FetchOutput& out);

// The status binary_item() returns for an unknown Content-Transfer-Encoding, and its test.
maildir::Status unknown_cte();
bool is_unknown_cte(const maildir::Status& status);

// Streams window `w` of the decoded content of the stored region [offset, offset + length)
// (its CRLF form run through a mime::TransferDecoder for `encoding`): exactly w.take bytes,
// else pull() fails with kIo.
std::unique_ptr<net::PullSource> decoded_source(std::shared_ptr<const MessageFile> file,
                                                uint64_t offset, uint64_t length,
                                                std::string encoding, Window w);

}  // namespace imap

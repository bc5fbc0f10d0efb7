// FETCH BINARY[part]<partial>, BINARY.PEEK and BINARY.SIZE (RFC 3516): a part's content with
// its Content-Transfer-Encoding (base64, quoted-printable) undone. 7bit/8bit/binary parts,
// multiparts, message/rfc822 parts and BINARY[] (the whole message) are sent as BODY[] sends
// them (CRLF form). Any other encoding is NO [UNKNOWN-CTE].
//
// Decoding streams: the decoded size is found with one pass over the part (64 KB reads, on
// the worker thread); a decoded part below 64 KB goes into the response text, a bigger one
// becomes a stream that decodes again as the socket drains (decoded_source), so a 20 MB
// attachment is never in memory. Decoded content is sent as a literal8 (~{n}), stored bytes
// as a literal unless they hold a NUL byte (as Dovecot does).
//
// Differences from Dovecot 2.3 (allow-listed with reasons in tests/integration/
// test_imap_binary.py): Dovecot's BINARY[] and BINARY[n] of a message/rfc822 part re-render the
// (sub)message with every part decoded and "Content-Transfer-Encoding: binary"; tegami sends
// them as BODY[] does. So Dovecot also refuses those (and BINARY.SIZE of any part of such a
// message) with UNKNOWN-CTE when any part has an unknown encoding, where tegami answers the
// parts it can decode.
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

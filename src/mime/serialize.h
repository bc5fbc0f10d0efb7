// A compact, versioned byte encoding of a Structure, so IMAP can cache it in the folder index
// and answer a second FETCH BODYSTRUCTURE without reading the message file.
//
// Format: "TM" + version byte (currently 1) + LEB128 varints and length-prefixed strings; see
// docs/mime.md. decode() rejects any other version, a truncated or overlong input, and
// inconsistent tree links with kCorrupt (the caller then re-parses the message).
#pragma once

#include <string>
#include <string_view>

#include "maildir/status.h"
#include "mime/structure.h"

namespace mime {

std::string encode_structure(const Structure& s);
maildir::Result<Structure> decode_structure(std::string_view bytes);

}  // namespace mime

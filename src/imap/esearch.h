// ESEARCH (RFC 4731): the RETURN options of SEARCH / UID SEARCH and the `* ESEARCH` response.
//
// `SEARCH RETURN (MIN MAX ALL COUNT) ...` answers with
// `* ESEARCH (TAG "t") [UID] MIN n MAX n ALL set COUNT n` instead of `* SEARCH`; `RETURN ()`
// means ALL. With no match MIN, MAX and ALL are left out and COUNT is 0 (RFC 4731 section 3.1).
// ALL is a sequence set with runs joined ("1:3,7").
//
// Pure: no I/O; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imap/parser.h"

namespace imap {

enum EsearchOption : unsigned {
  kEsearchMin = 1u << 0,
  kEsearchMax = 1u << 1,
  kEsearchAll = 1u << 2,
  kEsearchCount = 1u << 3,
  kEsearchSave = 1u << 4,  // SEARCHRES (RFC 5182, search_result.h): keep the result as `$`
};

// The list after RETURN. False with `error` set on a non-list or an unknown option.
// `RETURN ()` is ALL; `RETURN (SAVE)` alone is SAVE only (no ESEARCH response, RFC 5182).
bool parse_return_options(const Arg& list, unsigned& options, std::string& error);

// The untagged line (with CRLF); "" when `options` is SAVE alone. `hits` ascending (sequence
// numbers, or UIDs when `uid`).
std::string esearch_response(std::string_view tag, bool uid, unsigned options,
                             const std::vector<std::uint32_t>& hits);

// "1:3,7,9:10" for ascending numbers; "" for none.
std::string compact_set(const std::vector<std::uint32_t>& ascending);

}  // namespace imap

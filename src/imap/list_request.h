// The arguments of LIST as RFC 5258 (LIST-EXTENDED), RFC 5819 (LIST-STATUS) and RFC 6154
// (SPECIAL-USE) extend them, parsed from the generic command arguments. Pure.
//   LIST [(<selection options>)] <reference> <pattern | (<pattern> ...)>
//        [RETURN (<return options>)]
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "imap/mailbox_names.h"
#include "imap/parser.h"

namespace imap {

struct ListRequest {
  bool extended = false;  // selection options or RETURN given (or several patterns)
  bool sel_subscribed = false;
  bool sel_special_use = false;
  bool recursive = false;
  bool ret_subscribed = false;
  bool ret_children = false;
  bool ret_special_use = false;
  bool ret_status = false;
  std::vector<std::string> status_items;
  std::vector<std::string> patterns;    // reference + pattern, decoded to UTF-8
  bool delimiter_only = false;          // LIST "" "": the hierarchy delimiter
  WireNames names = WireNames::kMutf7;  // how names are read and sent (UTF8=ACCEPT)
  bool rev2 = false;  // IMAP4rev2 enabled: a parent-only name is \NonExistent, not \Noselect
};

// Parses LIST's arguments (REQUIRES: at least 2). Returns "" or the text of the BAD answer:
// unknown or malformed options, RECURSIVEMATCH without another selection option, a bad
// STATUS item list, a pattern that is not an astring. Patterns with invalid modified UTF-7 are
// dropped (nothing can match them).
std::string parse_list_request(const Command& c, ListRequest& r,
                               WireNames names = WireNames::kMutf7);

// True when the API name matches one of the request's patterns.
bool list_request_matches(const ListRequest& r, std::string_view name);

}  // namespace imap

#include "imap/list_request.h"

#include <cctype>

#include "imap/mailbox_names.h"
#include "imap/mailbox_status.h"
#include "maildir/mutf7.h"

namespace imap {

namespace {

std::string upper(std::string_view s) {
  std::string out;
  for (char ch : s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace

// Parses the arguments; "" or the BAD text.
std::string parse_list_request(const Command& c, ListRequest& r, WireNames names) {
  r.names = names;
  size_t i = 0;
  const std::vector<Arg>& a = c.args;
  if (a[0].kind == Arg::Kind::kList) {
    r.extended = true;
    for (const Arg& o : a[0].children) {
      if (o.kind != Arg::Kind::kAtom) return "Invalid LIST selection options.";
      std::string opt = upper(o.text);
      if (opt == "SUBSCRIBED") {
        r.sel_subscribed = true;
      } else if (opt == "REMOTE") {
      } else if (opt == "RECURSIVEMATCH") {
        r.recursive = true;
      } else if (opt == "SPECIAL-USE") {
        r.sel_special_use = true;
      } else {
        return "Unknown LIST selection option " + o.text;
      }
    }
    if (r.recursive && !r.sel_subscribed && !r.sel_special_use) {
      return "RECURSIVEMATCH requires another selection option.";
    }
    i = 1;
  }
  if (a.size() < i + 2) return "Invalid LIST arguments.";
  const Arg& ref = a[i];
  const Arg& pats = a[i + 1];
  if (!ref.is_astring()) return "Invalid LIST arguments.";
  std::vector<const Arg*> pattern_args;
  if (pats.kind == Arg::Kind::kList) {
    r.extended = true;
    if (pats.children.empty()) return "Invalid LIST patterns.";
    for (const Arg& p : pats.children) pattern_args.push_back(&p);
  } else {
    pattern_args.push_back(&pats);
  }
  i += 2;
  if (i < a.size()) {
    if (a.size() != i + 2 || a[i].kind != Arg::Kind::kAtom || upper(a[i].text) != "RETURN" ||
        a[i + 1].kind != Arg::Kind::kList) {
      return "Invalid LIST return options.";
    }
    r.extended = true;
    const std::vector<Arg>& ro = a[i + 1].children;
    for (size_t k = 0; k < ro.size(); ++k) {
      if (ro[k].kind != Arg::Kind::kAtom) return "Invalid LIST return options.";
      std::string opt = upper(ro[k].text);
      if (opt == "SUBSCRIBED") {
        r.ret_subscribed = true;
      } else if (opt == "CHILDREN") {
        r.ret_children = true;
      } else if (opt == "SPECIAL-USE") {
        r.ret_special_use = true;
      } else if (opt == "STATUS" && k + 1 < ro.size() && !r.ret_status) {
        std::string error;
        if (!parse_status_items(ro[k + 1], r.status_items, error)) return error;
        r.ret_status = true;
        ++k;
      } else {
        return "Unknown LIST return option " + ro[k].text;
      }
    }
  }
  auto dref = pattern_from_wire(ref.text, names);
  for (const Arg* p : pattern_args) {
    if (!p->is_astring()) return "Invalid LIST patterns.";
    auto dp = pattern_from_wire(p->text, names);
    if (!dref.ok() || !dp.ok()) continue;  // nothing can match an invalid name
    if (dp->empty()) {
      if (pattern_args.size() == 1 && !r.sel_subscribed && !r.sel_special_use) {
        r.delimiter_only = true;
      }
      continue;
    }
    r.patterns.push_back(*dref + *dp);  // RFC 3501: simply concatenated
  }
  return "";
}

bool list_request_matches(const ListRequest& r, std::string_view name) {
  for (const std::string& p : r.patterns) {
    if (list_match(p, name)) return true;
  }
  return false;
}

}  // namespace imap

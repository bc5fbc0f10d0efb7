#include "imap/fetch_items.h"

#include <cctype>

namespace imap {

namespace {

std::string upper(std::string_view s) {
  std::string u;
  for (char c : s) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

bool parse_partial(std::string_view p, FetchItem& item) {
  // "<offset.length>"
  if (p.size() < 5 || p.front() != '<' || p.back() != '>') return false;
  p = p.substr(1, p.size() - 2);
  size_t dot = p.find('.');
  if (dot == std::string_view::npos) return false;
  auto num = [](std::string_view s, uint64_t& v) {
    if (s.empty() || s.size() > 10) return false;
    v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return v <= UINT32_MAX;
  };
  uint64_t off = 0;
  uint64_t len = 0;
  if (!num(p.substr(0, dot), off) || !num(p.substr(dot + 1), len) || len == 0) return false;
  item.offset = off;
  item.length = len;
  return true;
}

// "HEADER.FIELDS (A B)" / "HEADER.FIELDS.NOT (A B)" after the optional part number.
bool parse_header_list(std::string_view list, FetchItem& item, std::string& error) {
  if (list.size() < 3 || list[0] != ' ' || list[1] != '(' || list.back() != ')') {
    error = "invalid HEADER.FIELDS list";
    return false;
  }
  std::string_view inner = list.substr(2, list.size() - 3);
  size_t pos = 0;
  while (pos <= inner.size()) {
    size_t sp = inner.find(' ', pos);
    std::string f(
        inner.substr(pos, sp == std::string_view::npos ? std::string_view::npos : sp - pos));
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    if (f.empty()) {
      error = "invalid header field name";
      return false;
    }
    for (char c : f) {
      if (c <= 0x20 || c >= 0x7f || c == ':') {
        error = "invalid header field name";
        return false;
      }
    }
    item.fields.push_back(f);
    if (sp == std::string_view::npos) break;
    pos = sp + 1;
  }
  return true;
}

bool parse_body(std::string_view text, FetchItem& item, std::string& error) {
  // text is "BODY[...]<..>" or "BODY.PEEK[...]<..>"
  std::string u = upper(text);
  size_t open = u.find('[');
  std::string head = u.substr(0, open);
  if (head == "BODY.PEEK") {
    item.peek = true;
  } else if (head != "BODY") {
    error = "unknown item " + std::string(text);
    return false;
  }
  size_t close = u.rfind(']');
  if (close == std::string::npos || close < open) {
    error = "missing ]";
    return false;
  }
  std::string section = u.substr(open + 1, close - open - 1);
  std::string_view rest = std::string_view(text).substr(close + 1);
  if (!rest.empty() && !parse_partial(rest, item)) {
    error = "invalid partial " + std::string(rest);
    return false;
  }
  item.kind = FetchItem::Kind::kBody;
  if (!parse_section(section, item, error)) return false;
  std::string name = item.part;
  auto add = [&name](std::string_view s) {
    if (!name.empty()) name += '.';
    name += s;
  };
  switch (item.section) {
    case FetchItem::Section::kAll:
      break;
    case FetchItem::Section::kHeader:
      add("HEADER");
      break;
    case FetchItem::Section::kText:
      add("TEXT");
      break;
    case FetchItem::Section::kMime:
      add("MIME");
      break;
    case FetchItem::Section::kHeaderFields:
    case FetchItem::Section::kHeaderFieldsNot: {
      bool neg = item.section == FetchItem::Section::kHeaderFieldsNot;
      add(neg ? "HEADER.FIELDS.NOT" : "HEADER.FIELDS");
      name += " (";
      for (size_t i = 0; i < item.fields.size(); ++i) {
        if (i) name += ' ';
        name += item.fields[i];
      }
      name += ')';
      break;
    }
  }
  item.response_name = "BODY[" + name + "]";
  if (item.offset) item.response_name += "<" + std::to_string(*item.offset) + ">";
  return true;
}

// BINARY[part]<partial>, BINARY.PEEK[part]<partial>, BINARY.SIZE[part] (RFC 3516): the section
// is a part number only.
bool parse_binary(std::string_view text, FetchItem& item, std::string& error) {
  std::string u = upper(text);
  size_t open = u.find('[');
  std::string head = u.substr(0, open);
  item.kind = FetchItem::Kind::kBinary;
  if (head == "BINARY.PEEK") {
    item.peek = true;
  } else if (head == "BINARY.SIZE") {
    item.kind = FetchItem::Kind::kBinarySize;
  } else if (head != "BINARY") {
    error = "unknown item " + std::string(text);
    return false;
  }
  size_t close = u.find(']', open);
  if (close == std::string::npos) {
    error = "missing ]";
    return false;
  }
  std::string section = u.substr(open + 1, close - open - 1);
  std::string_view rest = std::string_view(text).substr(close + 1);
  if (!rest.empty() && (item.kind == FetchItem::Kind::kBinarySize || !parse_partial(rest, item))) {
    error = "invalid partial " + std::string(rest);
    return false;
  }
  if (!parse_section(section, item, error)) return false;
  if (item.section != FetchItem::Section::kAll) {
    error = "BINARY takes a part number only";
    return false;
  }
  item.response_name =
      std::string(item.kind == FetchItem::Kind::kBinarySize ? "BINARY.SIZE[" : "BINARY[") +
      item.part + "]";
  if (item.offset) item.response_name += "<" + std::to_string(*item.offset) + ">";
  return true;
}

bool parse_one(const Arg& a, std::vector<FetchItem>& out, std::string& error) {
  if (a.kind != Arg::Kind::kAtom) {
    error = "invalid fetch item";
    return false;
  }
  std::string u = upper(a.text);
  FetchItem item;
  auto simple = [&out](FetchItem::Kind k, std::string name) {
    FetchItem i;
    i.kind = k;
    i.response_name = std::move(name);
    out.push_back(std::move(i));
  };
  if (u == "FLAGS") {
    simple(FetchItem::Kind::kFlags, "FLAGS");
  } else if (u == "UID") {
    simple(FetchItem::Kind::kUid, "UID");
  } else if (u == "INTERNALDATE") {
    simple(FetchItem::Kind::kInternalDate, "INTERNALDATE");
  } else if (u == "RFC822.SIZE") {
    simple(FetchItem::Kind::kRfc822Size, "RFC822.SIZE");
  } else if (u == "ENVELOPE") {
    simple(FetchItem::Kind::kEnvelope, "ENVELOPE");
  } else if (u == "MODSEQ") {
    simple(FetchItem::Kind::kModseq, "MODSEQ");
  } else if (u == "BODYSTRUCTURE" || u == "BODY") {
    item.kind = FetchItem::Kind::kBodyStructure;
    item.extensible = u == "BODYSTRUCTURE";
    item.response_name = u;
    out.push_back(std::move(item));
  } else if (u == "RFC822" || u == "RFC822.HEADER" || u == "RFC822.TEXT") {
    item.kind = FetchItem::Kind::kBody;
    item.section = u == "RFC822"          ? FetchItem::Section::kAll
                   : u == "RFC822.HEADER" ? FetchItem::Section::kHeader
                                          : FetchItem::Section::kText;
    item.peek = u == "RFC822.HEADER";
    item.response_name = u;
    out.push_back(std::move(item));
  } else if (u.rfind("BINARY", 0) == 0 && u.find('[') != std::string::npos) {
    if (!parse_binary(a.text, item, error)) return false;
    out.push_back(std::move(item));
  } else if (u.rfind("BODY", 0) == 0 && u.find('[') != std::string::npos) {
    if (!parse_body(a.text, item, error)) return false;
    out.push_back(std::move(item));
  } else {
    error = "unknown fetch item " + a.text;
    return false;
  }
  return true;
}

}  // namespace

bool FetchItem::needs_structure() const {
  if (kind == Kind::kEnvelope || kind == Kind::kBodyStructure) return true;
  if (kind == Kind::kBinary || kind == Kind::kBinarySize) return true;
  if (kind != Kind::kBody) return false;
  // The message's own header (and BODY[]) are found without the MIME structure.
  return !part.empty() || section == Section::kText || section == Section::kMime;
}

bool parse_section(std::string_view spec, FetchItem& item, std::string& error) {
  item.part.clear();
  item.fields.clear();
  // section-part: nz-number *("." nz-number)
  while (!spec.empty() && spec[0] >= '0' && spec[0] <= '9') {
    size_t n = 0;
    while (n < spec.size() && spec[n] >= '0' && spec[n] <= '9') ++n;
    if (spec[0] == '0' || n > 9) {
      error = "invalid section number";
      return false;
    }
    if (!item.part.empty()) item.part += '.';
    item.part += spec.substr(0, n);
    spec.remove_prefix(n);
    if (spec.empty()) break;
    if (spec[0] != '.' || spec.size() == 1) {
      error = "invalid section";
      return false;
    }
    spec.remove_prefix(1);
  }
  if (spec.empty()) {
    item.section = FetchItem::Section::kAll;
  } else if (spec == "HEADER") {
    item.section = FetchItem::Section::kHeader;
  } else if (spec == "TEXT") {
    item.section = FetchItem::Section::kText;
  } else if (spec == "MIME" && !item.part.empty()) {
    item.section = FetchItem::Section::kMime;
  } else if (spec.rfind("HEADER.FIELDS.NOT", 0) == 0) {
    item.section = FetchItem::Section::kHeaderFieldsNot;
    return parse_header_list(spec.substr(17), item, error);
  } else if (spec.rfind("HEADER.FIELDS", 0) == 0) {
    item.section = FetchItem::Section::kHeaderFields;
    return parse_header_list(spec.substr(13), item, error);
  } else {
    error = "invalid section " + std::string(spec);
    return false;
  }
  return true;
}

std::optional<std::vector<FetchItem>> parse_fetch_items(const Arg& arg, bool uid,
                                                        std::string& error) {
  std::vector<FetchItem> out;
  if (arg.kind == Arg::Kind::kAtom) {
    std::string u = upper(arg.text);
    if (u == "ALL" || u == "FAST" || u == "FULL") {
      // RFC 3501 6.4.5: FAST = (FLAGS INTERNALDATE RFC822.SIZE), ALL adds ENVELOPE, FULL
      // adds ENVELOPE and BODY.
      std::vector<const char*> names = {"FLAGS", "INTERNALDATE", "RFC822.SIZE"};
      if (u != "FAST") names.push_back("ENVELOPE");
      if (u == "FULL") names.push_back("BODY");
      for (const char* n : names) {
        Arg a;
        a.text = n;
        parse_one(a, out, error);
      }
    } else if (!parse_one(arg, out, error)) {
      return std::nullopt;
    }
  } else if (arg.kind == Arg::Kind::kList && !arg.children.empty()) {
    for (const Arg& a : arg.children) {
      if (!parse_one(a, out, error)) return std::nullopt;
    }
  } else {
    error = "invalid fetch items";
    return std::nullopt;
  }
  if (uid) {
    bool has = false;
    for (const FetchItem& i : out) has = has || i.kind == FetchItem::Kind::kUid;
    if (!has) {
      FetchItem i;
      i.kind = FetchItem::Kind::kUid;
      i.response_name = "UID";
      out.insert(out.begin(), std::move(i));
    }
  }
  return out;
}

}  // namespace imap

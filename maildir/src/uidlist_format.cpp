// dovecot-uidlist: the pure parser and formatter (no file I/O; getrandom for GUIDs).
// Why the list is read and written the way it is: see the notes at the top of uidlist.cpp.
#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <unordered_set>

#include "maildir/flags.h"
#include "maildir/uidlist.h"
#include "uidlist_parse.h"

namespace maildir {

using namespace uidlist_internal;

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Value of key `key` among space-separated `<Key><value>` tokens.
std::optional<std::string_view> find_token(std::string_view tokens, char key) {
  std::size_t pos = 0;
  while (pos < tokens.size()) {
    std::size_t end = tokens.find(' ', pos);
    if (end == std::string_view::npos) end = tokens.size();
    if (end > pos && tokens[pos] == key) return tokens.substr(pos + 1, end - pos - 1);
    pos = end + 1;
  }
  return std::nullopt;
}

bool parse_header(std::string_view line, UidListHeader& h, bool& needs_rewrite) {
  if (line.size() < 2 || line[0] < '0' || line[0] > '9' || line[1] != ' ') return false;
  h.version = line[0] - '0';
  line.remove_prefix(2);
  if (h.version == 1) {
    std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return false;
    std::string_view second = line.substr(sp + 1);
    std::size_t sp2 = second.find(' ');  // anything after the two numbers is ignored
    auto uv = parse_u32(line.substr(0, sp));
    auto next = parse_u32(second.substr(0, sp2));
    if (!uv || !next || *uv == 0 || *next == 0) return false;
    h.uid_validity = *uv;
    h.next_uid = *next;
    needs_rewrite = true;  // upgrade to version 3 on the next write
    return true;
  }
  if (h.version != 3) return false;
  bool have_v = false, have_n = false;
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    std::string_view tok = line.substr(pos, end - pos);
    pos = end + 1;
    if (tok.empty()) continue;
    std::string_view value = tok.substr(1);
    switch (tok[0]) {
      case 'V': {
        auto v = parse_u32(value);
        if (!v || *v == 0) return false;
        h.uid_validity = *v;
        have_v = true;
        break;
      }
      case 'N': {
        auto v = parse_u32(value);
        if (!v || *v == 0) return false;
        h.next_uid = *v;
        have_n = true;
        break;
      }
      case 'G':
        if (value.size() == 32 && std::all_of(value.begin(), value.end(), is_hex)) {
          h.guid = std::string(value);
        } else {
          needs_rewrite = true;  // a new GUID is generated on the next write
        }
        break;
      default:
        if (!h.extra.empty()) h.extra += ' ';
        h.extra.append(tok);
        break;
    }
  }
  if (!have_v || !have_n) return false;
  if (h.guid.empty()) needs_rewrite = true;
  return true;
}

// Parses one record line (without '\n'). False when the line is damaged.
bool parse_record(std::string_view line, int version, UidRecord& rec, bool& dropped_field) {
  std::size_t i = 0;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  auto uid = parse_u32(line.substr(0, i));
  if (!uid || *uid == 0 || *uid > kMaxUid || i >= line.size() || line[i] != ' ') return false;
  rec.uid = *uid;
  while (i < line.size() && line[i] == ' ') ++i;
  std::string_view name;
  if (version == 3) {
    while (i < line.size() && line[i] != ':') {
      std::size_t end = line.find(' ', i);
      if (end == std::string_view::npos) end = line.size();
      std::string_view tok = line.substr(i, end - i);
      if (is_ext_key(tok[0])) {
        if (!rec.fields.empty()) rec.fields += ' ';
        rec.fields.append(tok);
      } else {
        dropped_field = true;  // Dovecot also removes invalid extension fields
      }
      i = end;
      while (i < line.size() && line[i] == ' ') ++i;
    }
    if (i >= line.size()) return false;  // no ':' before the name
    name = line.substr(i + 1);
  } else {
    name = line.substr(i);
  }
  if (name.find('/') != std::string_view::npos) return false;
  std::string_view base = base_name(name);
  if (!storable_base(base)) return false;
  rec.base = std::string(base);
  return true;
}

}  // namespace

namespace uidlist_internal {

std::optional<std::uint32_t> parse_u32(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(v);
}

bool valid_fields(std::string_view f) {
  if (f.find_first_of(std::string_view("\n\r\0", 3)) != std::string_view::npos) return false;
  std::size_t pos = 0;
  while (pos < f.size()) {
    std::size_t end = f.find(' ', pos);
    if (end == std::string_view::npos) end = f.size();
    if (end == pos || !is_ext_key(f[pos])) return false;
    pos = end + 1;
  }
  return f.empty() || f.back() != ' ';
}

bool storable_base(std::string_view base) {
  if (base.empty()) return false;
  for (char c : base) {
    if (c == '/' || c == '\n' || c == '\r' || c == '\0') return false;
  }
  return true;
}

std::size_t parse_lines(std::string_view content, int version, std::uint32_t& prev_uid,
                        std::size_t existing, std::vector<UidRecord>& out, std::size_t& skipped,
                        bool& needs_rewrite, std::uint32_t& max_uid) {
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) {
      needs_rewrite = true;
      continue;
    }
    std::size_t digits = 0;
    while (digits < line.size() && digits < 11 && line[digits] >= '0' && line[digits] <= '9') {
      ++digits;
    }
    if (auto leading = parse_u32(line.substr(0, digits)); leading && *leading <= kMaxUid) {
      max_uid = std::max(max_uid, *leading);
    }
    UidRecord rec;
    bool dropped_field = false;
    if (line.size() > kMaxUidListLine || existing + out.size() >= kMaxUidListRecords ||
        !parse_record(line, version, rec, dropped_field) || rec.uid <= prev_uid) {
      ++skipped;
      needs_rewrite = true;
      continue;
    }
    if (dropped_field) needs_rewrite = true;
    prev_uid = rec.uid;
    out.push_back(std::move(rec));
  }
  return pos;
}

void merge_duplicates(std::vector<UidRecord>& records, std::size_t first_new, UidBaseIndex& index,
                      std::size_t& skipped, bool& needs_rewrite) {
  std::unordered_set<std::uint32_t> removed;
  for (std::size_t i = first_new; i < records.size(); ++i) {
    auto [it, inserted] = index.try_emplace(records[i].base, records[i].uid);
    if (inserted) continue;
    removed.insert(it->second);  // the older record of this base
    it->second = records[i].uid;
    ++skipped;
    needs_rewrite = true;
  }
  if (!removed.empty()) {
    std::erase_if(records, [&](const UidRecord& r) { return removed.count(r.uid) != 0; });
  }
}

}  // namespace uidlist_internal

std::optional<std::string_view> UidRecord::field(char key) const {
  return find_token(fields, key);
}

std::optional<std::string_view> UidListHeader::field(char key) const {
  return find_token(extra, key);
}

ParsedUidList parse_uidlist(std::string_view content) {
  UidBaseIndex index;
  return parse_uidlist_indexed(content, index);
}

namespace uidlist_internal {

// Parses record lines after the ones already in `list` (whose bases are in `index`).
void parse_records_indexed(std::string_view content, int version, ParsedUidList& list,
                           UidBaseIndex& index) {
  std::uint32_t prev_uid = list.records.empty() ? 0 : list.records.back().uid;
  std::size_t first_new = list.records.size();
  // Room for the lines, but never more than a real list of this size could hold (a record
  // line takes well over 24 bytes), so that a file of empty lines cannot make us reserve much.
  std::size_t lines = static_cast<std::size_t>(std::count(content.begin(), content.end(), '\n'));
  list.records.reserve(first_new + std::min(lines, content.size() / 24 + 16));
  std::uint32_t max_uid = 0;
  std::size_t used = parse_lines(content, version, prev_uid, 0, list.records, list.skipped_lines,
                                 list.needs_rewrite, max_uid);
  list.consumed += used;
  index.reserve(list.records.size());
  merge_duplicates(list.records, first_new, index, list.skipped_lines, list.needs_rewrite);
  if (list.header.next_uid <= max_uid) list.header.next_uid = max_uid + 1;
}

ParsedUidList parse_uidlist_indexed(std::string_view content, UidBaseIndex& index) {
  ParsedUidList out;
  index.clear();
  std::size_t nl = content.find('\n');
  if (nl == std::string_view::npos || nl > kMaxUidListLine) return out;
  if (!parse_header(content.substr(0, nl), out.header, out.needs_rewrite)) {
    out.header = UidListHeader{};
    out.needs_rewrite = false;
    return out;
  }
  out.header_ok = true;
  out.consumed = nl + 1;
  parse_records_indexed(content.substr(nl + 1), out.header.version, out, index);
  return out;
}

}  // namespace uidlist_internal

void parse_uidlist_records(std::string_view content, int version, ParsedUidList& list) {
  UidBaseIndex index;
  index.reserve(list.records.size());
  for (const auto& r : list.records) index.emplace(r.base, r.uid);
  parse_records_indexed(content, version, list, index);
}

std::string format_uidlist_header(const UidListHeader& header) {
  std::string out = "3 V" + std::to_string(header.uid_validity) + " N" +
                    std::to_string(header.next_uid) + " G" + header.guid;
  if (!header.extra.empty()) {
    out += ' ';
    out += header.extra;
  }
  out += '\n';
  return out;
}

std::string format_uidlist_record(const UidRecord& record) {
  std::string out = std::to_string(record.uid);
  if (!record.fields.empty()) {
    out += ' ';
    out += record.fields;
  }
  out += " :";
  out += record.base;
  out += '\n';
  return out;
}

std::uint32_t next_uid_validity(std::uint32_t previous) {
  std::uint32_t now = static_cast<std::uint32_t>(std::time(nullptr));
  if (now > previous) return now;
  if (previous >= std::numeric_limits<std::uint32_t>::max()) return 1;  // year 2106
  return previous + 1;
}

Result<std::string> random_guid() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return from_errno("getrandom");
    }
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace maildir

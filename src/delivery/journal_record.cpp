#include "delivery/journal_record.h"

#include <zlib.h>

#include <cstring>

namespace tegami_delivery {

namespace {

constexpr char kHeaderMagic[4] = {'T', 'G', 'J', 'S'};
constexpr char kRecordMagic[4] = {'T', 'G', 'J', 'R'};

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint32_t get32(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::uint64_t get64(std::string_view b, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::uint32_t checksum(std::uint64_t segment_id, std::string_view payload) {
  std::string id;
  put64(id, segment_id);
  uLong c = crc32(0L, Z_NULL, 0);
  c = crc32(c, reinterpret_cast<const Bytef*>(id.data()), static_cast<uInt>(id.size()));
  // zlib's length is uInt: feed big payloads in pieces.
  std::size_t at = 0;
  while (at < payload.size()) {
    std::size_t n = std::min<std::size_t>(payload.size() - at, 1u << 30);
    c = crc32(c, reinterpret_cast<const Bytef*>(payload.data() + at), static_cast<uInt>(n));
    at += n;
  }
  return static_cast<std::uint32_t>(c);
}

// Parses a payload's targets and message; false on a structural error.
bool parse_payload(std::string_view p, JournalRecord& out) {
  if (p.size() < 4) return false;
  std::uint32_t k = get32(p, 0);
  if (k == 0 || k > kMaxJournalTargets) return false;
  std::size_t at = 4;
  auto field = [&](std::string& s) {
    if (p.size() - at < 4) return false;
    std::uint32_t n = get32(p, at);
    at += 4;
    if (n == 0 || p.size() - at < n) return false;
    s.assign(p.substr(at, n));
    at += n;
    return s.find('\0') == std::string::npos;
  };
  out.targets.clear();
  for (std::uint32_t i = 0; i < k; ++i) {
    JournalTarget t;
    if (!field(t.folder_dir) || !field(t.name)) return false;
    // A name is one directory entry: never a path.
    if (t.name.find('/') != std::string::npos || t.name == "." || t.name == "..") return false;
    out.targets.push_back(std::move(t));
  }
  out.message.assign(p.substr(at));
  return true;
}

}  // namespace

std::string encode_journal_header(std::uint64_t segment_id) {
  std::string out(kHeaderMagic, 4);
  put64(out, segment_id);
  return out;
}

std::string encode_journal_record(std::uint64_t segment_id,
                                  const std::vector<JournalTarget>& targets,
                                  std::string_view message) {
  std::string payload;
  std::size_t need = 4 + message.size();
  for (const JournalTarget& t : targets) need += 8 + t.folder_dir.size() + t.name.size();
  payload.reserve(need);
  put32(payload, static_cast<std::uint32_t>(targets.size()));
  for (const JournalTarget& t : targets) {
    put32(payload, static_cast<std::uint32_t>(t.folder_dir.size()));
    payload += t.folder_dir;
    put32(payload, static_cast<std::uint32_t>(t.name.size()));
    payload += t.name;
  }
  payload += message;
  std::string out;
  out.reserve(kRecordHeaderSize + payload.size());
  out.append(kRecordMagic, 4);
  put32(out, static_cast<std::uint32_t>(payload.size()));
  put32(out, checksum(segment_id, payload));
  put64(out, segment_id);
  out += payload;
  return out;
}

bool decode_journal_header(std::string_view bytes, std::uint64_t& segment_id) {
  if (bytes.size() < kJournalHeaderSize || std::memcmp(bytes.data(), kHeaderMagic, 4) != 0) {
    return false;
  }
  segment_id = get64(bytes, 4);
  return true;
}

RecordScan scan_journal_record(std::string_view bytes, std::uint64_t segment_id,
                               std::uint64_t max_payload) {
  RecordScan r;
  if (bytes.empty()) return r;  // clean end
  std::size_t magic = std::min<std::size_t>(bytes.size(), 4);
  if (std::memcmp(bytes.data(), kRecordMagic, magic) != 0) {
    bool zeros = bytes.find_first_not_of('\0') == std::string_view::npos ||
                 bytes.substr(0, magic).find_first_not_of('\0') == std::string_view::npos;
    if (!zeros) r.why = "no record magic";
    return r;
  }
  if (bytes.size() < kRecordHeaderSize) {
    r.kind = RecordScan::Kind::kNeedMore;
    r.length = kRecordHeaderSize;
    return r;
  }
  std::uint64_t n = get32(bytes, 4);
  if (get64(bytes, 12) != segment_id) return r;  // a reused segment's old tail: a clean end
  if (n > max_payload) {
    r.why = "record length " + std::to_string(n) + " over the limit";
    return r;
  }
  if (bytes.size() - kRecordHeaderSize < n) {
    r.kind = RecordScan::Kind::kNeedMore;
    r.length = kRecordHeaderSize + static_cast<std::size_t>(n);
    return r;
  }
  std::string_view payload = bytes.substr(kRecordHeaderSize, static_cast<std::size_t>(n));
  if (checksum(segment_id, payload) != get32(bytes, 8)) {
    r.why = "bad checksum";
    return r;
  }
  if (!parse_payload(payload, r.record)) {
    r.why = "bad record structure";
    r.record = {};
    return r;
  }
  r.kind = RecordScan::Kind::kRecord;
  r.length = kRecordHeaderSize + static_cast<std::size_t>(n);
  return r;
}

std::vector<JournalRecord> decode_journal_segment(std::string_view bytes, std::uint64_t max_payload,
                                                  std::string& why) {
  std::vector<JournalRecord> out;
  why.clear();
  std::uint64_t id = 0;
  if (!decode_journal_header(bytes, id)) {
    why = bytes.empty() ? "" : "bad segment header";
    return out;
  }
  std::size_t at = kJournalHeaderSize;
  for (;;) {
    RecordScan s = scan_journal_record(bytes.substr(at), id, max_payload);
    if (s.kind == RecordScan::Kind::kRecord) {
      out.push_back(std::move(s.record));
      at += s.length;
      continue;
    }
    if (s.kind == RecordScan::Kind::kNeedMore) why = "torn record at the end";
    if (s.kind == RecordScan::Kind::kEnd) why = s.why;
    return out;
  }
}

}  // namespace tegami_delivery

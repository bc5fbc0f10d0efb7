#include "imap/fetch_binary.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <vector>

#include "mime/section.h"
#include "mime/transfer.h"

namespace imap {

namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr std::string_view kUnknownCte = "unknown Content-Transfer-Encoding";

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Runs the stored region through CRLF conversion and the decoder, giving decoded pieces to
// `sink` (return false to stop). Memory: one 64 KB read and its decoded output.
template <typename Sink>
maildir::Status decode_region(const MessageFile& f, uint64_t offset, uint64_t length,
                              const std::string& encoding, Sink sink) {
  CrlfWindow conv(f.cr_before(offset), 0, UINT64_MAX);
  mime::TransferDecoder dec(encoding);
  std::string crlf;
  std::string decoded;
  uint64_t pos = offset;
  const uint64_t end = offset + length;
  while (pos < end) {
    auto chunk = f.read(pos, std::min<uint64_t>(kChunk, end - pos));
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) return maildir::Status(maildir::Code::kIo, "message file shorter");
    pos += chunk->size();
    crlf.clear();
    conv.feed(*chunk, crlf);
    decoded.clear();
    dec.feed(crlf, decoded);
    if (!decoded.empty() && !sink(std::string_view(decoded))) return {};
  }
  decoded.clear();
  dec.finish(decoded);
  if (!decoded.empty()) sink(std::string_view(decoded));
  return {};
}

class DecodedSource final : public net::PullSource {
 public:
  DecodedSource(std::shared_ptr<const MessageFile> file, uint64_t offset, uint64_t length,
                std::string encoding, Window w)
      : file_(std::move(file)),
        pos_(offset),
        end_(offset + length),
        conv_(file_->cr_before(offset), 0, UINT64_MAX),
        dec_(encoding),
        skip_(w.skip),
        take_(w.take) {}

  maildir::Result<size_t> pull(char* buf, size_t cap) override {
    while (out_pos_ == out_.size()) {
      if (take_ == 0) return size_t{0};
      out_.clear();
      out_pos_ = 0;
      std::string decoded;
      if (pos_ < end_) {
        auto chunk = file_->read(pos_, std::min<uint64_t>(kChunk, end_ - pos_));
        if (!chunk.ok()) return chunk.status();
        if (chunk->empty()) return short_file();
        pos_ += chunk->size();
        std::string crlf;
        conv_.feed(*chunk, crlf);
        dec_.feed(crlf, decoded);
      } else if (!finished_) {
        finished_ = true;
        dec_.finish(decoded);
      } else {
        return short_file();
      }
      std::string_view d = decoded;
      uint64_t drop = std::min<uint64_t>(skip_, d.size());
      d.remove_prefix(drop);
      skip_ -= drop;
      size_t keep = static_cast<size_t>(std::min<uint64_t>(take_, d.size()));
      out_.assign(d.substr(0, keep));
      take_ -= keep;
    }
    size_t k = std::min(cap, out_.size() - out_pos_);
    std::memcpy(buf, out_.data() + out_pos_, k);
    out_pos_ += k;
    return k;
  }

 private:
  static maildir::Status short_file() {
    return maildir::Status(maildir::Code::kIo, "decoded part shorter than its FETCH literal");
  }
  std::shared_ptr<const MessageFile> file_;
  uint64_t pos_;
  uint64_t end_;
  CrlfWindow conv_;
  mime::TransferDecoder dec_;
  bool finished_ = false;
  uint64_t skip_;
  uint64_t take_;
  std::string out_;
  size_t out_pos_ = 0;
};

bool identity_encoding(const std::string& enc) {
  return enc.empty() || enc == "7bit" || enc == "8bit" || enc == "binary";
}

// The CRLF header with its Content-Transfer-Encoding field (and continuation lines) set to
// "binary", as the decoded part is sent.
std::string binary_header(std::string_view h) {
  std::string out;
  bool skipping = false;
  size_t pos = 0;
  while (pos < h.size()) {
    size_t nl = h.find('\n', pos);
    size_t end = nl == std::string_view::npos ? h.size() : nl + 1;
    std::string_view line = h.substr(pos, end - pos);
    pos = end;
    bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (continuation && skipping) continue;
    skipping = false;
    size_t colon = line.find(':');
    if (!continuation && colon != std::string_view::npos &&
        lower(line.substr(0, colon)) == "content-transfer-encoding") {
      out.append(line.substr(0, colon));
      out += ": binary\r\n";
      skipping = true;
      continue;
    }
    out.append(line);
  }
  return out;
}

// One piece of a re-rendered (sub)message: CRLF text, a stored region sent in CRLF form, or a
// stored region sent decoded. `size` is what it sends.
struct Segment {
  enum class Kind { kText, kRaw, kDecoded } kind = Kind::kText;
  std::string text;
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t size = 0;
  std::string encoding;
};

// The size of the CRLF form of a stored region, by one streaming pass.
maildir::Result<uint64_t> crlf_size(const MessageFile& f, uint64_t offset, uint64_t length) {
  CrlfWindow conv(f.cr_before(offset), 0, UINT64_MAX);
  uint64_t size = 0;
  uint64_t pos = offset;
  std::string out;
  while (pos < offset + length) {
    auto chunk = f.read(pos, std::min<uint64_t>(kChunk, offset + length - pos));
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) return maildir::Status(maildir::Code::kIo, "message file shorter");
    pos += chunk->size();
    out.clear();
    conv.feed(*chunk, out);
    size += out.size();
  }
  return size;
}

maildir::Status add_raw(const MessageFile& f, uint64_t a, uint64_t b, std::vector<Segment>& out) {
  if (b <= a) return {};
  Segment seg;
  if (b - a < kChunk) {
    auto bytes = f.read(a, b - a);
    if (!bytes.ok()) return bytes.status();
    CrlfWindow conv(f.cr_before(a), 0, UINT64_MAX);
    conv.feed(*bytes, seg.text);
    seg.size = seg.text.size();
  } else {
    auto size = crlf_size(f, a, b - a);
    if (!size.ok()) return size.status();
    seg.kind = Segment::Kind::kRaw;
    seg.offset = a;
    seg.length = b - a;
    seg.size = *size;
  }
  out.push_back(std::move(seg));
  return {};
}

// The stored region [begin, end) (a whole message, or the body of a message/rfc822 part) with
// every base64 / quoted-printable leaf part decoded and its header saying "binary" (as Dovecot
// renders BINARY[] and BINARY[n] of a message part). unknown_cte() when a leaf part inside has
// an encoding tegami cannot decode.
maildir::Status render_message(const mime::Structure& s, const MessageFile& f, uint64_t begin,
                               uint64_t end, std::vector<Segment>& out) {
  uint64_t pos = begin;
  for (const mime::Part& q : s.parts) {
    if (q.first_child != mime::Part::kNone || q.is_multipart()) continue;
    if (q.header_offset < begin || q.body_offset + q.body.lf > end) continue;
    std::string enc = lower(q.encoding);
    if (identity_encoding(enc)) continue;
    if (enc != "base64" && enc != "quoted-printable") return unknown_cte();
    maildir::Status st = add_raw(f, pos, q.header_offset, out);
    if (!st.ok()) return st;
    auto h = f.read(q.header_offset, q.header.lf);
    if (!h.ok()) return h.status();
    std::string crlf;
    CrlfWindow conv(f.cr_before(q.header_offset), 0, UINT64_MAX);
    conv.feed(*h, crlf);
    Segment head;
    head.text = binary_header(crlf);
    head.size = head.text.size();
    out.push_back(std::move(head));
    Segment body;
    body.kind = Segment::Kind::kDecoded;
    body.offset = q.body_offset;
    body.length = q.body.lf;
    body.encoding = enc;
    st = decode_region(f, q.body_offset, q.body.lf, enc, [&body](std::string_view d) {
      body.size += d.size();
      return true;
    });
    if (!st.ok()) return st;
    out.push_back(std::move(body));
    pos = q.body_offset + q.body.lf;
  }
  return add_raw(f, pos, end, out);
}

// Sends window `w` of the segments' concatenation.
void emit_segments(std::vector<Segment>& segs, const std::shared_ptr<const MessageFile>& file,
                   Window w, FetchOutput& out) {
  uint64_t at = 0;
  for (Segment& seg : segs) {
    uint64_t seg_end = at + seg.size;
    uint64_t from = std::max(at, w.skip);
    uint64_t to = std::min(seg_end, w.skip + w.take);
    if (from < to) {
      Window inner{from - at, to - from};
      switch (seg.kind) {
        case Segment::Kind::kText:
          out.text(std::string_view(seg.text).substr(inner.skip, inner.take));
          break;
        case Segment::Kind::kRaw:
          out.region(file, seg.offset, seg.length, inner);
          break;
        case Segment::Kind::kDecoded:
          out.decoded_region(file, seg.offset, seg.length, seg.encoding, inner);
          break;
      }
    }
    at = seg_end;
  }
}

}  // namespace

maildir::Status unknown_cte() {
  return maildir::Status(maildir::Code::kInvalidArgument, std::string(kUnknownCte));
}

bool is_unknown_cte(const maildir::Status& status) {
  return status.code() == maildir::Code::kInvalidArgument && status.message() == kUnknownCte;
}

std::unique_ptr<net::PullSource> decoded_source(std::shared_ptr<const MessageFile> file,
                                                uint64_t offset, uint64_t length,
                                                std::string encoding, Window w) {
  return std::make_unique<DecodedSource>(std::move(file), offset, length, std::move(encoding), w);
}

maildir::Status binary_item(const FetchItem& it, const mime::Structure& s,
                            const std::shared_ptr<const MessageFile>& file, FetchOutput& out) {
  const bool size_only = it.kind == FetchItem::Kind::kBinarySize;
  auto idx = mime::find_section(s, it.part);
  auto span = mime::section_span(s, it.part, mime::SectionText::kAll);
  if (!idx || !span) {
    // No such part: nothing to send, as BODY[] answers a missing section.
    out.text(size_only ? it.response_name + " 0" : it.response_name + " {0}\r\n");
    return {};
  }
  const mime::Part& p = s.parts[*idx];
  std::string enc = lower(p.encoding);
  bool leaf = !it.part.empty() && p.first_child == mime::Part::kNone &&
              !(lower(p.type) == "message" && lower(p.subtype) == "rfc822") &&
              lower(p.type) != "multipart";
  if (it.part.empty() || p.is_message()) {
    // A whole (encapsulated) message: re-rendered with its parts decoded.
    std::vector<Segment> segs;
    maildir::Status st = render_message(s, *file, span->offset, span->offset + span->length, segs);
    if (!st.ok()) return st;
    uint64_t total = 0;
    for (const Segment& seg : segs) total += seg.size;
    if (size_only) {
      out.text(it.response_name + " " + std::to_string(total));
      return {};
    }
    Window w = partial_window(total, it.offset, it.length);
    out.text(it.response_name + " ~{" + std::to_string(w.take) + "}\r\n");
    emit_segments(segs, file, w, out);
    return {};
  }
  bool decode = leaf && (enc == "base64" || enc == "quoted-printable");
  if (leaf && !decode && !enc.empty() && enc != "7bit" && enc != "8bit" && enc != "binary") {
    return unknown_cte();
  }
  if (!decode) {
    // As BODY[part]: the CRLF form of the stored bytes.
    if (size_only) {
      out.text(it.response_name + " " + std::to_string(span->size));
      return {};
    }
    Window w = partial_window(span->size, it.offset, it.length);
    // Stored bytes as they are: a literal8 only when they hold a NUL (as Dovecot).
    if (w.take < kStreamThreshold) {
      auto bytes = file->read_crlf(span->offset, span->length, w);
      if (!bytes.ok()) return bytes.status();
      bool nul = bytes->find('\0') != std::string::npos;
      out.text(it.response_name + (nul ? " ~{" : " {") + std::to_string(w.take) + "}\r\n");
      out.text(*bytes);
      return {};
    }
    bool nul = false;
    maildir::Status scan =
        decode_region(*file, span->offset, span->length, "7bit", [&nul](std::string_view d) {
          nul = d.find('\0') != std::string_view::npos;
          return !nul;
        });
    if (!scan.ok()) return scan;
    out.text(it.response_name + (nul ? " ~{" : " {") + std::to_string(w.take) + "}\r\n");
    out.region(file, span->offset, span->length, w);
    return {};
  }
  // Decoded content: always a literal8 (as Dovecot). Pass 1: the decoded size; small contents
  // are kept.
  uint64_t size = 0;
  std::string kept;
  maildir::Status st =
      decode_region(*file, span->offset, span->length, enc, [&](std::string_view d) {
        size += d.size();
        if (kept.size() < kStreamThreshold) kept.append(d);
        return true;
      });
  if (!st.ok()) return st;
  if (size_only) {
    out.text(it.response_name + " " + std::to_string(size));
    return {};
  }
  Window w = partial_window(size, it.offset, it.length);
  out.text(it.response_name + " ~{" + std::to_string(w.take) + "}\r\n");
  if (w.take == 0) return {};
  if (size <= kept.size()) {
    out.text(std::string_view(kept).substr(w.skip, w.take));
    return {};
  }
  out.decoded_region(file, span->offset, span->length, enc, w);
  return {};
}

}  // namespace imap

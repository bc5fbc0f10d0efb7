#include "imap/fetch_response.h"

#include <algorithm>
#include <charconv>

#include <time.h>

#include "imap/condstore.h"
#include "imap/fetch_binary.h"
#include "imap/structure_cache.h"
#include "mime/imap_render.h"

namespace imap {

std::string& FetchOutput::text_target() {
  if (pieces.empty() || pieces.back().file) pieces.emplace_back();
  return pieces.back().text;
}

void FetchOutput::text(std::string_view s) {
  if (pieces.empty() || pieces.back().file) {
    pieces.emplace_back();
    pieces.back().text.reserve(std::max<std::size_t>(s.size(), 4096));
  }
  pieces.back().text.append(s);
  text_bytes += s.size();
}

void FetchOutput::region(std::shared_ptr<const MessageFile> file, uint64_t offset, uint64_t length,
                         Window w) {
  Piece p;
  p.file = std::move(file);
  p.offset = offset;
  p.length = length;
  p.window = w;
  pieces.push_back(std::move(p));
}

void FetchOutput::decoded_region(std::shared_ptr<const MessageFile> file, uint64_t offset,
                                 uint64_t length, std::string encoding, Window w) {
  region(std::move(file), offset, length, w);
  pieces.back().encoding = std::move(encoding);
}

void FetchOutput::append(FetchOutput&& other) {
  for (Piece& p : other.pieces) {
    if (p.file) {
      pieces.push_back(std::move(p));
    } else {
      text(p.text);
    }
  }
  other.pieces.clear();
  other.text_bytes = 0;
}

std::optional<mime::Span> section_region(const FetchItem& item, const mime::Structure& s) {
  mime::SectionText t = mime::SectionText::kAll;
  switch (item.section) {
    case FetchItem::Section::kAll:
      t = mime::SectionText::kAll;
      break;
    case FetchItem::Section::kMime:
      t = mime::SectionText::kMime;
      break;
    case FetchItem::Section::kText:
      t = mime::SectionText::kText;
      break;
    case FetchItem::Section::kHeader:
    case FetchItem::Section::kHeaderFields:
    case FetchItem::Section::kHeaderFieldsNot:
      t = mime::SectionText::kHeader;
      break;
  }
  return mime::section_span(s, item.part, t);
}

std::string internal_date_string(int64_t t) {
  time_t tt = static_cast<time_t>(t);
  struct tm tm {};
  localtime_r(&tt, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%e-%b-%Y %H:%M:%S", &tm);
  long off = tm.tm_gmtoff / 60;
  char zone[32];
  snprintf(zone, sizeof zone, " %c%02ld%02ld", off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60,
           (off < 0 ? -off : off) % 60);
  return std::string("\"") + buf + zone + "\"";
}

namespace {

// State shared by the items of one message: the opened file and the structure, each made at
// most once.
class MessageContext {
 public:
  MessageContext(SelectedBox& box, size_t i) : box_(box), i_(i) {}
  SelectedBox& box() { return box_; }

  maildir::Result<std::shared_ptr<MessageFile>> file() {
    if (!file_) {
      auto f = MessageFile::open(box_.mailbox.path(i_));
      if (!f.ok()) return f.status();
      file_ = std::move(*f);
    }
    return file_;
  }

  maildir::Result<std::shared_ptr<const mime::Structure>> structure() {
    if (!structure_) {
      auto s = structure_cache(box_).get(box_.mailbox.record(i_).uid, [this] { return file(); });
      if (!s.ok()) return s.status();
      structure_ = std::move(*s);
    }
    return structure_;
  }

  // The stored header of the message (up to and including the empty line), read without the
  // MIME structure: BODY[HEADER] of a whole mailbox must not parse every message.
  maildir::Result<std::string> header() {
    if (structure_) {
      const mime::Part& p = structure_->parts[0];
      auto f = file();
      if (!f.ok()) return f.status();
      return (*f)->read(p.header_offset, p.header.lf);
    }
    auto f = file();
    if (!f.ok()) return f.status();
    std::string h;
    uint64_t pos = 0;
    while (true) {
      auto chunk = (*f)->read(pos, 16 * 1024);
      if (!chunk.ok()) return chunk.status();
      if (chunk->empty()) return h;
      size_t scan_from = h.size() > 2 ? h.size() - 2 : 0;
      h += *chunk;
      pos += chunk->size();
      if (h.rfind("\n", 0) == 0) return h.substr(0, 1);
      if (h.rfind("\r\n", 0) == 0) return h.substr(0, 2);
      for (size_t k = scan_from; k + 1 < h.size(); ++k) {
        if (h[k] != '\n') continue;
        if (h[k + 1] == '\n') return h.substr(0, k + 2);
        if (h[k + 1] == '\r' && k + 2 < h.size() && h[k + 2] == '\n') return h.substr(0, k + 3);
      }
    }
  }

 private:
  SelectedBox& box_;
  size_t i_;
  std::shared_ptr<MessageFile> file_;
  std::shared_ptr<const mime::Structure> structure_;
};

// A partial window up to this size is scanned once more to remember where it ends.
constexpr uint64_t kResumeScanLimit = 1 << 20;

void literal(FetchOutput& out, std::string_view name, std::string_view bytes) {
  out.text(name);
  out.text(" {" + std::to_string(bytes.size()) + "}\r\n");
  out.text(bytes);
}

maildir::Status body_item(const FetchItem& it, MessageContext& m, maildir::Mailbox& mb, size_t i,
                          FetchOutput& out) {
  const bool fields = it.section == FetchItem::Section::kHeaderFields ||
                      it.section == FetchItem::Section::kHeaderFieldsNot;
  // The message's own header and BODY[] need no MIME structure.
  if (!it.needs_structure() && it.section != FetchItem::Section::kAll) {
    auto h = m.header();
    if (!h.ok()) return h.status();
    std::string crlf = to_crlf(*h);
    if (fields) {
      crlf = header_fields(crlf, it.fields, it.section == FetchItem::Section::kHeaderFieldsNot);
    }
    Window w = partial_window(crlf.size(), it.offset, it.length);
    literal(out, it.response_name, std::string_view(crlf).substr(w.skip, w.take));
    return {};
  }
  mime::Span span;
  if (!it.needs_structure()) {
    auto size = mb.size(i);
    if (!size.ok()) return size.status();
    auto vsize = mb.vsize(i);
    if (!vsize.ok()) return vsize.status();
    span = mime::Span{0, *size, *vsize};
  } else {
    auto s = m.structure();
    if (!s.ok()) return s.status();
    auto found = section_region(it, **s);
    if (!found) {
      literal(out, it.response_name, "");
      return {};
    }
    span = *found;
  }
  auto f = m.file();
  if (!f.ok()) return f.status();
  if (fields) {
    auto h = (*f)->read(span.offset, span.length);
    if (!h.ok()) return h.status();
    std::string sel =
        header_fields(to_crlf(*h), it.fields, it.section == FetchItem::Section::kHeaderFieldsNot);
    Window w = partial_window(sel.size(), it.offset, it.length);
    literal(out, it.response_name, std::string_view(sel).substr(w.skip, w.take));
    return {};
  }
  Window w = partial_window(span.size, it.offset, it.length);
  out.text(it.response_name + " {" + std::to_string(w.take) + "}\r\n");
  if (w.take == 0) return {};
  const uint64_t end = span.offset + span.length;
  CrlfPosition start{span.offset, 0};
  if (it.offset) {
    // A partial starts near its offset: from where the previous partial of this region ended
    // when that is not past it, else from the region's start; it leaves its own end for the
    // next one (clients read big messages as <0.65536>, <65536.65536>, ...).
    StructureCache& cache = structure_cache(m.box());
    const StructureCache::Resume& r = cache.resume();
    const uint32_t uid = mb.record(i).uid;
    if (r.uid == uid && r.region == span.offset && r.pos.crlf <= w.skip) start = r.pos;
    maildir::Status st = (*f)->seek_crlf(end, w.skip, start);
    if (!st.ok()) return st;
    w.skip -= start.crlf;
    CrlfPosition next = start;
    if (w.take <= kResumeScanLimit &&
        (*f)->seek_crlf(end, start.crlf + w.skip + w.take, next).ok()) {
      cache.set_resume({uid, span.offset, next});
    } else {
      cache.set_resume({uid, span.offset, start});
    }
  }
  if (w.take >= kStreamThreshold) {
    out.region(*f, start.stored, end - start.stored, w);
    return {};
  }
  auto bytes = (*f)->read_crlf(start.stored, end - start.stored, w);
  if (!bytes.ok()) return bytes.status();
  out.text(*bytes);
  return {};
}

}  // namespace

bool only_view_items(const std::vector<FetchItem>& items) {
  for (const FetchItem& it : items) {
    switch (it.kind) {
      case FetchItem::Kind::kFlags:
      case FetchItem::Kind::kUid:
      case FetchItem::Kind::kModseq:
      case FetchItem::Kind::kInternalDate:
      case FetchItem::Kind::kRfc822Size:
        break;
      default:
        return false;
    }
  }
  return true;
}

namespace {

void append_number(std::string& s, std::uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

// Appends one item of only_view_items() ("UID 7", "FLAGS (\\Seen)", ...) to `line`; on an
// error (a size or date that cannot be had) `line` may hold part of it.
maildir::Status append_view_item(std::string& line, SelectedBox& box, size_t i,
                                 FetchItem::Kind kind) {
  maildir::Mailbox& mb = box.mailbox;
  switch (kind) {
    case FetchItem::Kind::kFlags:
      line += "FLAGS ";
      append_flags(line, box, i);
      break;
    case FetchItem::Kind::kUid:
      line += "UID ";
      append_number(line, mb.record(i).uid);
      break;
    case FetchItem::Kind::kModseq:  // the log is open (cmd_fetch.cpp)
      line += "MODSEQ (";
      append_number(line, modseq_of(box, mb.record(i).uid));
      line += ')';
      break;
    case FetchItem::Kind::kInternalDate: {
      auto d = mb.internal_date(i);
      if (!d.ok()) return d.status();
      line += "INTERNALDATE ";
      line += internal_date_string(*d);
      break;
    }
    case FetchItem::Kind::kRfc822Size: {
      auto v = mb.vsize(i);
      if (!v.ok()) return v.status();
      line += "RFC822.SIZE ";
      append_number(line, *v);
      break;
    }
    default:
      break;  // not a view item: the caller's to write
  }
  return {};
}

// fetch_message for only_view_items(): one line built in one string, appended to `out`
// whole (nothing when a size or date cannot be had).
maildir::Status fetch_view_items(SelectedBox& box, size_t i, uint32_t seq,
                                 const std::vector<FetchItem>& items, bool flags_after,
                                 FetchOutput& out) {
  std::string& line = out.text_target();  // written in place; cut back on an error
  const std::size_t start = line.size();
  line += "* ";
  append_number(line, seq);
  line += " FETCH (";
  bool flags_sent = false;
  for (std::size_t k = 0; k < items.size(); ++k) {
    if (k > 0) line += ' ';
    if (maildir::Status s = append_view_item(line, box, i, items[k].kind); !s.ok()) {
      line.resize(start);
      return s;
    }
    flags_sent = flags_sent || items[k].kind == FetchItem::Kind::kFlags;
  }
  if (flags_after && !flags_sent) {
    line += " FLAGS ";
    append_flags(line, box, i);
  }
  line += ")\r\n";
  out.text_bytes += line.size() - start;
  return {};
}

}  // namespace

maildir::Status fetch_message(SelectedBox& box, size_t i, uint32_t seq,
                              const std::vector<FetchItem>& items, bool flags_after,
                              FetchOutput& out) {
  if (only_view_items(items)) return fetch_view_items(box, i, seq, items, flags_after, out);
  maildir::Mailbox& mb = box.mailbox;
  MessageContext m(box, i);
  FetchOutput o;
  o.text("* " + std::to_string(seq) + " FETCH (");
  bool first = true;
  bool flags_sent = false;
  for (const FetchItem& it : items) {
    if (!first) o.text(" ");
    first = false;
    switch (it.kind) {
      case FetchItem::Kind::kFlags:
      case FetchItem::Kind::kUid:
      case FetchItem::Kind::kModseq:
      case FetchItem::Kind::kInternalDate:
      case FetchItem::Kind::kRfc822Size: {
        std::string item;
        if (maildir::Status st = append_view_item(item, box, i, it.kind); !st.ok()) return st;
        o.text(item);
        flags_sent = flags_sent || it.kind == FetchItem::Kind::kFlags;
        break;
      }
      case FetchItem::Kind::kEnvelope: {
        auto s = m.structure();
        if (!s.ok()) return s.status();
        o.text("ENVELOPE " + mime::render_envelope(**s, 0));
        break;
      }
      case FetchItem::Kind::kBodyStructure: {
        auto s = m.structure();
        if (!s.ok()) return s.status();
        o.text(it.response_name + " " + mime::render_body(**s, it.extensible, 0));
        break;
      }
      case FetchItem::Kind::kBody: {
        maildir::Status st = body_item(it, m, mb, i, o);
        if (!st.ok()) return st;
        break;
      }
      case FetchItem::Kind::kBinary:
      case FetchItem::Kind::kBinarySize: {
        auto s = m.structure();
        if (!s.ok()) return s.status();
        auto f = m.file();
        if (!f.ok()) return f.status();
        maildir::Status st = binary_item(it, **s, *f, o);
        if (!st.ok()) return st;
        break;
      }
    }
  }
  if (flags_after && !flags_sent) o.text(" FLAGS " + flags_list(box, i));
  o.text(")\r\n");
  out.append(std::move(o));
  return {};
}

}  // namespace imap

#include "dkim/signer.h"

#include <openssl/evp.h>

namespace tegami_dkim {

using maildir::Code;
using maildir::Result;
using maildir::Status;

namespace {

constexpr std::size_t kFoldWidth = 78;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Result<std::string> sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    return Status(Code::kIo, "SHA-256 failed");
  }
  return std::string(reinterpret_cast<char*>(md), len);
}

// Appends the parts of a header field to `out`, folding ("\r\n\t") before a part that would
// pass the fold width. The column is counted from the last line break in `out`.
class Folder {
 public:
  explicit Folder(std::string& out) : out_(out) {}
  // `space`: a SP separates the part from the previous one when no fold is needed.
  void add(std::string_view part, bool space = true) {
    if (column() + (space ? 1 : 0) + part.size() > kFoldWidth && column() > 1) {
      out_ += "\r\n\t";
    } else if (space) {
      out_ += ' ';
    }
    out_ += part;
  }
  // A long value (b=, bh=) broken into pieces with FWS between them.
  void add_long(std::string_view tag, std::string_view value) {
    add(std::string(tag) + "=");
    while (!value.empty()) {
      std::size_t col = column();
      if (col + 8 > kFoldWidth) {
        out_ += "\r\n\t";
        col = 1;
      }
      std::string_view piece = value.substr(0, kFoldWidth - col);
      out_ += piece;
      value.remove_prefix(piece.size());
    }
  }

 private:
  std::size_t column() const {
    std::size_t nl = out_.rfind('\n');
    return nl == std::string::npos ? out_.size() : out_.size() - nl - 1;  // a tab counts as 1
  }
  std::string& out_;
};

}  // namespace

const std::vector<std::string>& default_headers() {
  static const std::vector<std::string> kHeaders = {"from",
                                                    "to",
                                                    "cc",
                                                    "subject",
                                                    "date",
                                                    "message-id",
                                                    "mime-version",
                                                    "content-type",
                                                    "content-transfer-encoding",
                                                    "reply-to",
                                                    "in-reply-to",
                                                    "references",
                                                    "list-id",
                                                    "list-unsubscribe"};
  return kHeaders;
}

const std::vector<std::string>& default_oversign() {
  static const std::vector<std::string> kOversign = {"from"};
  return kOversign;
}

struct Signer::Hash {
  MdCtxPtr ctx{EVP_MD_CTX_new()};
  bool ok = false;
};

Signer::Signer(Key key, SignOptions options)
    : key_(std::move(key)), options_(std::move(options)), body_hash_(std::make_unique<Hash>()) {
  body_hash_->ok =
      body_hash_->ctx && EVP_DigestInit_ex(body_hash_->ctx.get(), EVP_sha256(), nullptr) == 1;
}

Signer::~Signer() = default;

void Signer::update(std::string_view chunk) {
  if (!in_body_) {
    // Collect the header block; find its end across the old and the new bytes.
    std::size_t old = header_.size();
    std::size_t room = kMaxHeader + 4 > old ? kMaxHeader + 4 - old : 0;
    std::size_t take = std::min(chunk.size(), room);
    header_.append(chunk.substr(0, take));
    std::size_t end = std::string::npos;
    if (header_.compare(0, 2, "\r\n") == 0) {
      end = 2;  // no header fields at all
    } else {
      std::size_t p = header_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
      if (p != std::string::npos) end = p + 4;
    }
    if (end == std::string::npos || end > kMaxHeader + 4) {
      if (take < chunk.size() || header_.size() > kMaxHeader) too_big_ = true;
      return;
    }
    std::string rest = header_.substr(end);
    header_.resize(end);
    in_body_ = true;
    chunk = chunk.substr(take);
    scratch_.clear();
    body_.feed(rest, scratch_);
  }
  body_.feed(chunk, scratch_);
  if (body_hash_->ok && !scratch_.empty()) {
    body_hash_->ok = EVP_DigestUpdate(body_hash_->ctx.get(), scratch_.data(), scratch_.size()) == 1;
  }
  scratch_.clear();
}

Result<std::string> Signer::finish() {
  if (!in_body_ && header_.size() > kMaxHeader) too_big_ = true;
  if (too_big_) return Status(Code::kLimit, "header block too large to sign");
  // Without an empty line the whole message is header and the body is empty.
  in_body_ = true;
  scratch_.clear();
  body_.finish(scratch_);
  if (body_hash_->ok && !scratch_.empty()) {
    body_hash_->ok = EVP_DigestUpdate(body_hash_->ctx.get(), scratch_.data(), scratch_.size()) == 1;
  }
  unsigned char bh[EVP_MAX_MD_SIZE];
  unsigned int bh_len = 0;
  if (!body_hash_->ok || EVP_DigestFinal_ex(body_hash_->ctx.get(), bh, &bh_len) != 1) {
    return Status(Code::kIo, "body hash failed");
  }

  std::vector<HeaderField> fields = split_header(header_);
  std::vector<std::string> names;
  bool has_from = false;
  for (const std::string& name : options_.headers) {
    std::size_t count = 0;
    for (const HeaderField& f : fields) count += same_name(f.name, name) ? 1 : 0;
    if (same_name(name, "from")) has_from = count > 0;
    bool over = false;
    for (const std::string& o : options_.oversign) over = over || same_name(o, name);
    if (count == 0) continue;
    for (std::size_t i = 0; i < count + (over ? 1 : 0); ++i) names.push_back(name);
  }
  if (!has_from) return Status(Code::kInvalidArgument, "message has no From: field");

  std::string sig = "DKIM-Signature: v=1; a=" + std::string(algorithm_tag(key_.algorithm())) + ";";
  Folder fold(sig);
  fold.add("c=relaxed/relaxed;");
  fold.add("d=" + options_.domain + ";");
  fold.add("s=" + options_.selector + ";");
  if (options_.timestamp > 0) fold.add("t=" + std::to_string(options_.timestamp) + ";");
  // h= may fold after a colon.
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::string piece = (i == 0 ? "h=" : "") + names[i] + (i + 1 < names.size() ? ":" : ";");
    fold.add(piece, i == 0);
  }
  fold.add_long("bh", base64(std::string_view(reinterpret_cast<char*>(bh), bh_len)) + ";");
  std::string unsigned_field = sig;
  Folder(unsigned_field).add("b=");

  // The data to sign: the selected fields, then this field with an empty b= and no CRLF.
  std::string data;
  for (std::string_view raw : select_fields(fields, names)) {
    if (!raw.empty()) data += relaxed_header(raw);
  }
  std::string self = relaxed_header(unsigned_field);
  self.resize(self.size() - 2);
  data += self;

  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return Status(Code::kIo, "out of memory");
  std::string to_sign;
  const EVP_MD* md = nullptr;
  if (key_.algorithm() == Algorithm::kEd25519Sha256) {
    // RFC 8463 §3: Ed25519 (pure) over the SHA-256 of the data.
    Result<std::string> digest = sha256(data);
    if (!digest.ok()) return digest.status();
    to_sign = *digest;
  } else {
    md = EVP_sha256();
    to_sign = std::move(data);
  }
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_.pkey()) != 1) {
    return Status(Code::kIo, "signature init failed");
  }
  std::size_t sig_len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(to_sign.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &sig_len, in, to_sign.size()) != 1) {
    return Status(Code::kIo, "signature failed");
  }
  std::string signature(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &sig_len, in,
                     to_sign.size()) != 1) {
    return Status(Code::kIo, "signature failed");
  }
  signature.resize(sig_len);
  fold.add_long("b", base64(signature));
  sig += "\r\n";
  return sig;
}

Result<std::string> sign(const Key& key, const SignOptions& options, std::string_view message) {
  Signer s(key, options);
  s.update(message);
  return s.finish();
}

}  // namespace tegami_dkim

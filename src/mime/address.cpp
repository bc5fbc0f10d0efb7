// A lenient RFC 5322 address-list parser for ENVELOPE: a small tokenizer (atoms, quoted
// strings, domain literals, comments, specials) and a loop over mailboxes and groups. Obsolete
// forms (routes, empty list elements, unquoted dots in phrases) are accepted.
#include "mime/address.h"

#include <vector>

namespace mime {

namespace {

enum class Tok { kAtom, kQuoted, kLiteral, kSpecial, kEnd };

struct Token {
  Tok kind;
  bool space = false;  // whitespace or a comment came before it
  std::string text;    // atom text, quoted content, literal "[..]", or the special character
};

// Dovecot's placeholders for the missing pieces of a broken address.
constexpr std::string_view kMissingMailbox = "MISSING_MAILBOX";
constexpr std::string_view kMissingDomain = "MISSING_DOMAIN";

bool is_special(char c) {
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '[':
    case ']':
      return true;
    default:
      return false;
  }
}
bool is_ws(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  // Next token; comments are skipped (the last one kept in `comment`).
  Token next() {
    size_t before = i_;
    skip();
    Token t = lex();
    t.space = i_ > before && before < s_.size() && (is_ws(s_[before]) || s_[before] == '(');
    return t;
  }

  Token lex() {
    if (i_ >= s_.size()) return {Tok::kEnd, false, {}};
    char c = s_[i_];
    if (c == '"') {
      std::string out;
      ++i_;
      while (i_ < s_.size() && s_[i_] != '"') {
        if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
        if (s_[i_] != '\r' && s_[i_] != '\n') out += s_[i_];
        ++i_;
      }
      if (i_ < s_.size()) ++i_;
      return {Tok::kQuoted, false, std::move(out)};
    }
    if (c == '[') {
      size_t b = i_;
      while (i_ < s_.size() && s_[i_] != ']') {
        if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
        ++i_;
      }
      if (i_ < s_.size()) ++i_;
      return {Tok::kLiteral, false, std::string(s_.substr(b, i_ - b))};
    }
    if (is_special(c)) {
      ++i_;
      return {Tok::kSpecial, false, std::string(1, c)};
    }
    size_t b = i_;
    while (i_ < s_.size() && !is_ws(s_[i_]) && !is_special(s_[i_])) ++i_;
    return {Tok::kAtom, false, std::string(s_.substr(b, i_ - b))};
  }

  Token peek() {
    size_t save = i_;
    Token t = next();
    i_ = save;
    return t;
  }

  // True when whitespace or a comment precedes the next token.
  bool space_before() {
    size_t j = i_;
    return j < s_.size() && (is_ws(s_[j]) || s_[j] == '(');
  }

  std::string comment;

 private:
  void skip() {
    while (i_ < s_.size()) {
      if (is_ws(s_[i_])) {
        ++i_;
      } else if (s_[i_] == '(') {
        int depth = 0;
        std::string text;
        while (i_ < s_.size()) {
          char c = s_[i_++];
          if (c == '\\' && i_ < s_.size()) {
            text += s_[i_++];
            continue;
          }
          if (c == '(') {
            if (depth++ > 0) text += c;
          } else if (c == ')') {
            if (--depth == 0) break;
            text += c;
          } else {
            text += c;
          }
        }
        comment = std::move(text);
      } else {
        break;
      }
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool is_sp(const Token& t, char c) {
  return t.kind == Tok::kSpecial && t.text[0] == c;
}

// domain after '@': atoms, dots and literals until a special other than '.'
std::string read_domain(Lexer& lx) {
  std::string d;
  while (true) {
    Token t = lx.peek();
    if (t.kind == Tok::kAtom || t.kind == Tok::kLiteral) {
      lx.next();
      d += t.text;
    } else {
      break;
    }
  }
  return d;
}

// local-part words joined (atoms and quoted strings; dots live in atoms)
struct Parsed {
  std::vector<Address>* out;
  size_t max;
  void push(Address a) {
    if (out->size() < max) out->push_back(std::move(a));
  }
};

// Parses one mailbox starting after the phrase words have been collected.
// `words` are the phrase tokens; `next` is the token that ended them.
void finish_mailbox(Lexer& lx, std::vector<Token>& words, Token next, Parsed& p) {
  Address a;
  auto join_phrase = [&](const std::vector<Token>& ws) {
    std::string n;
    for (size_t i = 0; i < ws.size(); ++i) {
      if (i) n += ' ';
      n += ws[i].text;
    }
    return n;
  };
  if (is_sp(next, '<')) {
    if (!words.empty()) {
      a.name = join_phrase(words);
      a.name_nil = a.name.empty();
    }
    // optional route
    Token t = lx.next();
    std::string route;
    while (is_sp(t, '@') || is_sp(t, ',')) {
      if (is_sp(t, '@')) {
        if (!route.empty()) route += ',';
        route += '@';
        route += read_domain(lx);
      }
      t = lx.next();
    }
    if (!route.empty()) {
      a.route = route;
      if (!is_sp(t, ':')) {
        // "<@domain>" without local part: nothing more
      } else {
        t = lx.next();
      }
    }
    std::string local;
    while (t.kind == Tok::kAtom || t.kind == Tok::kQuoted) {
      local += t.text;
      t = lx.next();
    }
    a.mailbox = local;
    if (is_sp(t, '@')) {
      a.host = read_domain(lx);
      t = lx.next();
    }
    while (t.kind != Tok::kEnd && !is_sp(t, '>')) t = lx.next();
    if (a.mailbox.empty()) a.mailbox = kMissingMailbox;
    if (a.host.empty()) a.host = kMissingDomain;
    p.push(std::move(a));
    return;
  }
  // addr-spec: words are the local part; several words apart are a phrase without an address
  bool phrase = false;
  for (size_t i = 1; i < words.size(); ++i) phrase = phrase || words[i].space;
  if (phrase && is_sp(next, '@')) {
    a.name = join_phrase(words);
    a.name_nil = false;
    a.mailbox = kMissingMailbox;
    a.host = kMissingDomain;
    p.push(std::move(a));
    return;
  }
  std::string local;
  for (const auto& w : words) local += w.text;
  if (is_sp(next, '@')) {
    lx.comment.clear();
    a.host = read_domain(lx);
    // a trailing comment as the display name (RFC 822 style "a@b (Name)")
    Token after = lx.peek();
    (void)after;
    if (!lx.comment.empty()) {
      a.name = lx.comment;
      a.name_nil = false;
    }
  } else {
    if (local.empty()) return;
  }
  if (a.host.empty()) a.host = kMissingDomain;
  a.mailbox = local.empty() ? std::string(kMissingMailbox) : local;
  p.push(std::move(a));
}

}  // namespace

std::vector<Address> parse_address_list(std::string_view value, size_t max) {
  std::vector<Address> out;
  Parsed p{&out, max};
  Lexer lx(value);
  bool in_group = false;
  bool after_element = false;  // an element ended and its ',' is still to come
  size_t guard = 0;
  while (out.size() < max && ++guard < value.size() + 2) {
    std::vector<Token> words;
    Token t = lx.next();
    while (t.kind == Tok::kAtom || t.kind == Tok::kQuoted || t.kind == Tok::kLiteral) {
      words.push_back(t);
      t = lx.next();
    }
    if (t.kind == Tok::kEnd) {
      if (!words.empty()) finish_mailbox(lx, words, t, p);
      break;
    }
    if (is_sp(t, ';') && !in_group) {
      if (!words.empty()) finish_mailbox(lx, words, Token{Tok::kSpecial, false, ","}, p);
      break;  // a ';' outside a group ends the list (as Dovecot reads it)
    }
    if (is_sp(t, ':') && !in_group) {
      Address g;
      std::string name;
      for (size_t i = 0; i < words.size(); ++i) {
        if (i) name += ' ';
        name += words[i].text;
      }
      g.mailbox = name;
      g.host_nil = true;
      p.push(std::move(g));
      in_group = true;
      continue;
    }
    if (is_sp(t, ';')) {
      if (!words.empty()) finish_mailbox(lx, words, Token{Tok::kSpecial, false, ","}, p);
      after_element = in_group;  // "g: a;" is followed by its own ','
      if (in_group) {
        Address e;
        e.mailbox_nil = true;
        e.host_nil = true;
        p.push(std::move(e));
        in_group = false;
      }
      continue;
    }
    if (is_sp(t, ',')) {
      if (!words.empty()) {
        finish_mailbox(lx, words, t, p);
      } else if (!after_element && lx.peek().kind != Tok::kEnd) {
        Address m;  // an empty element between two commas
        m.mailbox = kMissingMailbox;
        m.host = kMissingDomain;
        p.push(std::move(m));
      }
      after_element = false;
      continue;
    }
    if (is_sp(t, '<') || is_sp(t, '@')) {
      finish_mailbox(lx, words, t, p);
      after_element = true;
      // skip to the end of this element
      Token n = lx.peek();
      while (n.kind != Tok::kEnd && !is_sp(n, ',') && !is_sp(n, ';')) {
        lx.next();
        n = lx.peek();
      }
      continue;
    }
    // stray special: skip it
  }
  if (in_group && out.size() < max) {
    Address e;
    e.mailbox_nil = true;
    e.host_nil = true;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace mime

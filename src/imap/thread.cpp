// Both algorithms build a forest of containers (a message, or a dummy standing for a message
// that is referenced but not among the results), then order and render it without recursion.
#include "imap/thread.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace imap {

namespace {

constexpr int kNone = -1;

struct Container {
  int msg = kNone;  // index into the messages, kNone for a dummy
  int parent = kNone;
  std::vector<int> children;
};

class Forest {
 public:
  explicit Forest(const std::vector<const SortMessage*>& msgs) : msgs_(msgs) {}

  int add(int msg = kNone) {
    nodes_.push_back(Container{msg, kNone, {}});
    return static_cast<int>(nodes_.size()) - 1;
  }
  Container& operator[](int i) { return nodes_[static_cast<size_t>(i)]; }
  size_t size() const { return nodes_.size(); }

  // True when `a` is `b` or one of b's ancestors (also when the walk gets too long: treat as a
  // loop, so the link is not made).
  bool is_ancestor_or_self(int a, int b) const {
    size_t steps = 0;
    for (int x = b; x != kNone; x = nodes_[static_cast<size_t>(x)].parent) {
      if (x == a || ++steps > kMaxThreadWalk) return true;
    }
    return false;
  }

  void unlink(int child) {
    int p = nodes_[static_cast<size_t>(child)].parent;
    if (p == kNone) return;
    auto& siblings = nodes_[static_cast<size_t>(p)].children;
    siblings.erase(std::find(siblings.begin(), siblings.end(), child));
    nodes_[static_cast<size_t>(child)].parent = kNone;
  }

  void link(int parent, int child) {
    nodes_[static_cast<size_t>(child)].parent = parent;
    nodes_[static_cast<size_t>(parent)].children.push_back(child);
  }

  // Every container under `roots` (and the roots), children before their parent.
  std::vector<int> post_order(const std::vector<int>& roots) const {
    std::vector<int> out;
    std::vector<std::pair<int, size_t>> stack;
    for (int r : roots) {
      stack.push_back({r, 0});
      while (!stack.empty()) {
        auto& [n, next] = stack.back();
        const auto& ch = nodes_[static_cast<size_t>(n)].children;
        if (next < ch.size()) {
          int c = ch[next++];
          stack.push_back({c, 0});
        } else {
          out.push_back(n);
          stack.pop_back();
        }
      }
    }
    return out;
  }

  // The message a container is ordered by: itself, or a dummy's first child's.
  const SortMessage* key(int n) const {
    for (size_t steps = 0; n != kNone && steps <= kMaxThreadWalk; ++steps) {
      const Container& c = nodes_[static_cast<size_t>(n)];
      if (c.msg != kNone) return msgs_[static_cast<size_t>(c.msg)];
      n = c.children.empty() ? kNone : c.children.front();
    }
    return nullptr;
  }

  // Siblings by sent date at every level (children before parents, so a dummy is ordered by
  // its earliest child), then the roots.
  void sort_all(std::vector<int>& roots) {
    std::vector<Keyed> scratch;
    for (int n : post_order(roots)) {
      auto& ch = nodes_[static_cast<size_t>(n)].children;
      if (ch.size() >= 2) sort_by_key(ch, scratch);
    }
    sort_by_key(roots, scratch);
  }

  // `list` by its key messages' sent date, then sequence number (containers without a key
  // last), stable: each entry's key is looked up once into a compact
  // (keyless last, sent, seq, position) entry, which is unique, so a plain sort is stable.
  struct Keyed {
    bool keyless;
    std::int64_t sent;
    std::uint32_t seq;
    std::uint32_t position;
    int node;
  };
  void sort_by_key(std::vector<int>& list, std::vector<Keyed>& scratch) const {
    scratch.clear();
    for (size_t i = 0; i < list.size(); ++i) {
      const SortMessage* m = key(list[i]);
      scratch.push_back(Keyed{m == nullptr, m ? m->sent : 0, m ? m->seq : 0,
                              static_cast<std::uint32_t>(i), list[i]});
    }
    std::sort(scratch.begin(), scratch.end(), [](const Keyed& a, const Keyed& b) {
      if (a.keyless != b.keyless) return b.keyless;
      if (a.sent != b.sent) return a.sent < b.sent;
      if (a.seq != b.seq) return a.seq < b.seq;
      return a.position < b.position;
    });
    for (size_t i = 0; i < list.size(); ++i) list[i] = scratch[i].node;
  }

  std::string render(const std::vector<int>& roots, bool uid) const {
    std::string out;
    out.reserve(msgs_.size() * 9);
    std::vector<std::pair<int, bool>> todo;  // (container, wrap in parentheses); kNone = ")"
    for (auto r = roots.rbegin(); r != roots.rend(); ++r) todo.push_back({*r, true});
    while (!todo.empty()) {
      auto [n, wrap] = todo.back();
      todo.pop_back();
      if (n == kNone) {
        out += ')';
        continue;
      }
      if (wrap) {
        out += '(';
        todo.push_back({kNone, false});
      }
      const Container& c = nodes_[static_cast<size_t>(n)];
      if (c.msg != kNone) {
        const SortMessage& m = *msgs_[static_cast<size_t>(c.msg)];
        append_number(out, uid ? m.uid : m.seq);
        if (c.children.size() == 1) {
          out += ' ';
          todo.push_back({c.children[0], false});
          continue;
        }
        if (!c.children.empty()) out += ' ';
      }
      for (auto ch = c.children.rbegin(); ch != c.children.rend(); ++ch)
        todo.push_back({*ch, true});
    }
    return out;
  }

 private:
  const std::vector<const SortMessage*>& msgs_;
  std::vector<Container> nodes_;
};

std::string ordered_subject(const std::vector<const SortMessage*>& msgs, bool uid) {
  std::vector<size_t> order(msgs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const SortMessage& a = *msgs[x];
    const SortMessage& b = *msgs[y];
    if (int r = a.subject.compare(b.subject); r != 0) return r < 0;
    if (a.sent != b.sent) return a.sent < b.sent;
    return a.seq < b.seq;
  });
  Forest f(msgs);
  std::vector<int> roots;
  for (size_t i = 0; i < order.size(); ++i) {
    int n = f.add(static_cast<int>(order[i]));
    if (i > 0 && msgs[order[i]]->subject == msgs[order[i - 1]]->subject) {
      f.link(roots.back(), n);  // children stay in (sent, seq) order
    } else {
      roots.push_back(n);
    }
  }
  std::vector<Forest::Keyed> scratch;
  f.sort_by_key(roots, scratch);
  return f.render(roots, uid);
}

std::string references(const std::vector<const SortMessage*>& msgs, bool uid) {
  Forest f(msgs);
  // Keys view the messages' strings (alive for the whole call): no copies.
  std::unordered_map<std::string_view, int> by_id;
  by_id.reserve(msgs.size() * 2);
  auto container_of = [&](std::string_view id) {
    auto [it, inserted] = by_id.try_emplace(id, kNone);
    if (inserted) it->second = f.add();
    return it->second;
  };
  // (1) Messages in sequence order, so the first of duplicate Message-IDs keeps the id.
  std::vector<size_t> by_seq(msgs.size());
  for (size_t i = 0; i < by_seq.size(); ++i) by_seq[i] = i;
  auto seq_less = [&](size_t a, size_t b) { return msgs[a]->seq < msgs[b]->seq; };
  if (!std::is_sorted(by_seq.begin(), by_seq.end(), seq_less)) {
    std::sort(by_seq.begin(), by_seq.end(), seq_less);
  }
  for (size_t i : by_seq) {
    const SortMessage& m = *msgs[i];
    int self = kNone;
    if (!m.message_id.empty()) {
      int c = container_of(m.message_id);
      if (f[c].msg == kNone) self = c;
    }
    if (self == kNone) self = f.add();  // no id, or a duplicate: a unique one
    f[self].msg = static_cast<int>(i);
    // (1A) The references link each to the next, where that adds no loop and the child has
    // no parent yet.
    int prev = kNone;
    for (const std::string& ref : m.references) {
      int c = container_of(ref);
      if (prev != kNone && f[c].parent == kNone && !f.is_ancestor_or_self(c, prev)) f.link(prev, c);
      prev = c;
    }
    // (1B) The message's parent is its last reference (replacing an older guess), or none.
    if (prev != kNone && f.is_ancestor_or_self(self, prev)) continue;  // would loop: keep as is
    f.unlink(self);
    if (prev != kNone) f.link(prev, self);
  }
  // (2) The roots.
  std::vector<int> roots;
  for (size_t n = 0; n < f.size(); ++n) {
    if (f[static_cast<int>(n)].parent == kNone) roots.push_back(static_cast<int>(n));
  }
  // (3) Prune dummies: empty ones go, others give their children to their parent's level
  // (at the root level only a dummy with one child does).
  auto prune = [&](std::vector<int>& list, int parent, bool root_level) {
    // Most lists hold messages only: nothing to do, nothing to allocate.
    if (std::none_of(list.begin(), list.end(), [&](int c) { return f[c].msg == kNone; })) return;
    std::vector<int> kept;
    for (int c : list) {
      if (f[c].msg != kNone) {
        kept.push_back(c);
        continue;
      }
      auto& ch = f[c].children;
      if (ch.empty()) continue;
      if (root_level && ch.size() > 1) {
        kept.push_back(c);
        continue;
      }
      for (int g : ch) {
        f[g].parent = parent;
        kept.push_back(g);
      }
      ch.clear();
    }
    list = std::move(kept);
  };
  for (int n : f.post_order(roots)) prune(f[n].children, n, false);
  prune(roots, kNone, true);
  // (4) Roots by sent date (a dummy by its earliest child).
  f.sort_all(roots);
  // (5) Roots with the same base subject come together.
  auto subject_of = [&](int n) -> const SortMessage* { return f.key(n); };
  std::unordered_map<std::string_view, int> table;
  for (int r : roots) {
    const SortMessage* m = subject_of(r);
    if (m == nullptr || m->subject.empty()) continue;
    auto [it, inserted] = table.try_emplace(m->subject, r);
    if (inserted) continue;
    int t = it->second;
    bool r_dummy = f[r].msg == kNone, t_dummy = f[t].msg == kNone;
    if ((r_dummy && !t_dummy) ||
        (!r_dummy && !t_dummy && subject_of(t)->reply_or_forward && !m->reply_or_forward)) {
      it->second = r;
    }
  }
  std::vector<int> merged;
  std::vector<bool> gone(f.size(), false);
  for (int r : roots) {
    if (gone[static_cast<size_t>(r)]) continue;
    const SortMessage* m = subject_of(r);
    auto it = (m == nullptr || m->subject.empty()) ? table.end() : table.find(m->subject);
    if (it == table.end() || it->second == r) {
      merged.push_back(r);
      continue;
    }
    int t = it->second;
    bool r_dummy = f[r].msg == kNone, t_dummy = f[t].msg == kNone;
    if (r_dummy && t_dummy) {
      for (int c : f[r].children) f.link(t, c);
      f[r].children.clear();
    } else if (t_dummy) {
      f.link(t, r);
    } else if (r_dummy) {
      f.link(r, t);  // cannot happen (the table prefers dummies); kept for completeness
      it->second = r;
      gone[static_cast<size_t>(t)] = true;
      std::replace(merged.begin(), merged.end(), t, r);
    } else if (m->reply_or_forward && !subject_of(t)->reply_or_forward) {
      f.link(t, r);
    } else {
      int d = f.add();
      gone.push_back(false);
      // The dummy takes the table message's place among the roots.
      auto pos = std::find(merged.begin(), merged.end(), t);
      f.link(d, t);
      f.link(d, r);
      it->second = d;
      if (pos != merged.end()) {
        *pos = d;
      } else {
        gone[static_cast<size_t>(t)] = true;  // t comes later in `roots`: skip it there
        merged.push_back(d);
      }
    }
  }
  // (6) Siblings by sent date everywhere.
  f.sort_all(merged);
  return f.render(merged, uid);
}

}  // namespace

std::optional<ThreadAlgorithm> parse_thread_algorithm(std::string_view name) {
  std::string u(name);
  for (char& c : u) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  if (u == "ORDEREDSUBJECT") return ThreadAlgorithm::kOrderedSubject;
  if (u == "REFERENCES") return ThreadAlgorithm::kReferences;
  return std::nullopt;
}

std::string thread_messages(const std::vector<const SortMessage*>& msgs, ThreadAlgorithm algorithm,
                            bool uid) {
  if (msgs.empty()) return std::string();
  return algorithm == ThreadAlgorithm::kOrderedSubject ? ordered_subject(msgs, uid)
                                                       : references(msgs, uid);
}

std::string thread_messages(const std::vector<SortMessage>& msgs, ThreadAlgorithm algorithm,
                            bool uid) {
  std::vector<const SortMessage*> ptrs(msgs.size());
  for (size_t i = 0; i < msgs.size(); ++i) ptrs[i] = &msgs[i];
  return thread_messages(ptrs, algorithm, uid);
}

}  // namespace imap

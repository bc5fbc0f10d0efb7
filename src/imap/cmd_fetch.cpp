// FETCH and UID FETCH (RFC 3501 6.4.5), as a resumable job: the messages are answered in
// batches (at most kBatchMessages messages or kBatchBytes of buffered text each), each batch
// built on a worker thread (file reads, MIME structures, \Seen updates) and sent from the
// loop thread; big body regions go out as file streams pulled as the socket drains. After a
// batch, a marker queued behind its output starts the next batch only once that output has
// reached the socket layer, so a FETCH 1:* of 100,000 messages neither fills memory nor holds
// the loop: other sessions run between batches. Input stays paused until the tagged answer, so
// commands are still answered in order.
#include <algorithm>
#include <memory>
#include <optional>

#include "imap/command_table.h"
#include "imap/condstore.h"
#include "imap/fetch_binary.h"
#include "imap/fetch_items.h"
#include "imap/fetch_response.h"
#include "imap/response_code.h"
#include "imap/search_result.h"
#include "imap/selected_box.h"
#include "imap/session.h"
#include "imap/structure_cache.h"

namespace imap {

namespace {

constexpr size_t kBatchMessages = 256;
// FETCHes of view items only (FLAGS, UID, RFC822.SIZE...: no file opened) take bigger
// batches: fewer trips between the worker and the loop thread (still bounded by kBatchBytes).
constexpr size_t kViewBatchMessages = 4096;
constexpr size_t kBatchBytes = 1 << 20;

struct FetchJob {
  std::string tag;
  bool uid = false;
  SequenceSet set;
  std::vector<FetchItem> items;
  bool sets_seen = false;
  FetchModifiers modifiers;   // CHANGEDSINCE / VANISHED (RFC 7162)
  bool needs_modseq = false;  // MODSEQ asked for or implied: the log must be open

  // Worker-side progress.
  bool resolved = false;
  std::vector<std::uint32_t> uids;           // the UIDs to answer, ascending
  size_t next = 0;                           // index into uids of the next message
  bool vanished = false;                     // some messages' files were gone
  std::vector<std::uint32_t> flags_changed;  // found by a sync made during the FETCH
  // Where the previous message was found in the view and in the client's UIDs: uids are
  // ascending, so the next one is usually right after (else a binary search).
  size_t view_hint = 0, seq_hint = 0;
  bool finished = false;
  maildir::Status status;

  // The current batch's output, handed from the worker to the loop thread.
  FetchOutput out;
};

// Sets \Seen on the messages of uids[from, to) that lack it; returns their UIDs ascending.
maildir::Result<std::vector<std::uint32_t>> mark_seen(maildir::Mailbox& mb,
                                                      const std::vector<std::uint32_t>& uids,
                                                      size_t from, size_t to) {
  std::vector<std::uint32_t> newly;
  for (size_t k = from; k < to; ++k) {
    auto i = mb.find_uid(uids[k]);
    if (i && !mb.flags(*i).has(maildir::kFlagSeen)) newly.push_back(uids[k]);
  }
  if (newly.empty()) return newly;
  maildir::FlagStore st;
  st.mode = maildir::StoreMode::kAdd;
  st.system = maildir::kFlagSeen;
  auto r = mb.store(newly, st);
  if (!r.ok()) return r.status();
  return newly;
}

// One batch, on a worker thread.
void run_batch(SelectedBox& box, FetchJob& job) {
  maildir::Mailbox& mb = box.mailbox;
  if (!job.resolved) {
    job.resolved = true;
    if (job.needs_modseq) {
      maildir::Status st = ensure_modseq(box);
      if (!st.ok()) {
        job.status = st;
        job.finished = true;
        return;
      }
    }
    if (job.uid) {
      std::vector<size_t> idx;
      resolve_set(box, job.set, true, idx);
      for (size_t i : idx) job.uids.push_back(mb.record(i).uid);
    } else {
      // Every message the client knows by these numbers, also one whose file is gone
      // (answered NO [EXPUNGEISSUED] below).
      auto n = static_cast<std::uint32_t>(box.client_uids.size());
      for (std::uint32_t seq = 1; seq <= n; ++seq) {
        if (job.set.contains(seq, n)) job.uids.push_back(box.client_uids[seq - 1]);
      }
    }
    if (job.modifiers.changed_since) {
      // RFC 7162 3.1.4.1: only messages changed since; VANISHED (EARLIER) first for UIDs
      // of the set expunged since.
      const std::uint64_t since = *job.modifiers.changed_since;
      if (job.modifiers.vanished) job.out.text(vanished_earlier(box, since, &job.set));
      std::erase_if(job.uids, [&](std::uint32_t u) { return modseq_of(box, u) <= since; });
    }
  }
  const bool view_only = only_view_items(job.items);
  const size_t batch = view_only ? kViewBatchMessages : kBatchMessages;
  size_t end = std::min(job.uids.size(), job.next + batch);
  // ~60 bytes a line: one allocation for the batch's text instead of regrowing it.
  if (view_only) job.out.text_target().reserve(std::min((end - job.next) * 72, kBatchBytes));
  std::vector<std::uint32_t> newly_seen;
  if (job.sets_seen) {
    auto r = mark_seen(mb, job.uids, job.next, end);
    if (!r.ok()) {
      job.status = r.status();
      job.finished = true;
      return;
    }
    newly_seen = std::move(*r);
    note_changed(box, newly_seen);
  }
  size_t k = job.next;
  for (; k < end && job.out.text_bytes < kBatchBytes; ++k) {
    std::uint32_t u = job.uids[k];
    std::optional<size_t> i;
    if (job.view_hint < mb.count() && mb.record(job.view_hint).uid == u) {
      i = job.view_hint;
    } else {
      i = mb.find_uid(u);
    }
    if (i) job.view_hint = *i + 1;
    std::uint32_t seq = 0;
    if (job.seq_hint < box.client_uids.size() && box.client_uids[job.seq_hint] == u) {
      seq = static_cast<std::uint32_t>(job.seq_hint + 1);
    } else {
      seq = seq_of(box, u);
    }
    if (seq != 0) job.seq_hint = seq;
    if (!i || seq == 0) {
      job.vanished = true;
      continue;
    }
    bool seen_now = std::binary_search(newly_seen.begin(), newly_seen.end(), u);
    maildir::Status s = fetch_message(box, *i, seq, job.items, seen_now, job.out);
    if (s.code() == maildir::Code::kNotFound) {
      // The file is not where the view saw it: renamed by a flag change elsewhere, or
      // expunged. A sync tells which (its flag changes are reported at the end).
      auto ch = mb.sync();
      if (ch.ok()) {
        job.flags_changed.insert(job.flags_changed.end(), ch->flags_changed.begin(),
                                 ch->flags_changed.end());
        if ((i = mb.find_uid(u))) s = fetch_message(box, *i, seq, job.items, seen_now, job.out);
      }
    }
    if (s.code() == maildir::Code::kNotFound) {
      // The file vanished (expunged elsewhere, not yet reported): leave the message out.
      job.vanished = true;
    } else if (!s.ok()) {
      job.status = s;
      job.finished = true;
      break;
    }
  }
  job.next = k;
  if (box.structures) box.structures->flush(mb.count());
  if (job.next >= job.uids.size()) job.finished = true;
  if (job.finished) {
    auto updates = sync_updates(box, false, std::move(job.flags_changed));
    if (updates.ok()) {
      job.out.text(*updates);
    } else if (job.status.ok()) {
      job.status = updates.status();
    }
  }
}

void step(Session& s, std::shared_ptr<SelectedBox> box, std::shared_ptr<FetchJob> job);

// On the loop thread: send what the batch produced, then finish or continue.
void deliver(Session& s, std::shared_ptr<SelectedBox> box, std::shared_ptr<FetchJob> job) {
  net::Connection& c = s.conn();
  for (FetchOutput::Piece& p : job->out.pieces) {
    if (p.file) {
      if (!p.encoding.empty()) {
        c.send(
            decoded_source(std::move(p.file), p.offset, p.length, std::move(p.encoding), p.window));
      } else {
        c.send(window_source(std::move(p.file), p.offset, p.length, p.window));
      }
    } else {
      c.send(std::move(p.text));
    }
  }
  job->out = FetchOutput{};
  if (job->finished) {
    if (is_unknown_cte(job->status)) {
      s.tagged(job->tag, "NO [UNKNOWN-CTE] Unknown Content-Transfer-Encoding.");
    } else if (!job->status.ok()) {
      s.tagged(job->tag, no_response(job->status));
    } else if (job->vanished) {
      // RFC 5530: some messages were expunged by another session meanwhile.
      s.tagged(job->tag, "NO [EXPUNGEISSUED] Some of the requested messages no longer exist.");
    } else {
      s.tagged(job->tag, "OK Fetch completed.");
    }
    s.finish_async();
    return;
  }
  // Continue once the client has taken this batch (the marker is pulled when everything
  // before it has been handed to the socket); the timer returns to the loop first.
  c.send(marker_source([&s, box, job] {
    s.conn().after(std::chrono::milliseconds(0), [&s, box, job] { step(s, box, job); });
  }));
}

void step(Session& s, std::shared_ptr<SelectedBox> box, std::shared_ptr<FetchJob> job) {
  s.conn().run_blocking([box, job] { run_batch(*box, *job); },
                        [&s, box, job] { deliver(s, box, job); });
}

}  // namespace

void cmd_fetch(Session& s, Command& c) {
  bool uid = c.name == "UID FETCH";
  std::optional<SequenceSet> set;
  if (!(set = sequence_set_arg(*s.selected(), c.args[0], uid))) {
    s.bad(c.tag, "Invalid sequence set.");
    return;
  }
  std::string error;
  auto items = parse_fetch_items(c.args[1], uid, error);
  if (!items) {
    s.bad(c.tag, "Error in FETCH: " + error);
    return;
  }
  FetchModifiers modifiers;
  if (c.args.size() > 2 &&
      !parse_fetch_modifiers(c.args[2], uid, s.modseq_mode().qresync, modifiers, error)) {
    s.bad(c.tag, "Error in FETCH: " + error);
    return;
  }
  std::shared_ptr<SelectedBox> box = s.selected();
  std::vector<size_t> idx;
  if (!resolve_set(*box, *set, uid, idx)) {
    s.bad(c.tag, "Error in FETCH: invalid sequence number.");
    return;
  }
  auto job = std::make_shared<FetchJob>();
  job->tag = c.tag;
  job->uid = uid;
  job->set = *set;
  for (const FetchItem& i : *items)
    job->sets_seen =
        job->sets_seen ||
        ((i.kind == FetchItem::Kind::kBody || i.kind == FetchItem::Kind::kBinary) && !i.peek);
  job->sets_seen = job->sets_seen && !box->read_only;
  // CONDSTORE: MODSEQ asked for, CHANGEDSINCE (which implies MODSEQ), or \Seen set by a
  // session with CONDSTORE on (its FLAGS change carries the new MODSEQ).
  bool has_modseq = false;
  for (const FetchItem& i : *items) has_modseq = has_modseq || i.kind == FetchItem::Kind::kModseq;
  if (has_modseq || modifiers.changed_since) enable_condstore(s);
  if (!has_modseq && (modifiers.changed_since || (job->sets_seen && box->condstore))) {
    FetchItem m;
    m.kind = FetchItem::Kind::kModseq;
    m.response_name = "MODSEQ";
    items->push_back(std::move(m));
    has_modseq = true;
  }
  job->needs_modseq = has_modseq;
  job->modifiers = modifiers;
  job->items = std::move(*items);
  s.begin_async();
  step(s, std::move(box), std::move(job));
}

}  // namespace imap

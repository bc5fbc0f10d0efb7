// THREAD (RFC 5256 section 4): ORDEREDSUBJECT and REFERENCES over the messages a search found,
// rendered as the THREAD response's thread list, e.g. "(2)(3 6 (4 23)(44 7 96))".
//
// ORDEREDSUBJECT: messages grouped by base subject; in each group the oldest (sent date, then
// sequence) is the parent of the others; threads in order of their first message's sent date.
// REFERENCES: the RFC's algorithm — parent/child links from References (or the first
// In-Reply-To id), each message's own Message-ID (duplicates and missing ones made unique),
// dummy containers pruned, roots with the same base subject merged, siblings ordered by sent
// date. Link chains are walked at most kMaxThreadWalk steps (a longer chain is not linked
// further), and nothing recurses, so a hostile mailbox costs bounded time and stack.
//
// Pure: no I/O; any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/sort.h"

namespace imap {

enum class ThreadAlgorithm { kOrderedSubject, kReferences };

inline constexpr size_t kMaxThreadWalk = 1000;

// "ORDEREDSUBJECT" / "REFERENCES" (any case); nullopt otherwise.
std::optional<ThreadAlgorithm> parse_thread_algorithm(std::string_view name);

// The thread list for `msgs` (any order; made with kNeedThreadIds for REFERENCES), numbered by
// UID when `uid`, else by sequence number. "" when `msgs` is empty.
// The pointer form threads messages owned elsewhere (the session's key cache) without copying
// them; none may be null.
std::string thread_messages(const std::vector<const SortMessage*>& msgs, ThreadAlgorithm algorithm,
                            bool uid);
std::string thread_messages(const std::vector<SortMessage>& msgs, ThreadAlgorithm algorithm,
                            bool uid);

}  // namespace imap

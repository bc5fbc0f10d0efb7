// SEARCHRES (RFC 5182): the saved search result `$`, and WITHIN's (RFC 5032) clock.
//
// `SEARCH RETURN (SAVE ...)` keeps its matches as UIDs in SelectedBox::saved_result (a new
// SelectedBox at SELECT/EXAMINE starts empty; CLOSE/UNSELECT drop it). `$` names them in any
// later command that takes a sequence set (FETCH, STORE, COPY, MOVE, UID EXPUNGE and the UID
// forms) and as a SEARCH/SORT/THREAD key (`$`, `UID $`). Expunged messages drop out when `$`
// is read (their UIDs are no longer in the view). `$` stands alone: "1,$" is a syntax error
// (RFC 5182's grammar: seq-last-command = "$").
//
// Commands run one at a time and in order (session.h), so a `$` pipelined after a SEARCH
// with SAVE always reads that SEARCH's result, never an older one.
//
// Loop thread (the selected box is not used by a worker while a command is being parsed).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "imap/parser.h"
#include "imap/search_program.h"
#include "imap/sequence_set.h"

namespace imap {

struct SelectedBox;

// A command's sequence-set argument: an atom with a sequence set, or `$` = the saved result
// in the numbering the command uses (UIDs when `uid`, else sequence numbers of the messages
// the client knows). nullopt when it is neither (the caller answers BAD).
std::optional<SequenceSet> sequence_set_arg(const SelectedBox& box, const Arg& arg, bool uid);

// Fills in what a parsed program leaves open: kSaved keys get `saved` (ascending UIDs),
// OLDER/YOUNGER their cutoff `now - interval` (epoch seconds). Pure.
void bind_search_context(SearchKey& key, const std::vector<std::uint32_t>& saved, std::int64_t now);

// What `SEARCH RETURN (options)` with SAVE keeps (RFC 5182 section 2.4): with MIN and/or MAX
// but neither ALL nor COUNT only those messages, otherwise all matches. `hits` ascending.
std::vector<std::uint32_t> saved_selection(unsigned esearch_options,
                                           const std::vector<std::uint32_t>& hits);

// True if the RETURN list `arg` names SAVE (also when the list is otherwise invalid).
bool return_list_has_save(const Arg& arg);

}  // namespace imap

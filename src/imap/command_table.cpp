#include "imap/command_table.h"

#include <cstdint>

namespace imap {

namespace {

constexpr size_t kMany = SIZE_MAX;

const CommandSpec kCommands[] = {
    {"CAPABILITY", cmd_capability, kAnyState, 0, 0},
    {"NOOP", cmd_noop, kAnyState, 0, 0},
    {"LOGOUT", cmd_logout, kAnyState, 0, 0},
    {"ID", cmd_id, kAnyState, 1, 1},
    {"STARTTLS", cmd_starttls, kNotAuth, 0, 0},
    {"LOGIN", cmd_login, kNotAuth, 2, 2},
    {"AUTHENTICATE", cmd_authenticate, kNotAuth, 1, 2},
    {"ENABLE", cmd_enable, kAuthOrSelected, 1, kMany},
    {"NOTIFY", cmd_notify, kAuthOrSelected, 1, kMany},
    {"NAMESPACE", cmd_namespace, kAuthOrSelected, 0, 0},
    {"LIST", cmd_list_extended, kAuthOrSelected, 2, 5},
    {"LSUB", cmd_list, kAuthOrSelected, 2, 2},
    {"CREATE", cmd_create, kAuthOrSelected, 1, 2},
    {"DELETE", cmd_delete, kAuthOrSelected, 1, 1},
    {"RENAME", cmd_rename, kAuthOrSelected, 2, 2},
    {"SUBSCRIBE", cmd_subscribe, kAuthOrSelected, 1, 1},
    {"UNSUBSCRIBE", cmd_subscribe, kAuthOrSelected, 1, 1},
    {"STATUS", cmd_status, kAuthOrSelected, 2, 2},
    {"IDLE", cmd_idle, kAuthOrSelected, 0, 0},
    {"APPEND", cmd_append, kAuthOrSelected, 2, 4},
    {"GETQUOTA", cmd_getquota, kAuthOrSelected, 1, 1},
    {"GETQUOTAROOT", cmd_getquotaroot, kAuthOrSelected, 1, 1},
    {"SETQUOTA", cmd_setquota, kAuthOrSelected, 2, 2},
    {"SELECT", cmd_select, kAuthOrSelected, 1, 2},
    {"EXAMINE", cmd_select, kAuthOrSelected, 1, 2},
    {"CHECK", cmd_check, kSelectedState, 0, 0},
    {"CLOSE", cmd_unselect, kSelectedState, 0, 0},
    {"UNSELECT", cmd_unselect, kSelectedState, 0, 0},
    {"EXPUNGE", cmd_expunge, kSelectedState, 0, 0},
    {"UID EXPUNGE", cmd_expunge, kSelectedState, 1, 1},
    {"FETCH", cmd_fetch, kSelectedState, 2, 3},
    {"UID FETCH", cmd_fetch, kSelectedState, 2, 3},
    {"SEARCH", cmd_search, kSelectedState, 1, kMany},
    {"UID SEARCH", cmd_search, kSelectedState, 1, kMany},
    {"SORT", cmd_sort, kSelectedState, 3, kMany},
    {"UID SORT", cmd_sort, kSelectedState, 3, kMany},
    {"THREAD", cmd_thread, kSelectedState, 3, kMany},
    {"UID THREAD", cmd_thread, kSelectedState, 3, kMany},
    {"STORE", cmd_store, kSelectedState, 3, kMany},
    {"UID STORE", cmd_store, kSelectedState, 3, kMany},
    {"COPY", cmd_copy, kSelectedState, 2, 2},
    {"UID COPY", cmd_copy, kSelectedState, 2, 2},
    {"MOVE", cmd_copy, kSelectedState, 2, 2},
    {"UID MOVE", cmd_copy, kSelectedState, 2, 2},
    {"COMPRESS", cmd_compress, kAuthOrSelected, 1, 1},
};

}  // namespace

const CommandSpec* find_command(std::string_view name) {
  for (const CommandSpec& spec : kCommands) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace imap

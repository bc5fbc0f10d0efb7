// `tegami maildir make <dir>`: create a Maildir++ root (tmp/ new/ cur/, mode 0700).
#include <cstdio>

#include "command.h"
#include "maildir/maildir.h"

namespace tegami_cli {
namespace {

int maildir_make(const Invocation& inv) {
  if (inv.args.size() != 1 || inv.args[0].empty()) return usage_error("maildir make");
  maildir::Result<maildir::Maildir> md = maildir::Maildir::create(inv.args[0]);
  if (!md) {
    std::fprintf(stderr, "tegami maildir make: %s\n", md.status().to_string().c_str());
    return 1;
  }
  return 0;
}

Register r_make{
    {"maildir make", "<dir>", "create a Maildir++ root (tmp/ new/ cur/)", &maildir_make}};

}  // namespace
}  // namespace tegami_cli

// The key table's entry points (schema.h): parse or emit a whole file, the example config, the
// built-in plans. The rows are in schema_server.cpp and schema_domain.cpp; the machinery that
// runs them in schema_codecs.h. Validation across keys lives in load.cpp.
#include "config/schema.h"

#include "config/schema_codecs.h"

namespace tegami::config::schema {

Pos pos_of(const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  if (m.is_null()) return {};
  return {m.line + 1, m.column + 1};
}

void Ctx::error(Pos pos, std::string message) const {
  errors->push_back(Diagnostic{file, pos.line, pos.column, std::move(message)});
}

using detail::emit_struct;
using detail::example_struct;
using detail::parse_struct;

bool parse_main(Ctx& ctx, const YAML::Node& root, MainDoc& out) {
  return parse_struct(ctx, root, out);
}
bool parse_domain(Ctx& ctx, const YAML::Node& root, DomainDoc& out) {
  return parse_struct(ctx, root, out);
}
void emit_main(YAML::Emitter& out, const MainDoc& doc) {
  emit_struct(out, doc);
}

std::string render_example() {
  std::string out =
      "# tegami main configuration: every key, with its default or an example value.\n"
      "# Generated from the key table (tegami::config::example_config()); do not edit by hand.\n"
      "# Sizes of mailboxes and domains are whole MB (50, 50MB, 5GB); durations take ms, s, m, "
      "h, d.\n"
      "# Relative paths are relative to the directory of the file that contains them.\n";
  example_struct<MainDoc>(out, 0);
  return out;
}

std::vector<Plan> builtin_plans() {
  std::vector<Protocol> all = {Protocol::kSmtp, Protocol::kSubmission, Protocol::kPop3,
                               Protocol::kImap};
  return {
      Plan{"basic", 20, 50, QuotaPolicy::kOvershoot, all},
      Plan{"standard", 50, 0, QuotaPolicy::kOvershoot, all},
      Plan{"secure", 50, 0, QuotaPolicy::kOvershoot, all},
      Plan{"premium", 50, 0, QuotaPolicy::kOvershoot, all},
  };
}

}  // namespace tegami::config::schema

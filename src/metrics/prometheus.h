// Prometheus text exposition format (version 0.0.4), rendered from plain values.
//
// A Family is one metric name with its HELP, TYPE and samples; render() writes families in the
// order given, escaping HELP text (\\, \n) and label values (\\, \", \n) as the format requires.
// Names are not checked here: callers use fixed names matching [a-zA-Z_:][a-zA-Z0-9_:]*.
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tegami::metrics {

enum class Type { kCounter, kGauge };

struct Sample {
  std::vector<std::pair<std::string, std::string>> labels;  // name, value (any bytes)
  std::uint64_t value = 0;
};

struct Family {
  std::string name;  // e.g. "tegami_connections_total"
  std::string help;  // one line
  Type type = Type::kCounter;
  std::vector<Sample> samples;
};

// The content type to send with render()'s output.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// "# HELP ...\n# TYPE ...\n<name>{a=\"b\"} <value>\n" for every family, in order. A family with
// no samples still gets its HELP and TYPE lines.
std::string render(const std::vector<Family>& families);

// A label value escaped for the format (backslash, double quote, newline).
std::string escape_label_value(std::string_view value);

}  // namespace tegami::metrics

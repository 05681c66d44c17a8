// MQTT topic name and topic filter validation, and filter matching.
#pragma once

#include <string>
#include <string_view>

namespace mqkit {

/// Why a topic or filter is invalid; empty if it is valid.
std::string topic_name_problem(std::string_view topic);
std::string topic_filter_problem(std::string_view filter);

/// True if `topic` matches `filter` (+ one level, # the rest; $-topics not matched by leading wildcards).
bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace mqkit

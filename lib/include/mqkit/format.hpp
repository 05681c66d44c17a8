// Renders a received message the way mosquitto_sub prints it (-v, -N, -F, --pretty).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mqkit {

/// One MQTT v5 user property (name, value), in the order received.
using user_property = std::pair<std::string, std::string>;

/// A message as mqsub received it: everything an output format can show.
struct received_message {
    std::string topic;                                    ///< topic name (%t)
    std::string payload;                                  ///< raw payload bytes (%p), may hold NUL bytes
    int qos = 0;                                          ///< 0-2 (%q)
    bool retained = false;                                ///< retain flag as received (%r)
    bool duplicate = false;                               ///< dup flag as received
    int mid = 0;                                          ///< packet identifier, 0 at QoS 0 (%m)
    std::chrono::system_clock::time_point received_at{};  ///< when mqsub received it (%I %U @...)

    // MQTT v5 properties, absent unless the broker sent them.
    std::optional<std::string> content_type;      ///< %C
    std::optional<std::string> correlation_data;  ///< %D (binary)
    std::optional<std::string> response_topic;    ///< %R
    std::optional<std::uint32_t> message_expiry;  ///< %E, seconds
    std::optional<int> payload_format_indicator;  ///< %F, 0 or 1
    std::vector<std::uint32_t> subscription_ids;  ///< %S
    std::optional<std::uint16_t> topic_alias;     ///< %A
    std::vector<user_property> user_properties;   ///< %P
    /// MQTT v5 property identifiers in the order they arrived (one entry per property, so a
    /// user property appears once per pair); %j/%J list properties in this order, as mosquitto_sub.
    std::vector<int> property_order;
};

/// How mqsub prints each message; mirrors mosquitto_sub's -v, -N, -F and --pretty.
struct output_options {
    bool verbose = false;               ///< -v: "topic payload"
    bool eol = true;                    ///< false with -N: no newline after each message
    bool pretty = false;                ///< --pretty: multi-line JSON for %j/%J
    std::optional<std::string> format;  ///< -F string, already validated
};

/// One -F specifier and what it prints, for shell completion and documentation.
struct format_specifier {
    std::string_view text;     ///< as written in a format, e.g. "%t"
    std::string_view meaning;  ///< one line, e.g. "topic"
};

/// Every specifier validate_format() accepts, with its meaning (mosquitto_sub's OUTPUT FORMAT).
const std::vector<format_specifier>& format_specifiers();

/// Checks a -F format string. Throws mqkit::usage_error whose message names the problem and its
/// byte position (e.g. a lone '%' at the end, an unknown specifier, a bad width).
void validate_format(std::string_view format);

/// Appends the rendering of `msg` under `opts` to `out`, exactly as mosquitto_sub 2.0.11 writes
/// it to stdout (including the trailing newline rules). Returns false when a %J payload was not
/// valid JSON (that specifier printed nothing; the caller warns, as mosquitto_sub does).
bool render_message(std::string& out, const received_message& msg, const output_options& opts);

/// Appends the JSON object mosquitto_sub prints for %j (`embed_payload` false: the payload as a
/// string) or %J (true: the payload parsed as JSON). Returns false, appending nothing, when %J's
/// payload is not valid JSON.
bool render_json(std::string& out, const received_message& msg, bool embed_payload, bool pretty);

}  // namespace mqkit

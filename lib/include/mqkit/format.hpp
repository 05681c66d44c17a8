// Renders a received message the way mosquitto_sub 2.1 prints it (-v, -N, -F, --pretty), from an
// output plan compiled once: the -F string is parsed into steps before the first message.
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
    std::optional<std::string> format;  ///< -F string as given (output_plan compiles it)
};

/// One -F specifier and what it prints, for shell completion and documentation.
struct format_specifier {
    std::string_view text;     ///< as written in a format, e.g. "%t"
    std::string_view meaning;  ///< one line, e.g. "topic"
};

/// Every specifier validate_format() accepts, with its meaning (mosquitto_sub's OUTPUT FORMAT):
/// the man page's OUTPUT FORMAT section and the shell completions are made from this table.
const std::vector<format_specifier>& format_specifiers();

/// The rest of the -F syntax, one entry each: the flags, width, precision and separator of a %
/// sequence, the @ time sequences and the \ escapes (the man page's OUTPUT FORMAT section).
const std::vector<format_specifier>& format_syntax();

/// How a -F conversion is written besides its letter: "%[-][0][width][.precision][separator]X".
struct field_options {
    bool left = false;     ///< '-': align left, padded with blanks on the right
    char pad = ' ';        ///< '0': pad with zeros (numbers, hex, %p) instead of blanks
    int width = 0;         ///< minimum width (for %p and %x also the most payload bytes), 0-65535
    int precision = -1;    ///< '.N': string maximum, float decimals, hex group size; -1 = none
    char separator = ' ';  ///< %x/%X: written between groups of `precision` nibbles
};

/// One step of a compiled -F format.
struct format_step {
    enum class kind : std::uint8_t {
        text,         ///< `text` as it is: plain characters, \ escapes, %% and @@, already decoded
        field,        ///< a % conversion: `letter` with `options`
        time,         ///< @X: strftime("%X") of the arrival time, X = `letter`
        nanoseconds,  ///< @N: nanoseconds of the arrival time, 9 digits
    };
    kind what = kind::text;
    char letter = 0;        ///< field: the conversion letter; time: the strftime letter
    field_options options;  ///< field only
    std::string text;       ///< text: the bytes to print; time: the strftime format, "%X"
};

/// Parses a -F format into steps, with the grammar of mosquitto_sub 2.1's check_format(). Throws
/// mqkit::usage_error whose message names the problem and its byte position (e.g. a lone '%' at
/// the end, an unknown specifier, a width over 65535).
std::vector<format_step> compile_format(std::string_view format);

/// Checks a -F format string: compile_format() without keeping the steps.
void validate_format(std::string_view format);

/// What rendering a message could not print. mqsub warns about each on stderr, as mosquitto_sub
/// prints an error for each, and the rest of the output is printed anyway.
struct render_problems {
    bool invalid_json = false;  ///< %J: the payload is not JSON (the %J printed nothing)
    bool not_float = false;     ///< %f: the payload is not 4 bytes (the %f printed nothing)
    bool not_double = false;    ///< %d: the payload is not 8 bytes (the %d printed nothing)

    bool any() const noexcept { return invalid_json || not_float || not_double; }
    /// One line for each problem, naming the topic, e.g. "the payload on topic 'a' is not valid
    /// JSON (%J)".
    std::vector<std::string> messages(std::string_view topic) const;
};

/// mqsub's output, compiled once from output_options: the -F string parsed into steps, so that a
/// message only runs the steps (mosquitto_sub parses its -F string again for every message).
class output_plan {
public:
    /// Compiles opts.format; throws mqkit::usage_error as validate_format() does.
    explicit output_plan(output_options opts = {});

    const output_options& options() const noexcept { return options_; }
    /// The compiled -F format; empty without -F.
    const std::vector<format_step>& steps() const noexcept { return steps_; }
    /// True when a step needs the local broken-down time (%I, %j, %J, @X other than @N and @@).
    bool needs_local_time() const noexcept { return needs_local_time_; }

private:
    output_options options_;
    std::vector<format_step> steps_;
    bool needs_local_time_ = false;
};

/// Appends the rendering of `msg` under `plan` to `out`, exactly as mosquitto_sub 2.1 writes it to
/// stdout (including the trailing newline rules), and says what it could not print.
render_problems render_message(std::string& out, const received_message& msg, const output_plan& plan);

/// Appends the JSON object mosquitto_sub 2.1 prints for %j (`embed_payload` false: the payload as a
/// string) or %J (true: the payload parsed as JSON). Returns false, appending nothing, when %J's
/// payload is not valid JSON.
bool render_json(std::string& out, const received_message& msg, bool embed_payload, bool pretty);

}  // namespace mqkit

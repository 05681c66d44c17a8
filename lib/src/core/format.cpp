// mosquitto_sub's output: plain, -v, -N and every -F specifier, byte for byte (sub_client_output.c, 2.0.11).
#include "mqkit/format.hpp"

#include "core/json.hpp"
#include "mqkit/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace mqkit {
namespace {

constexpr std::string_view specifiers = "%ACDEFIlmPpqRSrtjJUxX";
constexpr std::string_view escapes = "\\0aenrtv";

/// Broken-down local time and nanoseconds of a message's arrival (mosquitto uses localtime()).
struct arrival {
    std::tm tm{};
    long ns = 0;
    std::time_t seconds = 0;
};

arrival arrival_of(std::chrono::system_clock::time_point t) {
    arrival a;
    auto since = t.time_since_epoch();
    auto secs = std::chrono::floor<std::chrono::seconds>(since);
    a.seconds = static_cast<std::time_t>(secs.count());
    a.ns = static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count());
    localtime_r(&a.seconds, &a.tm);
    return a;
}

void append_strftime(std::string& out, const char* format, const std::tm& tm) {
    char buf[100];
    std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
    out.append(buf, n);
}

/// The largest -F field width or precision (mosquitto has no limit; printf of a larger width pads
/// each message with that many bytes).
constexpr int max_field = 65535;

/// One parsed "%[-][0][width][.precision]X".
struct spec {
    char conversion = 0;
    bool left = false;  // '-'
    char pad = ' ';     // '0' or ' '
    int width = 0;
    int precision = -1;
};

// mosquitto's write_payload(), including its quirks, kept because scripts parse this output:
// a width truncates the payload; with %x/%X a width halves the byte count; "%-p" pads with as many
// spaces as |width - length| (printf with a negative width).
void write_payload(std::string& out, std::string_view payload, int hex, const spec& s) {
    long len = static_cast<long>(payload.size());
    long padlen;
    if (s.width > 0) {
        if (len > s.width) len = s.width;
        if (hex > 0) {
            len /= 2;
            padlen = s.width - len * 2;
        } else {
            padlen = s.width - len;
        }
    } else {
        padlen = s.width - len;
    }
    if (!s.left)
        for (long i = 0; i < padlen; ++i) out += s.pad;
    auto bytes = payload.substr(0, static_cast<std::size_t>(len));
    if (hex == 0) {
        out.append(bytes);
    } else {
        const char* digits = hex == 1 ? "0123456789abcdef" : "0123456789ABCDEF";
        for (unsigned char c : bytes) {
            out += digits[c >> 4];
            out += digits[c & 0xF];
        }
    }
    if (s.left) out.append(static_cast<std::size_t>(padlen < 0 ? -padlen : padlen), ' ');
}

void write_int(std::string& out, long value, const spec& s) {
    if (s.width == 0)
        out += fmt::format("{}", value);
    else if (s.left)
        out += fmt::format("{:<{}}", value, s.width);
    else if (s.pad == '0')
        out += fmt::format("{:0{}}", value, s.width);
    else
        out += fmt::format("{:>{}}", value, s.width);
}

void write_str(std::string& out, std::string_view value, const spec& s) {
    if (auto nul = value.find('\0'); nul != std::string_view::npos) value = value.substr(0, nul);  // C strings
    if (s.precision >= 0 && value.size() > static_cast<std::size_t>(s.precision))
        value = value.substr(0, static_cast<std::size_t>(s.precision));
    std::size_t fill = s.width > 0 && value.size() < static_cast<std::size_t>(s.width)
                           ? static_cast<std::size_t>(s.width) - value.size()
                           : 0;
    if (!s.left) out.append(fill, ' ');
    out.append(value);
    if (s.left) out.append(fill, ' ');
}

void write_blank(std::string& out, char pad, int width) {
    out.append(static_cast<std::size_t>(width), pad);
}

void write_properties_json(json& root, const received_message& m) {
    json& props = root.add("properties", json::object());
    json* user = nullptr;
    std::size_t next_user = 0;
    std::size_t next_sub_id = 0;
    for (int id : m.property_order) {
        switch (id) {
            case 1:
                if (m.payload_format_indicator)
                    props.add("payload-format-indicator", json::number(*m.payload_format_indicator));
                break;
            case 2:
                if (m.message_expiry) props.add("message-expiry-interval", json::number(*m.message_expiry));
                break;
            case 3:
                if (m.content_type) props.add("content-type", json::string(*m.content_type));
                break;
            case 8:
                if (m.response_topic) props.add("response-topic", json::string(*m.response_topic));
                break;
            case 9:
                if (m.correlation_data) props.add("correlation-data", json::string(*m.correlation_data));
                break;
            case 11:
                if (next_sub_id < m.subscription_ids.size())
                    props.add("subscription-identifier", json::number(m.subscription_ids[next_sub_id++]));
                break;
            case 35:
                if (m.topic_alias) props.add("topic-alias", json::number(*m.topic_alias));
                break;
            case 38:
                if (next_user < m.user_properties.size()) {
                    if (!user) user = &props.add("user-properties", json::object());
                    const auto& [name, value] = m.user_properties[next_user++];
                    user->add(name, json::string(value));
                }
                break;
            default:
                break;
        }
    }
}

/// Renders a -F string whose syntax validate_format() has accepted. Returns false if a %J payload
/// was not JSON (that specifier then prints nothing, as in mosquitto_sub).
bool render_format(std::string& out, const received_message& m, const output_options& opts) {
    const std::string& f = *opts.format;
    const std::size_t len = f.size();
    bool ok = true;
    arrival when = arrival_of(m.received_at);
    for (std::size_t i = 0; i < len; ++i) {
        char c = f[i];
        if (c == '%') {
            if (i + 1 >= len) continue;
            spec s;
            ++i;
            if (f[i] == '-') {
                s.left = true;
                if (i < len - 1) ++i;
            }
            if (f[i] == '0') {
                s.pad = '0';
                if (i < len - 1) ++i;
            }
            // validate_format() caps both at max_field; saturate anyway rather than overflow.
            auto digit = [&](int v) { return std::min(max_field, v * 10 + (f[i++] - '0')); };
            while (i < len - 1 && f[i] >= '0' && f[i] <= '9') s.width = digit(s.width);
            if (f[i] == '.' && i < len - 1) {
                ++i;
                s.precision = 0;
                while (i < len - 1 && f[i] >= '0' && f[i] <= '9') s.precision = digit(s.precision);
            }
            s.conversion = f[i];
            switch (s.conversion) {
                case '%':
                    out += '%';
                    break;
                case 'A':
                    if (m.topic_alias)
                        write_int(out, *m.topic_alias, s);
                    else
                        write_blank(out, s.pad, s.width);
                    break;
                case 'C':
                    if (m.content_type)
                        write_str(out, *m.content_type, s);
                    else
                        write_blank(out, ' ', s.width);
                    break;
                case 'D':
                    if (m.correlation_data) out += *m.correlation_data;
                    break;
                case 'E':
                    if (m.message_expiry)
                        write_int(out, static_cast<int>(*m.message_expiry), s);
                    else
                        write_blank(out, s.pad, s.width);
                    break;
                case 'F':
                    if (m.payload_format_indicator)
                        write_int(out, *m.payload_format_indicator, s);
                    else
                        write_blank(out, s.pad, s.width);
                    break;
                case 'I': {
                    std::string t;
                    append_strftime(t, "%FT%T%z", when.tm);
                    write_str(out, t, s);
                    break;
                }
                case 'j':
                    render_json(out, m, false, opts.pretty);
                    break;
                case 'J':
                    ok = render_json(out, m, true, opts.pretty) && ok;
                    break;
                case 'l':
                    write_int(out, static_cast<long>(m.payload.size()), s);
                    break;
                case 'm':
                    write_int(out, m.mid, s);
                    break;
                case 'P':
                    for (std::size_t k = 0; k < m.user_properties.size(); ++k) {
                        if (k > 0) out += ' ';
                        write_str(out, m.user_properties[k].first, {});
                        out += ':';
                        write_str(out, m.user_properties[k].second, {});
                    }
                    break;
                case 'p':
                    write_payload(out, m.payload, 0, s);
                    break;
                case 'q':
                    out += static_cast<char>('0' + m.qos);
                    break;
                case 'R':
                    if (m.response_topic) write_str(out, *m.response_topic, s);
                    break;
                case 'r':
                    out += m.retained ? '1' : '0';
                    break;
                case 'S':
                    if (!m.subscription_ids.empty())
                        write_int(out, static_cast<int>(m.subscription_ids.front()), s);
                    else
                        write_blank(out, s.pad, s.width);
                    break;
                case 't':
                    write_str(out, m.topic, s);
                    break;
                case 'U':
                    out += fmt::format("{}.{:09}", static_cast<long long>(when.seconds), when.ns);
                    break;
                case 'x':
                    write_payload(out, m.payload, 1, s);
                    break;
                case 'X':
                    write_payload(out, m.payload, 2, s);
                    break;
                default:
                    break;
            }
        } else if (c == '@') {
            if (i + 1 >= len) continue;
            char k = f[++i];
            if (k == '@') {
                out += '@';
            } else if (k == 'N') {
                out += fmt::format("{:09}", when.ns);
            } else {
                const char strf[3] = {'%', k, '\0'};
                append_strftime(out, strf, when.tm);
            }
        } else if (c == '\\') {
            if (i + 1 >= len) continue;
            switch (f[++i]) {
                case '\\':
                    out += '\\';
                    break;
                case '0':
                    out += '\0';
                    break;
                case 'a':
                    out += '\a';
                    break;
                case 'e':
                    out += '\033';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'v':
                    out += '\v';
                    break;
                default:
                    break;
            }
        } else {
            out += c;
        }
    }
    if (opts.eol) out += '\n';
    return ok;
}

}  // namespace

const std::vector<format_specifier>& format_specifiers() {
    static const std::vector<format_specifier> table{
        {"%t", "topic"},
        {"%p", "payload"},
        {"%q", "QoS of the message"},
        {"%r", "retain flag: 1 or 0"},
        {"%l", "payload length in bytes"},
        {"%m", "message id (0 at QoS 0)"},
        {"%x", "payload in hexadecimal, lower case"},
        {"%X", "payload in hexadecimal, upper case"},
        {"%I", "ISO-8601 time the message arrived"},
        {"%U", "Unix time the message arrived, with nanoseconds"},
        {"%j", "JSON object of the message, payload as a string"},
        {"%J", "JSON object of the message, JSON payload embedded"},
        {"%A", "MQTT v5 topic alias"},
        {"%C", "MQTT v5 content type"},
        {"%D", "MQTT v5 correlation data"},
        {"%E", "MQTT v5 message expiry interval"},
        {"%F", "MQTT v5 payload format indicator"},
        {"%P", "MQTT v5 user properties, name:value"},
        {"%R", "MQTT v5 response topic"},
        {"%S", "MQTT v5 subscription identifier"},
        {"%%", "a literal %"},
        {"@@", "a literal @"},
    };
    return table;
}

void validate_format(std::string_view f) {
    // The same grammar mosquitto's check_format() accepts, with the byte position in the message.
    const std::size_t len = f.size();
    auto fail = [](std::string what, std::size_t at) {
        throw usage_error(fmt::format("-F/--format: {} at byte {}", what, at + 1),
                          "see OUTPUT FORMAT in man mqsub; write %% for a literal %, \\\\ for a \\ and @@ for @");
    };
    for (std::size_t i = 0; i < len; ++i) {
        char c = f[i];
        if (c == '%') {
            std::size_t start = i;
            if (i == len - 1) fail("incomplete format specifier '%'", start);
            if (f[i + 1] == '0' || f[i + 1] == '-') {
                ++i;
                if (i == len - 1) fail(fmt::format("incomplete format specifier '{}'", f.substr(start)), start);
            }
            // A width or precision beyond max_field would have each message padded to gigabytes.
            auto number = [&](const char* what) {
                std::size_t first = i + 1;
                while (f[i + 1] >= '0' && f[i + 1] <= '9') {
                    ++i;
                    if (i == len - 1) fail(fmt::format("incomplete format specifier '{}'", f.substr(start)), start);
                }
                std::string_view digits = f.substr(first, i + 1 - first);
                while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
                if (digits.size() > 5 || (!digits.empty() && std::stol(std::string(digits)) > max_field))
                    fail(fmt::format("{} {} in '{}' is too large (at most {})", what, digits,
                                     f.substr(start, i + 2 - start), max_field),
                         start);
            };
            number("width");
            if (f[i + 1] == '.') {
                ++i;
                if (i == len - 1) fail(fmt::format("incomplete format specifier '{}'", f.substr(start)), start);
                number("precision");
            }
            if (specifiers.find(f[i + 1]) == std::string_view::npos || f[i + 1] == '\0')
                fail(fmt::format("invalid format specifier '{}'", f.substr(start, i + 2 - start)), start);
            ++i;
        } else if (c == '@') {
            if (i == len - 1) fail("incomplete time specifier '@' (write @@ for a literal @)", i);
            ++i;
        } else if (c == '\\') {
            if (i == len - 1) fail("incomplete escape '\\' (write \\\\ for a literal \\)", i);
            if (escapes.find(f[i + 1]) == std::string_view::npos || f[i + 1] == '\0')
                fail(fmt::format("invalid escape '\\{}'", f[i + 1]), i);
            ++i;
        }
    }
}

bool render_json(std::string& out, const received_message& m, bool embed_payload, bool pretty) {
    json payload;  // null for an empty payload, as libmosquitto hands mosquitto_sub a NULL payload
    if (!m.payload.empty()) {
        if (embed_payload) {
            // cJSON parses the payload as a C string and then demands it ended at payloadlen.
            if (m.payload.find('\0') != std::string::npos) return false;
            auto parsed = json::parse(m.payload);
            if (!parsed) return false;
            payload = std::move(*parsed);
        } else {
            payload = json::string(m.payload);
        }
    }
    arrival when = arrival_of(m.received_at);
    // mosquitto writes "%Y-%m-%dT%H:%M:%S.000000Z%z" in local time, then puts the microseconds in.
    std::string tst;
    append_strftime(tst, "%Y-%m-%dT%H:%M:%S", when.tm);
    tst += fmt::format(".{:06}Z", when.ns / 1000);
    append_strftime(tst, "%z", when.tm);

    json root = json::object();
    root.add("tst", json::string(std::move(tst)));
    root.add("topic", json::string(m.topic));
    root.add("qos", json::number(m.qos));
    root.add("retain", json::number(m.retained ? 1 : 0));
    root.add("payloadlen", json::number(static_cast<double>(m.payload.size())));
    if (m.qos > 0) root.add("mid", json::number(m.mid));
    if (!m.property_order.empty()) write_properties_json(root, m);
    root.add("payload", std::move(payload));
    root.dump_to(out, pretty);
    return true;
}

bool render_message(std::string& out, const received_message& m, const output_options& opts) {
    if (opts.format) return render_format(out, m, opts);
    if (opts.verbose) {
        if (!m.payload.empty()) {
            out.append(m.topic).push_back(' ');
            out.append(m.payload);
            if (opts.eol) out += '\n';
        } else if (opts.eol) {
            out.append(m.topic).append(" (null)\n");  // mosquitto_sub's words for an empty payload
        }
        return true;
    }
    // mosquitto_sub prints nothing at all, not even the newline, for an empty payload.
    if (!m.payload.empty()) {
        out.append(m.payload);
        if (opts.eol) out += '\n';
    }
    return true;
}

}  // namespace mqkit

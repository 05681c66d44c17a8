// mosquitto_sub 2.1's output: plain, -v, -N and every -F specifier, byte for byte
// (client/sub_client_output.c), with the -F string compiled once into steps.
#include "mqkit/format.hpp"

#include "core/json.hpp"
#include "mqkit/error.hpp"

#include <cjson/cJSON.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iterator>
#include <new>
#include <string>

namespace mqkit {
namespace {

constexpr std::string_view conversions = "%ACDEFIlmPpqRSrtjJUxXfd";
constexpr std::string_view escapes = "\\0aenrtv";
constexpr std::string_view escaped("\\\0\a\033\n\r\t\v", 8);  // what each of `escapes` stands for
/// The characters mosquitto 2.1 takes as a %x/%X group separator (client_shared.c's hexseplist);
/// one is allowed before any conversion.
constexpr std::string_view separators = "!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~ ";

/// The largest -F field width or precision (mosquitto has no limit; printf of a larger width pads
/// each message with that many bytes).
constexpr int max_field = 65535;

// ---------------------------------------------------------------------------------------------
// Compiling a -F string

/// Parses a -F string once, with mosquitto's check_format() grammar and formatted_print()'s reading
/// of each conversion: "%[-][0][width][.precision][separator]X", "@X", "\X", anything else as is.
class format_compiler {
public:
    explicit format_compiler(std::string_view f) : f_(f) {}

    std::vector<format_step> run() {
        for (std::size_t i = 0; i < f_.size(); ++i) {
            if (f_[i] == '%')
                i = conversion(i);
            else if (f_[i] == '@')
                i = time(i);
            else if (f_[i] == '\\')
                i = escape(i);
            else
                text(f_[i]);
        }
        return std::move(steps_);
    }

private:
    [[noreturn]] static void fail(const std::string& what, std::size_t at) {
        throw usage_error(fmt::format("-F/--format: {} at byte {}", what, at + 1),
                          "see OUTPUT FORMAT in man mqsub; write %% for a literal %, \\\\ for a \\ and @@ for @");
    }
    [[noreturn]] void incomplete(std::size_t start) const {
        fail(fmt::format("incomplete format specifier '{}'", f_.substr(start)), start);
    }

    void text(char c) {
        if (steps_.empty() || steps_.back().what != format_step::kind::text) steps_.emplace_back();
        steps_.back().text += c;
    }

    /// Digits from `i` on (none is 0); `i` ends on the first non-digit, which must exist.
    int number(std::size_t& i, std::size_t start, const char* what) const {
        std::size_t first = i;
        while (i < f_.size() && f_[i] >= '0' && f_[i] <= '9') ++i;
        if (i == f_.size()) incomplete(start);
        std::string_view digits = f_.substr(first, i - first);
        while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
        long value = 0;
        for (char d : digits) {
            value = value * 10 + (d - '0');
            if (value > max_field)  // a width beyond this would pad each message to gigabytes
                fail(fmt::format("{} {} in '{}' is too large (at most {})", what, digits,
                                 f_.substr(start, i + 1 - start), max_field),
                     start);
        }
        return static_cast<int>(value);
    }

    /// A "%..." starting at `start`; returns the index of its last character.
    std::size_t conversion(std::size_t start) {
        std::size_t i = start + 1;
        format_step s;
        s.what = format_step::kind::field;
        field_options& o = s.options;
        if (i < f_.size() && f_[i] == '-') {
            o.left = true;
            ++i;
        }
        if (i < f_.size() && f_[i] == '0') {  // "%-0..." reads both, as formatted_print() does
            o.pad = '0';
            ++i;
        }
        o.width = number(i, start, "width");
        if (f_[i] == '.') {
            ++i;
            o.precision = number(i, start, "precision");
        }
        if (separators.find(f_[i]) != std::string_view::npos) {
            o.separator = f_[i++];
            if (i == f_.size()) incomplete(start);
        }
        s.letter = f_[i];
        if (s.letter == '\0' || conversions.find(s.letter) == std::string_view::npos)
            fail(fmt::format("invalid format specifier '{}'", f_.substr(start, i + 1 - start)), start);
        if (s.letter == '%')
            text('%');  // "%5%" too: a literal %, flags ignored, as in mosquitto
        else
            steps_.push_back(std::move(s));
        return i;
    }

    std::size_t time(std::size_t i) {
        if (i + 1 == f_.size()) fail("incomplete time specifier '@' (write @@ for a literal @)", i);
        char k = f_[i + 1];
        if (k == '@') {
            text('@');
        } else {
            format_step s;
            s.what = k == 'N' ? format_step::kind::nanoseconds : format_step::kind::time;
            s.letter = k;
            if (k != 'N') s.text = {'%', k};
            steps_.push_back(std::move(s));
        }
        return i + 1;
    }

    std::size_t escape(std::size_t i) {
        if (i + 1 == f_.size()) fail("incomplete escape '\\' (write \\\\ for a literal \\)", i);
        std::size_t k = escapes.find(f_[i + 1]);
        if (f_[i + 1] == '\0' || k == std::string_view::npos) fail(fmt::format("invalid escape '\\{}'", f_[i + 1]), i);
        text(escaped[k]);
        return i + 1;
    }

    std::string_view f_;
    std::vector<format_step> steps_;
};

bool uses_local_time(const std::vector<format_step>& steps) {
    return std::any_of(steps.begin(), steps.end(), [](const format_step& s) {
        return s.what == format_step::kind::time ||
               (s.what == format_step::kind::field && (s.letter == 'I' || s.letter == 'j' || s.letter == 'J'));
    });
}

// ---------------------------------------------------------------------------------------------
// Rendering

/// When a message arrived: seconds and nanoseconds, and the local broken-down time when a step
/// needs it (mosquitto uses localtime()).
struct arrival {
    std::time_t seconds = 0;
    long ns = 0;
    std::tm tm{};
};

arrival arrival_of(std::chrono::system_clock::time_point t, bool local_time) {
    arrival a;
    auto since = t.time_since_epoch();
    auto secs = std::chrono::floor<std::chrono::seconds>(since);
    a.seconds = static_cast<std::time_t>(secs.count());
    a.ns = static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(since - secs).count());
    if (local_time) localtime_r(&a.seconds, &a.tm);
    return a;
}

/// strftime into `out`; the number of bytes appended (0 also when strftime printed nothing).
std::size_t append_strftime(std::string& out, const char* format, const std::tm& tm) {
    char buf[100];
    std::size_t n = std::strftime(buf, sizeof buf, format, &tm);
    out.append(buf, n);
    return n;
}

/// snprintf appended to `out`, for the printf conversions mosquitto_sub uses (%f's exact digits).
template <typename... Args>
void append_printf(std::string& out, const char* format, Args... args) {
    int n = std::snprintf(nullptr, 0, format, args...);
    if (n <= 0) return;
    const std::size_t at = out.size();
    out.resize(at + static_cast<std::size_t>(n) + 1);
    std::snprintf(out.data() + at, static_cast<std::size_t>(n) + 1, format, args...);
    out.resize(at + static_cast<std::size_t>(n));
}

/// mosquitto's write_payload() for %p (hex 0), %x (1) and %X (2), including its quirks, kept
/// because scripts parse this output: a width also truncates the payload to that many bytes
/// (the hex digits then count twice against the padding); with '-', printf("%*s", pad) of a
/// negative pad still writes |pad| blanks, so "%-p" adds as many blanks as the payload has bytes;
/// a separator goes after every `precision` nibbles, pad characters included.
void write_payload(std::string& out, std::string_view payload, int hex, const field_options& o) {
    long len = static_cast<long>(payload.size());
    long padlen = o.width - len;
    if (o.width > 0) {
        len = std::min<long>(len, o.width);
        padlen = o.width - (hex > 0 ? len * 2 : len);
    }
    const bool groups = hex > 0 && o.precision > 0;
    long xpos = 0;  // pad characters and nibbles so far
    auto separate = [&] {
        if (xpos % o.precision == o.precision - 1) out += o.separator;
        ++xpos;
    };
    if (!o.left && padlen > 0) {
        if (!groups) out.append(static_cast<std::size_t>(padlen), o.pad);
        for (long i = 0; groups && i < padlen; ++i) {
            out += o.pad;
            separate();
        }
    }
    auto bytes = payload.substr(0, static_cast<std::size_t>(len));
    const char* digits = hex == 1 ? "0123456789abcdef" : "0123456789ABCDEF";
    if (hex == 0) {
        out.append(bytes);
    } else if (!groups) {  // two digits a byte, written in place
        std::size_t at = out.size();
        out.resize(at + 2 * bytes.size());
        for (unsigned char c : bytes) {
            out[at++] = digits[c >> 4];
            out[at++] = digits[c & 0xF];
        }
    } else {
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            auto c = static_cast<unsigned char>(bytes[i]);
            out += digits[c >> 4];
            separate();
            out += digits[c & 0xF];
            if (i + 1 < bytes.size()) separate();
        }
    }
    if (o.left) out.append(static_cast<std::size_t>(padlen < 0 ? -padlen : padlen), ' ');
}

/// printf's %d, %-*d, %0*d or %*d, as mosquitto's formatted_print_int() picks them.
void write_int(std::string& out, long value, const field_options& o) {
    const fmt::format_int text(value);
    std::string_view digits(text.data(), text.size());
    const auto width = static_cast<std::size_t>(o.width);
    const std::size_t fill = width > digits.size() ? width - digits.size() : 0;
    if (o.left) {
        out.append(digits).append(fill, ' ');
    } else if (o.pad == '0') {
        if (value < 0) {  // "-0042"
            out += '-';
            digits.remove_prefix(1);
        }
        out.append(fill, '0').append(digits);
    } else {
        out.append(fill, ' ').append(digits);
    }
}

/// Nanoseconds as 9 digits (%U, @N).
void write_nanoseconds(std::string& out, long ns) {
    const fmt::format_int text(ns);
    out.append(text.size() < 9 ? 9 - text.size() : 0, '0').append(text.data(), text.size());
}

/// printf's %s with width and precision; strings are C strings to mosquitto (cut at a NUL).
void write_str(std::string& out, std::string_view value, const field_options& o) {
    if (auto nul = value.find('\0'); nul != std::string_view::npos) value = value.substr(0, nul);
    if (o.precision >= 0 && value.size() > static_cast<std::size_t>(o.precision))
        value = value.substr(0, static_cast<std::size_t>(o.precision));
    const auto width = static_cast<std::size_t>(o.width);
    const std::size_t fill = width > value.size() ? width - value.size() : 0;
    if (!o.left) out.append(fill, ' ');
    out.append(value);
    if (o.left) out.append(fill, ' ');
}

/// An absent property: `width` pad characters (mosquitto's formatted_print_blank).
void write_blank(std::string& out, const field_options& o) {
    out.append(static_cast<std::size_t>(o.width), o.pad);
}

/// %f (a 4-byte float) and %d (an 8-byte double) in the machine's byte order, printed with printf
/// as mosquitto_sub 2.1 does. False, printing nothing, when the payload has another length.
bool write_float(std::string& out, std::string_view payload, char letter, const field_options& o) {
    double value = 0;
    if (letter == 'f') {
        float f = 0;
        if (payload.size() != sizeof f) return false;
        std::memcpy(&f, payload.data(), sizeof f);
        value = f;
    } else {
        if (payload.size() != sizeof value) return false;
        std::memcpy(&value, payload.data(), sizeof value);
    }
    if (o.width == 0)
        append_printf(out, "%.*f", o.precision, value);  // a precision of -1 is printf's default, 6
    else if (o.left)
        append_printf(out, "%-*.*f", o.width, o.precision, value);
    else if (o.pad == '0')
        append_printf(out, "%0*.*f", o.width, o.precision, value);
    else
        append_printf(out, "%*.*f", o.width, o.precision, value);
    return true;
}

/// %A %E %F %S %l %m: the value, or nullopt when the property is absent. mosquitto prints the
/// 32-bit ones through an int, so values over 2^31-1 come out negative; so do they here.
std::optional<long> number_field(char letter, const received_message& m) {
    switch (letter) {
        case 'A':
            if (m.topic_alias) return *m.topic_alias;
            break;
        case 'E':
            if (m.message_expiry) return static_cast<int>(*m.message_expiry);
            break;
        case 'F':
            if (m.payload_format_indicator) return *m.payload_format_indicator;
            break;
        case 'S':
            if (!m.subscription_ids.empty()) return static_cast<int>(m.subscription_ids.front());
            break;
        case 'l':
            return static_cast<int>(m.payload.size());
        case 'm':
            return m.mid;
        default:
            break;
    }
    return std::nullopt;
}

void write_user_properties(std::string& out, const received_message& m) {
    for (std::size_t k = 0; k < m.user_properties.size(); ++k) {
        if (k > 0) out += ' ';
        write_str(out, m.user_properties[k].first, {});
        out += ':';
        write_str(out, m.user_properties[k].second, {});
    }
}

bool write_json(std::string& out, const received_message& m, bool embed_payload, bool pretty, const arrival& when);

/// One message and its arrival, as the steps see it.
struct render_context {
    const received_message& m;
    const arrival& when;
    bool pretty;
    render_problems& problems;
};

/// The conversions that print a message's data.
void write_message_field(std::string& out, char letter, const field_options& o, const received_message& m) {
    switch (letter) {
        case 'C':
            if (m.content_type)
                write_str(out, *m.content_type, o);
            else
                write_blank(out, o);
            break;
        case 'R':
            if (m.response_topic) write_str(out, *m.response_topic, o);
            break;
        case 't':
            write_str(out, m.topic, o);
            break;
        case 'D':
            if (m.correlation_data) out += *m.correlation_data;  // raw bytes, NULs included
            break;
        case 'P':
            write_user_properties(out, m);
            break;
        case 'p':
            write_payload(out, m.payload, 0, o);
            break;
        case 'x':
            write_payload(out, m.payload, 1, o);
            break;
        case 'X':
            write_payload(out, m.payload, 2, o);
            break;
        case 'q':
            out += static_cast<char>('0' + m.qos);
            break;
        case 'r':
            out += m.retained ? '1' : '0';
            break;
        default:
            if (auto v = number_field(letter, m))  // %A %E %F %S %l %m
                write_int(out, *v, o);
            else
                write_blank(out, o);
            break;
    }
}

void write_field(std::string& out, char letter, const field_options& o, const render_context& c) {
    switch (letter) {
        case 'I': {
            std::string t;
            if (append_strftime(t, "%FT%T%z", c.when.tm) > 0)
                write_str(out, t, o);
            else
                write_blank(out, o);
            break;
        }
        case 'U':
            out += fmt::format_int(static_cast<long long>(c.when.seconds)).c_str();
            out += '.';
            write_nanoseconds(out, c.when.ns);
            break;
        case 'j':
        case 'J':
            if (!write_json(out, c.m, letter == 'J', c.pretty, c.when)) c.problems.invalid_json = true;
            break;
        case 'f':
            if (!write_float(out, c.m.payload, letter, o)) c.problems.not_float = true;
            break;
        case 'd':
            if (!write_float(out, c.m.payload, letter, o)) c.problems.not_double = true;
            break;
        default:
            write_message_field(out, letter, o, c.m);
            break;
    }
}

render_problems render_format(std::string& out, const received_message& m, const output_plan& plan) {
    render_problems problems;
    const arrival when = arrival_of(m.received_at, plan.needs_local_time());
    const render_context c{m, when, plan.options().pretty, problems};
    for (const format_step& s : plan.steps()) {
        switch (s.what) {
            case format_step::kind::text:
                out += s.text;
                break;
            case format_step::kind::field:
                write_field(out, s.letter, s.options, c);
                break;
            case format_step::kind::time:
                append_strftime(out, s.text.c_str(), when.tm);
                break;
            case format_step::kind::nanoseconds:
                write_nanoseconds(out, when.ns);
                break;
        }
    }
    if (plan.options().eol) out += '\n';
    return problems;
}

// ---------------------------------------------------------------------------------------------
// %j and %J

/// Adds the "properties" object, members in packet order. The user properties are one array,
/// added where the first one arrived, of one-member objects (mosquitto 2.1; 2.0 made one object
/// of them, with duplicate keys).
void add_properties(cJSON* root, const received_message& m) {
    cJSON* props = cjson_checked(cJSON_AddObjectToObject(root, "properties"));
    cJSON* users = nullptr;
    std::size_t next_user = 0, next_sub_id = 0;
    for (int id : m.property_order) {
        if (id == 1 && m.payload_format_indicator)
            cjson_checked(cJSON_AddNumberToObject(props, "payload-format-indicator", *m.payload_format_indicator));
        else if (id == 2 && m.message_expiry)
            cjson_checked(cJSON_AddNumberToObject(props, "message-expiry-interval", *m.message_expiry));
        else if (id == 3 && m.content_type)
            cjson_checked(cJSON_AddStringToObject(props, "content-type", m.content_type->c_str()));
        else if (id == 8 && m.response_topic)
            cjson_checked(cJSON_AddStringToObject(props, "response-topic", m.response_topic->c_str()));
        else if (id == 9 && m.correlation_data)
            cjson_checked(cJSON_AddStringToObject(props, "correlation-data", m.correlation_data->c_str()));
        else if (id == 11 && next_sub_id < m.subscription_ids.size())
            cjson_checked(cJSON_AddNumberToObject(props, "subscription-identifier", m.subscription_ids[next_sub_id++]));
        else if (id == 35 && m.topic_alias)
            cjson_checked(cJSON_AddNumberToObject(props, "topic-alias", *m.topic_alias));
        else if (id == 38 && next_user < m.user_properties.size()) {
            if (!users) users = cjson_checked(cJSON_AddArrayToObject(props, "user-properties"));
            cJSON* one = cjson_checked(cJSON_CreateObject());
            cJSON_AddItemToArray(users, one);
            const auto& [name, value] = m.user_properties[next_user++];
            cjson_checked(cJSON_AddStringToObject(one, name.c_str(), value.c_str()));
        }
    }
}

/// %j and %J, built straight in cJSON's tree and printed by cJSON, as mosquitto_sub does. Strings
/// are C strings to cJSON: each ends at its first NUL byte.
bool write_json(std::string& out, const received_message& m, bool embed_payload, bool pretty, const arrival& when) {
    cjson_ptr payload;
    if (m.payload.empty()) {
        payload.reset(cjson_checked(cJSON_CreateNull()));  // libmosquitto hands mosquitto_sub a NULL payload
    } else if (!embed_payload) {
        payload.reset(cjson_checked(cJSON_CreateString(m.payload.c_str())));
    } else {
        // mosquitto parses the payload as a C string and then demands it ended at payloadlen.
        if (m.payload.find('\0') != std::string::npos) return false;
        payload = cjson_parse(m.payload);
        if (!payload) return false;
    }
    // mosquitto 2.1 writes "%Y-%m-%dT%H:%M:%S.000000%z" in local time, then the microseconds.
    std::string tst;
    append_strftime(tst, "%Y-%m-%dT%H:%M:%S", when.tm);
    fmt::format_to(std::back_inserter(tst), ".{:06}", when.ns / 1000);
    append_strftime(tst, "%z", when.tm);

    cjson_ptr root(cjson_checked(cJSON_CreateObject()));
    cjson_checked(cJSON_AddStringToObject(root.get(), "tst", tst.c_str()));
    cjson_checked(cJSON_AddStringToObject(root.get(), "topic", m.topic.c_str()));
    cjson_checked(cJSON_AddNumberToObject(root.get(), "qos", m.qos));
    cjson_checked(cJSON_AddBoolToObject(root.get(), "retain", m.retained));  // 2.0 printed 0 or 1
    cjson_checked(cJSON_AddNumberToObject(root.get(), "payloadlen", static_cast<double>(m.payload.size())));
    if (m.qos > 0) cjson_checked(cJSON_AddNumberToObject(root.get(), "mid", m.mid));
    if (!m.property_order.empty()) add_properties(root.get(), m);
    if (!cJSON_AddItemToObject(root.get(), "payload", payload.get())) throw std::bad_alloc();
    payload.release();  // the root owns it now
    cjson_print(out, *root, pretty);
    return true;
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
        {"%f", "payload as a 4-byte IEEE 754 float"},
        {"%d", "payload as an 8-byte IEEE 754 double"},
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

const std::vector<format_specifier>& format_syntax() {
    static const std::vector<format_specifier> table{
        {"%[-][0][width][.precision][separator]X", "the parts a % sequence may have, in this order"},
        {"-", "align left in the field width, padded with blanks (the default is right alignment)"},
        {"0", "pad %A %d %E %F %f %l %m %p %S %x %X and an absent %C with zeros instead of blanks"},
        {"width",
         "the least width of %A %C %d %E %F %f %I %l %m %p %R %S %t %x %X; %p, %x and %X also show at "
         "most that many payload bytes"},
        {".precision",
         "the most characters of %C %I %R %t, the decimals of %f and %d (default 6), and for %x "
         "and %X a separator after every that many hex digits: %.2x gives 6d 65 73"},
        {"separator",
         "one of !\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~ or a blank, written between the groups of %x "
         "and %X instead of a blank: %.2:x gives 6d:65:73"},
        {"@X", "the time the message arrived as strftime(3) %X gives it, for any letter X, e.g. @H:@M:@S"},
        {"@N", "the nanoseconds of the time the message arrived"},
        {"\\\\ \\0 \\a \\e \\n \\r \\t \\v",
         "a backslash, a NUL byte, bell, escape, newline, carriage return, tab, vertical tab"},
    };
    return table;
}

std::vector<format_step> compile_format(std::string_view format) {
    return format_compiler(format).run();
}

void validate_format(std::string_view format) {
    compile_format(format);
}

std::vector<std::string> render_problems::messages(std::string_view topic) const {
    std::vector<std::string> out;
    if (invalid_json) out.push_back(fmt::format("the payload on topic '{}' is not valid JSON (%J)", topic));
    if (not_float) out.push_back(fmt::format("the payload on topic '{}' is not a 4-byte float (%f)", topic));
    if (not_double) out.push_back(fmt::format("the payload on topic '{}' is not an 8-byte double (%d)", topic));
    return out;
}

output_plan::output_plan(output_options opts) : options_(std::move(opts)) {
    if (options_.format) steps_ = compile_format(*options_.format);
    needs_local_time_ = uses_local_time(steps_);
}

bool render_json(std::string& out, const received_message& m, bool embed_payload, bool pretty) {
    return write_json(out, m, embed_payload, pretty, arrival_of(m.received_at, true));
}

render_problems render_message(std::string& out, const received_message& m, const output_plan& plan) {
    const output_options& opts = plan.options();
    if (opts.format) return render_format(out, m, plan);
    if (opts.verbose) {
        if (!m.payload.empty()) {
            out.append(m.topic).push_back(' ');
            out.append(m.payload);
            if (opts.eol) out += '\n';
        } else if (opts.eol) {
            out.append(m.topic).append(" (null)\n");  // mosquitto_sub's words for an empty payload
        }
        return {};
    }
    // mosquitto_sub prints nothing at all, not even the newline, for an empty payload.
    if (!m.payload.empty()) {
        out.append(m.payload);
        if (opts.eol) out += '\n';
    }
    return {};
}

}  // namespace mqkit

// ThingSpeak's pure parts: names and values, payload encoding, times, topics, credentials files, --stdin lines, CSV.
#include "thingspeak/thingspeak.hpp"

#include "cli/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>

namespace mqkit {

error tspub_error(tspub_exit code, const std::string& message, std::string hint) {
    return error(static_cast<int>(code), message, std::move(hint));
}

// tssub reports the failures it shares with tspub through the same code (credentials, connect).
static_assert(static_cast<int>(tssub_exit::usage) == static_cast<int>(tspub_exit::usage) &&
              static_cast<int>(tssub_exit::no_credentials) == static_cast<int>(tspub_exit::no_credentials) &&
              static_cast<int>(tssub_exit::refused) == static_cast<int>(tspub_exit::refused) &&
              static_cast<int>(tssub_exit::dns) == static_cast<int>(tspub_exit::dns) &&
              static_cast<int>(tssub_exit::network) == static_cast<int>(tspub_exit::network) &&
              static_cast<int>(tssub_exit::tls) == static_cast<int>(tspub_exit::tls));
static_assert(static_cast<int>(tssub_exit::timeout) == static_cast<int>(exit_code::timeout));

namespace thingspeak {
namespace {

constexpr std::array<std::string_view, 5> other_names{"status", "lat", "long", "elevation", "created_at"};
constexpr std::string_view all_names = "field1..field8, status, lat, long, elevation or created_at";

error usage(const std::string& message, std::string hint = {}) {
    return tspub_error(tspub_exit::usage, message, std::move(hint));
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string closest_name(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string best;
    std::size_t best_d = 3;
    auto consider = [&](std::string_view candidate) {
        std::size_t d = detail::edit_distance(lower, candidate);
        if (d < best_d) {
            best_d = d;
            best = std::string(candidate);
        }
    };
    for (int n = 1; n <= 8; ++n) consider(fmt::format("field{}", n));
    for (auto n : other_names) consider(n);
    return best;
}

void check_name(const std::string& name) {
    if (name.empty()) throw usage("empty field name before '='", fmt::format("use {}", all_names));
    if (name.rfind("field", 0) == 0 && all_digits(std::string_view(name).substr(5))) {
        parse_field_number(name.substr(5), name);
        if (name.size() == 6) return;  // field1..field8
    } else if (std::find(other_names.begin(), other_names.end(), name) != other_names.end()) {
        return;
    }
    std::string guess = closest_name(name);
    throw usage(fmt::format("unknown field name '{}' (use {})", name, all_names),
                guess.empty() ? std::string{} : fmt::format("did you mean {}?", guess));
}

std::size_t utf8_chars(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string trim(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

std::string_view without_cr(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
}

// One CSV record (RFC 4180 quoting, one line); quoted cells keep their spaces.
std::vector<std::string> split_csv(std::string_view line) {
    std::vector<std::string> cells;
    std::size_t i = 0;
    while (true) {
        std::string cell;
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i < line.size() && line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        cell.push_back('"');
                        i += 2;
                        continue;
                    }
                    ++i;
                    closed = true;
                    break;
                }
                cell.push_back(line[i++]);
            }
            if (!closed) throw usage("unterminated quote in CSV");
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
            if (i < line.size() && line[i] != ',') throw usage("unexpected text after a closing quote in CSV");
        } else {
            auto comma = line.find(',', i);
            cell = trim(line.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i));
            i = comma == std::string_view::npos ? line.size() : comma;
        }
        cells.push_back(std::move(cell));
        if (i >= line.size()) break;
        ++i;  // the comma
    }
    return cells;
}

// `name=value name="two words"`: whitespace separates pairs; a double-quoted value may hold
// spaces, \" and \\.
update split_pairs(std::string_view line) {
    update out;
    std::size_t i = 0;
    while (true) {
        while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        if (i >= line.size()) break;
        std::size_t start = i;
        while (i < line.size() && line[i] != '=' && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
        if (i >= line.size() || line[i] != '=') {
            throw usage(fmt::format("expected name=value, found '{}'", line.substr(start, i - start)));
        }
        field_value fv{std::string(line.substr(start, i - start)), {}};
        ++i;  // '='
        if (i < line.size() && line[i] == '"') {
            ++i;
            bool closed = false;
            while (i < line.size()) {
                char c = line[i++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\' && i < line.size() && (line[i] == '"' || line[i] == '\\')) c = line[i++];
                fv.value.push_back(c);
            }
            if (!closed) throw usage(fmt::format("{}: unterminated quote", fv.name));
            if (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])))
                throw usage(fmt::format("{}: unexpected text after the closing quote", fv.name));
        } else {
            while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) fv.value.push_back(line[i++]);
        }
        out.push_back(std::move(fv));
    }
    return out;
}

}  // namespace

std::string form_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(ch);
        } else if (c == ' ') {
            out.push_back('+');
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0x0F]);
        }
    }
    return out;
}

std::string build_payload(const update& values) {
    std::string out;
    for (const auto& fv : values) {
        if (!out.empty()) out.push_back('&');
        out += fv.name;
        out.push_back('=');
        out += form_encode(fv.value);
    }
    return out;
}

namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string form_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c != '%') {
            out.push_back(c);
        } else {
            int hi = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
            int lo = hi >= 0 ? hex_digit(text[i + 2]) : -1;
            if (lo < 0) throw usage(fmt::format("bad %-escape at byte {} of '{}'", i + 1, text));
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        }
    }
    return out;
}

update parse_payload(std::string_view payload) {
    update out;
    while (!payload.empty()) {
        auto amp = payload.find('&');
        std::string_view pair = payload.substr(0, amp);
        payload = amp == std::string_view::npos ? std::string_view{} : payload.substr(amp + 1);
        auto eq = pair.find('=');
        if (eq == std::string_view::npos) throw usage(fmt::format("'{}' is not name=value", pair));
        out.push_back({form_decode(pair.substr(0, eq)), form_decode(pair.substr(eq + 1))});
    }
    return out;
}

const std::string* find_value(const update& values, std::string_view name) {
    for (const auto& fv : values)
        if (fv.name == name) return &fv.value;
    return nullptr;
}

std::string iso_utc(std::int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm utc{};
    char text[32] = "";
    if (!::gmtime_r(&t, &utc) || std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc) == 0) return "?";
    return text;
}

namespace {

// Reads `n` digits at `at` into `out`; false if there are not `n` digits.
bool digits_at(std::string_view s, std::size_t at, std::size_t n, int& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

// The zone suffix of an ISO 8601 time ("Z", "+02:00", "-0530", " UTC") in seconds east of UTC.
std::optional<int> zone_offset(std::string_view zone) {
    if (zone == "Z" || zone == " UTC" || zone == "UTC") return 0;
    if (zone.size() < 5 || (zone[0] != '+' && zone[0] != '-')) return std::nullopt;
    int h = 0, m = 0;
    std::size_t minutes_at = zone[3] == ':' ? 4 : 3;
    if (!digits_at(zone, 1, 2, h) || !digits_at(zone, minutes_at, 2, m) || zone.size() != minutes_at + 2)
        return std::nullopt;
    if (h > 23 || m > 59) return std::nullopt;
    int offset = h * 3600 + m * 60;
    return zone[0] == '-' ? -offset : offset;
}

}  // namespace

std::optional<std::int64_t> parse_iso_time(std::string_view text) {
    std::tm tm{};
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (text.size() < 19 || !digits_at(text, 0, 4, year) || text[4] != '-' || !digits_at(text, 5, 2, month) ||
        text[7] != '-' || !digits_at(text, 8, 2, day) || (text[10] != 'T' && text[10] != ' ') ||
        !digits_at(text, 11, 2, hour) || text[13] != ':' || !digits_at(text, 14, 2, minute) || text[16] != ':' ||
        !digits_at(text, 17, 2, second))
        return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    std::size_t at = 19;
    if (at < text.size() && text[at] == '.') {
        ++at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    }
    auto offset = zone_offset(text.substr(at));
    if (!offset) return std::nullopt;
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return static_cast<std::int64_t>(::timegm(&tm)) - *offset;
}

int parse_field_number(const std::string& text, const std::string& where) {
    if (!all_digits(text)) throw usage(fmt::format("{}: '{}' is not a field number (1-8)", where, text));
    std::string digits = text.substr(std::min(text.find_first_not_of('0'), text.size()));
    if (digits.size() != 1 || digits[0] < '1' || digits[0] > '8')
        throw usage(fmt::format("{}: field number {} is outside 1-8", where, digits.empty() ? "0" : digits),
                    "a ThingSpeak channel has field1..field8");
    return digits[0] - '0';
}

void check_value(const std::string& name, const std::string& value) {
    check_name(name);
    if (value.empty()) throw usage(fmt::format("{}: empty value", name), "is a shell variable unset? nothing was sent");
    if (std::size_t n = utf8_chars(value); n > max_value_chars)
        throw usage(
            fmt::format("{}: value is {} characters long; ThingSpeak keeps at most {}", name, n, max_value_chars));
}

void check_update(const update& values) {
    if (values.empty()) throw usage("no values in this update");
    for (std::size_t i = 0; i < values.size(); ++i) {
        check_value(values[i].name, values[i].value);
        for (std::size_t j = 0; j < i; ++j)
            if (values[j].name == values[i].name)
                throw usage(fmt::format("{} given twice in one update", values[i].name));
    }
}

std::string parse_channel_id(const std::string& text, const std::string& source) {
    if (text.empty()) throw usage(fmt::format("{}: empty channel id", source));
    if (!all_digits(text))
        throw usage(fmt::format("{}: channel id '{}' is not a number", source, text),
                    "a ThingSpeak channel id is digits only, e.g. 1234567");
    if (text[0] == '0' || text.size() > 18)
        throw usage(
            fmt::format("{}: '{}' is not a valid channel id (no leading zero, at most 18 digits)", source, text));
    return text;
}

std::string feed_topic(const std::string& channel, const std::optional<std::string>& legacy_key) {
    std::string topic = fmt::format("channels/{}/publish", channel);
    if (legacy_key) topic += "/" + *legacy_key;
    return topic;
}

std::string field_topic(const std::string& channel, int field, const std::optional<std::string>& legacy_key) {
    std::string topic = fmt::format("channels/{}/publish/fields/field{}", channel, field);
    if (legacy_key) topic += "/" + *legacy_key;
    return topic;
}

std::string subscribe_topic(const std::string& channel, int field) {
    if (field == 0) return fmt::format("channels/{}/subscribe", channel);
    return fmt::format("channels/{}/subscribe/fields/field{}", channel, field);
}

credentials parse_credentials_file(std::string_view text) {
    credentials out;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        std::string trimmed = trim(line);
        if (trimmed.empty() || trimmed[0] == '#') continue;
        auto eq = trimmed.find('=');
        if (eq == std::string::npos) continue;
        std::string key;
        for (char c : trimmed.substr(0, eq))
            if (c != '_' && c != '-' && c != ' ' && c != '\t')
                key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        std::string value = trim(std::string_view(trimmed).substr(eq + 1));
        if (key == "clientid")
            out.client_id = value;
        else if (key == "username")
            out.username = value;
        else if (key == "password")
            out.password = value;
    }
    return out;
}

credentials merge_credentials(const std::vector<credential_source>& sources, bool require_all,
                              const std::string& hint) {
    credentials out;
    for (const auto& s : sources) {
        if (!out.client_id && s.values.client_id) out.client_id = s.values.client_id;
        if (!out.username && s.values.username) out.username = s.values.username;
        if (!out.password && s.values.password) out.password = s.values.password;
    }
    if (!require_all) return out;
    std::vector<std::string_view> missing;
    if (!out.client_id) missing.push_back("client id");
    if (!out.username) missing.push_back("username");
    if (!out.password) missing.push_back("password");
    if (missing.empty()) return out;
    std::string what(missing[0]);
    for (std::size_t i = 1; i < missing.size(); ++i)
        what += fmt::format("{}{}", i + 1 == missing.size() ? " and " : ", ", missing[i]);
    std::string looked;
    for (const auto& s : sources) {
        if (!looked.empty()) looked += ", ";
        looked += s.label;
        if (!s.note.empty()) looked += fmt::format(" ({})", s.note);
    }
    throw tspub_error(tspub_exit::no_credentials, fmt::format("missing MQTT {}; looked in: {}", what, looked), hint);
}

namespace {

std::string absolute_env(env_lookup env, const char* name) {
    if (!env) return {};
    const char* v = env(name);
    return v && v[0] == '/' ? std::string(v) : std::string{};
}

}  // namespace

std::string default_credentials_path(env_lookup env) {
    if (auto xdg = absolute_env(env, "XDG_CONFIG_HOME"); !xdg.empty()) return xdg + "/mqkit/thingspeak";
    if (auto home = absolute_env(env, "HOME"); !home.empty()) return home + "/.config/mqkit/thingspeak";
    return {};
}

std::string state_directory(env_lookup env) {
    if (auto xdg = absolute_env(env, "XDG_STATE_HOME"); !xdg.empty()) return xdg + "/mqkit";
    if (auto home = absolute_env(env, "HOME"); !home.empty()) return home + "/.local/state/mqkit";
    return {};
}

std::string state_file_path(const std::string& dir, const std::string& channel) {
    return fmt::format("{}/thingspeak-{}.last", dir, channel);
}

std::optional<update> update_reader::feed(std::string_view raw_line) {
    std::string_view line = without_cr(raw_line);
    std::string trimmed = trim(line);
    if (trimmed.empty() || trimmed[0] == '#') return std::nullopt;
    if (!started_) {
        started_ = true;
        csv_ = trimmed.find('=') == std::string::npos;
        if (csv_) {
            bool any = false;
            for (auto& cell : split_csv(trimmed)) {
                std::string name = cell;
                if (name == "entry_id")
                    name.clear();
                else if (name == "latitude")
                    name = "lat";
                else if (name == "longitude")
                    name = "long";
                else if (name.empty())
                    throw usage("CSV header: empty column name");
                else
                    check_name(name);
                if (!name.empty() && std::find(columns_.begin(), columns_.end(), name) != columns_.end())
                    throw usage(fmt::format("CSV header: column {} given twice", name));
                any = any || !name.empty();
                columns_.push_back(std::move(name));
            }
            if (!any) throw usage("CSV header names no ThingSpeak field");
            return std::nullopt;
        }
    }
    update values;
    if (csv_) {
        auto cells = split_csv(trimmed);
        if (cells.size() > columns_.size())
            throw usage(fmt::format("{} CSV cells but the header names {} columns", cells.size(), columns_.size()));
        for (std::size_t i = 0; i < cells.size(); ++i)
            if (!columns_[i].empty() && !cells[i].empty()) values.push_back({columns_[i], std::move(cells[i])});
    } else {
        values = split_pairs(trimmed);
    }
    check_update(values);
    return values;
}

rate_check check_rate(std::optional<double> last, double now, double interval) {
    if (!last || interval <= 0) return {true, now};
    double next = std::min(*last, now) + interval;
    return {now >= next, next};
}

std::string format_state(double unix_time) {
    return fmt::format("{:.3f}\n", unix_time);
}

std::optional<double> parse_state(std::string_view text) {
    std::string s = trim(text);
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || errno == ERANGE || !std::isfinite(v) || v <= 0) return std::nullopt;
    return v;
}

}  // namespace thingspeak
}  // namespace mqkit

// MQTT topic name and topic filter validation, and filter matching.
#include "mqkit/topic.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <utility>

namespace mqkit {
namespace {

constexpr std::size_t max_topic_bytes = 65535;

/// A code point that is valid UTF-8 but that brokers refuse in a topic: a control character
/// (U+0001-U+001F, U+007F-U+009F) or a noncharacter (U+FDD0-U+FDEF, U+xFFFE, U+xFFFF). MQTT
/// (1.5.4) says a topic SHOULD NOT hold them; mosquitto treats them as malformed and drops the
/// connection of a client that sends one, so they are refused here, as mosquitto_pub does.
bool refused_code_point(std::uint32_t cp) {
    return (cp >= 0x01 && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0xFDD0 && cp <= 0xFDEF) ||
           (cp & 0xFFFE) == 0xFFFE;
}

/// Why `s` is not UTF-8 that a broker takes in a topic, or "": invalid UTF-8 first (with the byte
/// where it starts), else the first refused code point.
std::string utf8_problem(std::string_view s) {
    std::optional<std::pair<std::uint32_t, std::size_t>> refused;
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        auto invalid = [i] { return fmt::format("topic is not valid UTF-8 (byte {})", i); };
        if (len == 0 || i + len > s.size()) return invalid();
        std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
        for (std::size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return invalid();
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return invalid();
        if (!refused && refused_code_point(cp)) refused.emplace(cp, i);
        i += len;
    }
    if (!refused) return {};
    return fmt::format("topic holds U+{:04X} at byte {}, which MQTT's UTF-8 rules do not allow in a topic",
                       refused->first, refused->second);
}

std::string common_problem(std::string_view t) {
    if (t.empty()) return "topic is empty";
    if (t.size() > max_topic_bytes)
        return fmt::format("topic is {} bytes long (at most {})", t.size(), max_topic_bytes);
    if (auto nul = t.find('\0'); nul != std::string_view::npos)
        return fmt::format("topic contains a NUL byte at {}", nul);
    return utf8_problem(t);
}

}  // namespace

std::string topic_name_problem(std::string_view topic) {
    if (auto p = common_problem(topic); !p.empty()) return p;
    if (topic.find_first_of("+#") != std::string_view::npos)
        return "a topic to publish to cannot contain the wildcards + or #";
    return {};
}

std::string topic_filter_problem(std::string_view filter) {
    if (auto p = common_problem(filter); !p.empty()) return p;
    std::size_t start = 0;
    while (true) {
        std::size_t end = filter.find('/', start);
        std::string_view level = filter.substr(start, end == std::string_view::npos ? end : end - start);
        if (level.find_first_of("+#") != std::string_view::npos && level.size() != 1)
            return fmt::format("wildcard in '{}' must fill a whole topic level", level);
        if (level == "#" && end != std::string_view::npos) return "# is only allowed as the last level";
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return {};
}

bool topic_matches(std::string_view filter, std::string_view topic) {
    if (!topic.empty() && topic[0] == '$' && !filter.empty() && (filter[0] == '+' || filter[0] == '#')) return false;
    std::size_t f = 0;
    std::size_t t = 0;
    while (true) {
        std::size_t fe = filter.find('/', f);
        std::string_view flevel = filter.substr(f, fe == std::string_view::npos ? fe : fe - f);
        if (flevel == "#") return true;
        if (t > topic.size()) return false;
        std::size_t te = topic.find('/', t);
        std::string_view tlevel = topic.substr(t, te == std::string_view::npos ? te : te - t);
        if (flevel != "+" && flevel != tlevel) return false;
        if (fe == std::string_view::npos || te == std::string_view::npos) {
            if (fe == std::string_view::npos && te == std::string_view::npos) return true;
            // "a/#" matches "a": the filter has "/#" left and the topic ended.
            return te == std::string_view::npos && filter.substr(fe + 1) == "#";
        }
        f = fe + 1;
        t = te + 1;
    }
}

}  // namespace mqkit

// JSON values parsed and printed with cJSON's rules, so mqsub's %j/%J match mosquitto_sub byte for byte.
#include "core/json.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace mqkit {
namespace {

/// cJSON refuses documents nested deeper than this (CJSON_NESTING_LIMIT).
constexpr std::size_t nesting_limit = 1000;

/// A recursive-descent parser following cJSON 1.7's acceptance rules.
class parser {
public:
    explicit parser(std::string_view text) : s_(text) {}

    std::optional<json> document() {
        if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // cJSON skips a UTF-8 byte order mark
        skip_ws();
        json v;
        if (!value(v, 0)) return std::nullopt;
        skip_ws();
        if (pos_ != s_.size()) return std::nullopt;
        return v;
    }

private:
    void skip_ws() {
        while (pos_ < s_.size() && static_cast<unsigned char>(s_[pos_]) <= 32) ++pos_;
    }
    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    bool value(json& out, std::size_t depth) {
        if (pos_ >= s_.size()) return false;
        char c = s_[pos_];
        if (literal("null")) {
            out = json();
            return true;
        }
        if (literal("false")) {
            out = json::boolean(false);
            return true;
        }
        if (literal("true")) {
            out = json::boolean(true);
            return true;
        }
        if (c == '"') {
            std::string text;
            if (!string(text)) return false;
            out = json::string(std::move(text));
            return true;
        }
        if (c == '-' || (c >= '0' && c <= '9')) return number(out);
        if (c == '[') return array(out, depth + 1);
        if (c == '{') return object(out, depth + 1);
        return false;
    }

    bool number(json& out) {
        // cJSON copies the characters a number may hold, then lets strtod decide.
        char buf[64];
        std::size_t n = 0;
        while (pos_ + n < s_.size() && n < sizeof buf - 1 && std::strchr("0123456789+-eE.", s_[pos_ + n]) != nullptr &&
               s_[pos_ + n] != '\0')
            buf[n] = s_[pos_ + n], ++n;
        buf[n] = '\0';
        char* end = nullptr;
        double v = std::strtod(buf, &end);
        if (end == buf) return false;
        pos_ += static_cast<std::size_t>(end - buf);
        out = json::number(v);
        return true;
    }

    static int hex4(std::string_view h) {
        int v = 0;
        for (char c : h) {
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= c - '0';
            else if (c >= 'a' && c <= 'f')
                v |= c - 'a' + 10;
            else if (c >= 'A' && c <= 'F')
                v |= c - 'A' + 10;
            else
                return -1;
        }
        return v;
    }

    static void put_utf8(std::string& out, unsigned long cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    bool string(std::string& out) {
        ++pos_;  // opening quote
        while (true) {
            if (pos_ >= s_.size()) return false;
            char c = s_[pos_++];
            if (c == '"') break;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= s_.size()) return false;
            char e = s_[pos_++];
            switch (e) {
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
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
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'u': {
                    if (pos_ + 4 > s_.size()) return false;
                    int first = hex4(s_.substr(pos_, 4));
                    pos_ += 4;
                    if (first < 0 || (first >= 0xDC00 && first <= 0xDFFF)) return false;
                    unsigned long cp = static_cast<unsigned long>(first);
                    if (first >= 0xD800 && first <= 0xDBFF) {
                        if (pos_ + 6 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') return false;
                        int second = hex4(s_.substr(pos_ + 2, 4));
                        if (second < 0xDC00 || second > 0xDFFF) return false;
                        pos_ += 6;
                        cp = 0x10000 + (((cp & 0x3FF) << 10) | (static_cast<unsigned long>(second) & 0x3FF));
                    }
                    put_utf8(out, cp);
                    break;
                }
                default:
                    return false;
            }
        }
        // cJSON keeps strings as C strings: a decoded \u0000 ends the string.
        if (auto nul = out.find('\0'); nul != std::string::npos) out.resize(nul);
        return true;
    }

    bool array(json& out, std::size_t depth) {
        if (depth > nesting_limit) return false;
        ++pos_;
        out = json::array();
        skip_ws();
        if (pos_ < s_.size() && s_[pos_] == ']') {
            ++pos_;
            return true;
        }
        while (true) {
            skip_ws();
            json item;
            if (!value(item, depth)) return false;
            out.push(std::move(item));
            skip_ws();
            if (pos_ >= s_.size()) return false;
            if (s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (s_[pos_] != ']') return false;
            ++pos_;
            return true;
        }
    }

    bool object(json& out, std::size_t depth) {
        if (depth > nesting_limit) return false;
        ++pos_;
        out = json::object();
        skip_ws();
        if (pos_ < s_.size() && s_[pos_] == '}') {
            ++pos_;
            return true;
        }
        while (true) {
            skip_ws();
            if (pos_ >= s_.size() || s_[pos_] != '"') return false;
            std::string key;
            if (!string(key)) return false;
            skip_ws();
            if (pos_ >= s_.size() || s_[pos_] != ':') return false;
            ++pos_;
            skip_ws();
            json item;
            if (!value(item, depth)) return false;
            out.add(std::move(key), std::move(item));
            skip_ws();
            if (pos_ >= s_.size()) return false;
            if (s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (s_[pos_] != '}') return false;
            ++pos_;
            return true;
        }
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

}  // namespace

json json::boolean(bool v) {
    json j;
    j.kind_ = kind::boolean;
    j.bool_ = v;
    return j;
}

json json::number(double v) {
    json j;
    j.kind_ = kind::number;
    j.number_ = v;
    return j;
}

json json::string(std::string v) {
    json j;
    j.kind_ = kind::string;
    j.string_ = std::move(v);
    return j;
}

json json::array() {
    json j;
    j.kind_ = kind::array;
    return j;
}

json json::object() {
    json j;
    j.kind_ = kind::object;
    return j;
}

json& json::add(std::string key, json value) {
    members_.emplace_back(std::move(key), std::move(value));
    return members_.back().second;
}

json& json::push(json value) {
    items_.push_back(std::move(value));
    return items_.back();
}

const json* json::find(std::string_view key) const {
    for (const auto& [k, v] : members_)
        if (k == key) return &v;
    return nullptr;
}

double json::number_or(std::string_view key, double fallback) const {
    const json* v = find(key);
    return v && v->type() == kind::number ? v->as_number() : fallback;
}

void json_quote(std::string& out, std::string_view s) {
    if (auto nul = s.find('\0'); nul != std::string_view::npos) s = s.substr(0, nul);
    out += '"';
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 32) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

void json_number(std::string& out, double v) {
    // cJSON 1.7.15 (Debian 12): null for NaN/infinity, else %1.15g, or %1.17g when 15 digits do not
    // give the same double back. So -0 prints as "-0" and 1e300 as "1e+300".
    if (std::isnan(v) || std::isinf(v)) {
        out += "null";
        return;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%1.15g", v);
    double back = std::strtod(buf, nullptr);
    if (std::fabs(back - v) > std::max(std::fabs(back), std::fabs(v)) * DBL_EPSILON)
        std::snprintf(buf, sizeof buf, "%1.17g", v);
    out += buf;
}

void json::dump_at(std::string& out, bool pretty, std::size_t depth) const {
    switch (kind_) {
        case kind::null:
            out += "null";
            break;
        case kind::boolean:
            out += bool_ ? "true" : "false";
            break;
        case kind::number:
            json_number(out, number_);
            break;
        case kind::string:
            json_quote(out, string_);
            break;
        case kind::array:
            out += '[';
            for (std::size_t i = 0; i < items_.size(); ++i) {
                if (i > 0) out += pretty ? ", " : ",";
                items_[i].dump_at(out, pretty, depth + 1);
            }
            out += ']';
            break;
        case kind::object:
            out += pretty ? "{\n" : "{";
            for (std::size_t i = 0; i < members_.size(); ++i) {
                if (pretty) out.append(depth + 1, '\t');
                json_quote(out, members_[i].first);
                out += pretty ? ":\t" : ":";
                members_[i].second.dump_at(out, pretty, depth + 1);
                if (i + 1 < members_.size()) out += ',';
                if (pretty) out += '\n';
            }
            if (pretty) out.append(depth, '\t');
            out += '}';
            break;
    }
}

void json::dump_to(std::string& out, bool pretty) const {
    dump_at(out, pretty, 0);
}

std::string json::dump(bool pretty) const {
    std::string out;
    dump_to(out, pretty);
    return out;
}

std::optional<json> json::parse(std::string_view text) {
    return parser(text).document();
}

}  // namespace mqkit

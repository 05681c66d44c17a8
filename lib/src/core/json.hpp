// A small ordered JSON value: parsed and printed exactly as cJSON (mosquitto_sub's JSON library) does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mqkit {

/// A JSON value. Objects keep their members in insertion order and keep duplicate keys, as cJSON
/// does, so re-printing a parsed document changes only white space and number/escape spelling.
class json {
public:
    enum class kind { null, boolean, number, string, array, object };
    using member = std::pair<std::string, json>;

    json() = default;  ///< null
    static json boolean(bool v);
    static json number(double v);
    static json string(std::string v);
    static json array();
    static json object();

    kind type() const noexcept { return kind_; }
    bool is_null() const noexcept { return kind_ == kind::null; }
    bool as_bool() const noexcept { return bool_; }
    double as_number() const noexcept { return number_; }
    const std::string& as_string() const noexcept { return string_; }
    const std::vector<json>& items() const noexcept { return items_; }
    const std::vector<member>& members() const noexcept { return members_; }

    /// Appends a member to an object (a duplicate key is kept, like cJSON_AddItemToObject).
    json& add(std::string key, json value);
    /// Appends an element to an array.
    json& push(json value);
    /// The first member named `key`, or nullptr (also for non-objects).
    const json* find(std::string_view key) const;
    /// Number of a member, or `fallback` when absent or not a number.
    double number_or(std::string_view key, double fallback) const;

    /// cJSON_PrintUnformatted (pretty = false) or cJSON_Print (pretty = true).
    std::string dump(bool pretty = false) const;
    void dump_to(std::string& out, bool pretty) const;

    /// Parses a whole document with cJSON's rules (cJSON_ParseWithOpts, null-terminated): white
    /// space around it is allowed, anything else after it is not. nullopt if it is not JSON.
    static std::optional<json> parse(std::string_view text);

private:
    void dump_at(std::string& out, bool pretty, std::size_t depth) const;

    kind kind_ = kind::null;
    bool bool_ = false;
    double number_ = 0;
    std::string string_;
    std::vector<json> items_;
    std::vector<member> members_;
};

/// Appends `s` as a quoted JSON string the way cJSON prints it: `"` `\` \b \f \n \r \t escaped,
/// other bytes below 0x20 as \u00xx, everything else (UTF-8 included) copied. cJSON strings are C
/// strings, so `s` ends at its first NUL byte.
void json_quote(std::string& out, std::string_view s);

/// Appends a number the way cJSON 1.7.15 prints it: 15 significant digits (17 if 15 do not give
/// the same double back), NaN and infinities as null.
void json_number(std::string& out, double v);

}  // namespace mqkit

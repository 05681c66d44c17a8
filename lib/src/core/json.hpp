// A small ordered JSON value, parsed and printed by cJSON (the library mosquitto_sub prints with).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct cJSON;  // a node of cJSON's own tree (cjson/cJSON.h)

namespace mqkit {

/// A JSON value. Objects keep their members in insertion order and keep duplicate keys, as cJSON
/// does. Parsing and printing go through the system's cJSON, so what mqkit prints is what
/// mosquitto_sub (linked to the same cJSON) prints, byte for byte.
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

    /// cJSON_PrintUnformatted (pretty = false) or cJSON_Print (pretty = true). Strings are C strings
    /// to cJSON: each is printed up to its first NUL byte.
    std::string dump(bool pretty = false) const;
    void dump_to(std::string& out, bool pretty) const;

    /// Parses a whole document with cJSON_ParseWithOpts (require_null_terminated): `text` is a C
    /// string to cJSON, so it ends at its first NUL byte; white space around the document is
    /// allowed, anything else after it is not. nullopt if it is not JSON.
    static std::optional<json> parse(std::string_view text);

private:
    kind kind_ = kind::null;
    bool bool_ = false;
    double number_ = 0;
    std::string string_;
    std::vector<json> items_;
    std::vector<member> members_;
};

/// Deletes a cJSON tree.
struct cjson_delete {
    void operator()(cJSON* item) const noexcept;
};
/// Owns a cJSON tree. For output built and printed once per message (mqsub's %j/%J), straight
/// in cJSON's tree, without a json value in between.
using cjson_ptr = std::unique_ptr<cJSON, cjson_delete>;

/// `item`, or throws std::bad_alloc when it is nullptr (cJSON's only failure when building).
cJSON* cjson_checked(cJSON* item);

/// Parses `text` as json::parse() does, into cJSON's tree; nullptr if it is not JSON.
cjson_ptr cjson_parse(std::string_view text);

/// Appends cJSON_PrintUnformatted (pretty = false) or cJSON_Print (pretty = true) of `item`.
void cjson_print(std::string& out, const cJSON& item, bool pretty);

/// Appends `s` as a quoted JSON string, as cJSON prints it: `"` `\` \b \f \n \r \t escaped, other
/// bytes below 0x20 as \u00xx, everything else (UTF-8 included) copied; `s` ends at its first NUL.
void json_quote(std::string& out, std::string_view s);

/// Appends `v` as the system's cJSON prints a number (1.7.15: 15 significant digits, 17 if 15 do not
/// give the same double back; NaN and infinities as null).
void json_number(std::string& out, double v);

/// The version of the cJSON library in use, e.g. "1.7.15" (its number printing changed in 1.7.16:
/// -0 prints as 0 since then).
std::string_view cjson_version();

}  // namespace mqkit

// A channel's feed entries: parsed from ThingSpeak's JSON, matched against a sent update, printed for tssub.
#include "thingspeak/feed.hpp"

#include "core/json.hpp"
#include "core/stats.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

namespace mqkit::thingspeak {
namespace {

// A member as text: strings as they are, numbers as cJSON prints them, booleans as words.
std::optional<std::string> text_of(const json* v) {
    if (!v) return std::nullopt;
    switch (v->type()) {
        case json::kind::string:
            return v->as_string();
        case json::kind::number: {
            std::string out;
            json_number(out, v->as_number());
            return out;
        }
        case json::kind::boolean:
            return std::string(v->as_bool() ? "true" : "false");
        default:
            return std::nullopt;  // null, arrays and objects carry no value
    }
}

std::optional<std::int64_t> integer_of(const json* v) {
    if (!v) return std::nullopt;
    double d = 0;
    if (v->type() == json::kind::number) {
        d = v->as_number();
    } else if (auto n = v->type() == json::kind::string ? numeric_value(v->as_string(), "") : std::nullopt) {
        d = *n;
    } else {
        return std::nullopt;
    }
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9e15) return std::nullopt;
    return static_cast<std::int64_t>(d);
}

// The same text, or the same plain decimal number.
bool same_value(const std::string& sent, const std::string& stored) {
    if (sent == stored) return true;
    auto a = numeric_value(sent, "");
    auto b = numeric_value(stored, "");
    return a && b && *a == *b;
}

// The entry's value for one of tspub's names, and whether the entry has that name at all.
std::pair<bool, const std::optional<std::string>*> stored_value(const feed_entry& e, const std::string& name) {
    if (name.size() == 6 && name.rfind("field", 0) == 0 && name[5] >= '1' && name[5] <= '8')
        return {true, &e.fields[static_cast<std::size_t>(name[5] - '1')]};
    if (name == "status") return {e.status.has_value(), &e.status};
    if (name == "lat") return {e.latitude.has_value(), &e.latitude};
    if (name == "long") return {e.longitude.has_value(), &e.longitude};
    if (name == "elevation") return {e.elevation.has_value(), &e.elevation};
    return {false, nullptr};
}

bool needs_quotes(const std::string& v) {
    if (v.empty()) return true;
    for (char c : v)
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) <= ' ') return true;
    return false;
}

void append_plain_value(std::string& out, const std::string& v) {
    if (!needs_quotes(v)) {
        out += v;
        return;
    }
    out.push_back('"');
    for (char c : v) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
}

void append_csv_cell(std::string& out, const std::string& v) {
    bool quote =
        v.find_first_of(",\"\r\n") != std::string::npos || (!v.empty() && (v.front() == ' ' || v.back() == ' '));
    if (!quote) {
        out += v;
        return;
    }
    out.push_back('"');
    for (char c : v) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

// The named values after the fields, in ThingSpeak's CSV order.
std::array<std::pair<std::string_view, const std::optional<std::string>*>, 4> extras(const feed_entry& e) {
    return {
        {{"latitude", &e.latitude}, {"longitude", &e.longitude}, {"elevation", &e.elevation}, {"status", &e.status}}};
}

}  // namespace

std::optional<feed_entry> parse_feed_entry(std::string_view json_text) {
    auto doc = json::parse(json_text);
    if (!doc || doc->type() != json::kind::object) return std::nullopt;
    feed_entry e;
    e.channel_id = integer_of(doc->find("channel_id"));
    e.entry_id = integer_of(doc->find("entry_id"));
    if (auto t = text_of(doc->find("created_at"))) e.created_at = *t;
    for (std::size_t n = 0; n < e.fields.size(); ++n) e.fields[n] = text_of(doc->find(fmt::format("field{}", n + 1)));
    e.latitude = text_of(doc->find("latitude"));
    e.longitude = text_of(doc->find("longitude"));
    e.elevation = text_of(doc->find("elevation"));
    e.status = text_of(doc->find("status"));
    return e;
}

bool feed_matches(const feed_entry& entry, const update& sent) {
    for (const auto& fv : sent) {
        if (fv.name == "created_at") {
            auto ours = parse_iso_time(fv.value);
            auto theirs = parse_iso_time(entry.created_at);
            if (ours && theirs && *ours != *theirs) return false;
            continue;
        }
        auto [present, stored] = stored_value(entry, fv.name);
        if (!present) continue;  // ThingSpeak may leave status and location out of the feed
        if (!stored->has_value() || !same_value(fv.value, **stored)) return false;
    }
    return true;
}

std::string render_plain(const feed_entry& entry) {
    std::string out = entry.created_at.empty() ? std::string("-") : entry.created_at;
    for (std::size_t n = 0; n < entry.fields.size(); ++n) {
        if (!entry.fields[n]) continue;
        out += fmt::format(" field{}=", n + 1);
        append_plain_value(out, *entry.fields[n]);
    }
    for (const auto& [name, value] : extras(entry)) {
        if (!*value) continue;
        out += fmt::format(" {}=", name);
        append_plain_value(out, **value);
    }
    return out;
}

std::string csv_header() {
    return "created_at,entry_id,field1,field2,field3,field4,field5,field6,field7,field8,latitude,longitude,"
           "elevation,status";
}

std::string render_csv(const feed_entry& entry) {
    std::string out;
    append_csv_cell(out, entry.created_at);
    out.push_back(',');
    if (entry.entry_id) out += std::to_string(*entry.entry_id);
    for (const auto& f : entry.fields) {
        out.push_back(',');
        if (f) append_csv_cell(out, *f);
    }
    for (const auto& [name, value] : extras(entry)) {
        out.push_back(',');
        if (*value) append_csv_cell(out, **value);
    }
    return out;
}

}  // namespace mqkit::thingspeak

// mqkit's JSON values, parsed and printed by the system's cJSON, as mosquitto_sub's %j/%J are.
#include "core/json.hpp"

#include <cjson/cJSON.h>

#include <memory>
#include <new>

namespace mqkit {
namespace {

json from_cjson(const cJSON& item) {
    if (cJSON_IsFalse(&item)) return json::boolean(false);
    if (cJSON_IsTrue(&item)) return json::boolean(true);
    if (cJSON_IsNumber(&item)) return json::number(item.valuedouble);
    if (cJSON_IsString(&item)) return json::string(item.valuestring);
    if (cJSON_IsArray(&item)) {
        json out = json::array();
        for (const cJSON* child = item.child; child; child = child->next) out.push(from_cjson(*child));
        return out;
    }
    if (cJSON_IsObject(&item)) {
        json out = json::object();
        for (const cJSON* child = item.child; child; child = child->next) out.add(child->string, from_cjson(*child));
        return out;
    }
    return json();  // null (cJSON's parser makes no raw or invalid items)
}

cjson_ptr to_cjson(const json& v) {
    switch (v.type()) {
        case json::kind::null:
            return cjson_ptr(cjson_checked(cJSON_CreateNull()));
        case json::kind::boolean:
            return cjson_ptr(cjson_checked(cJSON_CreateBool(v.as_bool())));
        case json::kind::number:
            return cjson_ptr(cjson_checked(cJSON_CreateNumber(v.as_number())));
        case json::kind::string:
            return cjson_ptr(cjson_checked(cJSON_CreateString(v.as_string().c_str())));
        case json::kind::array: {
            cjson_ptr out(cjson_checked(cJSON_CreateArray()));
            for (const json& item : v.items()) {
                cjson_ptr child = to_cjson(item);
                if (!cJSON_AddItemToArray(out.get(), child.get())) throw std::bad_alloc();
                child.release();  // the array owns it now
            }
            return out;
        }
        case json::kind::object: {
            cjson_ptr out(cjson_checked(cJSON_CreateObject()));
            for (const auto& [key, item] : v.members()) {
                cjson_ptr child = to_cjson(item);
                if (!cJSON_AddItemToObject(out.get(), key.c_str(), child.get())) throw std::bad_alloc();
                child.release();  // the object owns it now
            }
            return out;
        }
    }
    return cjson_ptr(cjson_checked(cJSON_CreateNull()));
}

}  // namespace

void cjson_delete::operator()(cJSON* item) const noexcept {
    cJSON_Delete(item);
}

cJSON* cjson_checked(cJSON* item) {
    if (!item) throw std::bad_alloc();
    return item;
}

cjson_ptr cjson_parse(std::string_view text) {
    const std::string c_string(text);  // cJSON reads a NUL-terminated string
    return cjson_ptr(cJSON_ParseWithOpts(c_string.c_str(), nullptr, true));
}

void cjson_print(std::string& out, const cJSON& item, bool pretty) {
    char* text = pretty ? cJSON_Print(&item) : cJSON_PrintUnformatted(&item);
    if (!text) throw std::bad_alloc();
    out += text;
    cJSON_free(text);
}

void json_number(std::string& out, double v) {
    const cjson_ptr number(cjson_checked(cJSON_CreateNumber(v)));
    cjson_print(out, *number, false);
}

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

void json::dump_to(std::string& out, bool pretty) const {
    cjson_print(out, *to_cjson(*this), pretty);
}

std::string json::dump(bool pretty) const {
    std::string out;
    dump_to(out, pretty);
    return out;
}

std::optional<json> json::parse(std::string_view text) {
    cjson_ptr doc = cjson_parse(text);
    if (!doc) return std::nullopt;
    return from_cjson(*doc);
}

void json_quote(std::string& out, std::string_view s) {
    const std::string c_string(s);
    cjson_ptr item(cjson_checked(cJSON_CreateString(c_string.c_str())));
    cjson_print(out, *item, false);
}

std::string_view cjson_version() {
    return cJSON_Version();
}

}  // namespace mqkit

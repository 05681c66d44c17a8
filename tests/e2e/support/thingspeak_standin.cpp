// The ThingSpeak stand-in: mosquitto with device users and per-channel ACLs, and a client that stores and
// pushes each accepted update as ThingSpeak does. Written apart from mqkit's own ThingSpeak code (its form
// decoding and time parsing included), so that a mistake there cannot hide itself.
#include "support/thingspeak_standin.hpp"

#include <mqkit/error.hpp>
#include <mqkit/session.hpp>

#include "catch_compat.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>

namespace mqkit::test {
namespace {

const std::string service_user = "thingspeak", service_password = "servicepass";

broker_options broker_for_thingspeak() {
    broker_options o;
    o.users = {{ts::device_user, ts::device_password},
               {ts::publish_only_user, ts::publish_only_password},
               {ts::admin_user, ts::admin_password},
               {service_user, service_password}};
    const std::string ch = "channels/" + ts::channel;
    o.acl = "user " + ts::device_user + "\ntopic write " + ch + "/publish\ntopic write " + ch +
            "/publish/fields/+\ntopic read " + ch + "/subscribe\ntopic read " + ch + "/subscribe/fields/+\n\n" +
            "user " + ts::publish_only_user + "\ntopic write " + ch + "/publish\ntopic write " + ch +
            "/publish/fields/+\n\n" + "user " + ts::admin_user + "\ntopic readwrite #\n\n" + "user " + service_user +
            "\ntopic readwrite channels/#\n";
    o.allow_anonymous = false;
    return o;
}

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// application/x-www-form-urlencoded; false on a bad escape.
bool url_decode(const std::string& in, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '+') {
            out += ' ';
        } else if (in[i] != '%') {
            out += in[i];
        } else {
            if (i + 2 >= in.size() || hex(in[i + 1]) < 0 || hex(in[i + 2]) < 0) return false;
            out += static_cast<char>(hex(in[i + 1]) * 16 + hex(in[i + 2]));
            i += 2;
        }
    }
    return true;
}

// "2024-05-01T10:00:00Z", "2024-05-01 10:00:00" (UTC), "...+02:00": the UTC form, or "" if not a time.
std::string utc_created_at(const std::string& text) {
    std::tm tm{};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, used = 0;
    char sep = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &s, &used) != 7 ||
        (sep != 'T' && sep != ' '))
        return "";
    std::string zone = text.substr(static_cast<std::size_t>(used));
    long offset = 0;
    if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':')
        offset = (zone[0] == '-' ? -1 : 1) * (std::stol(zone.substr(1, 2)) * 3600 + std::stol(zone.substr(4, 2)) * 60);
    else if (!zone.empty() && zone != "Z")
        return "";
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    std::time_t t = ::timegm(&tm) - offset;
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return out;
}

std::string now_utc() {
    std::time_t t = std::time(nullptr);
    char out[32];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return out;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// ThingSpeak's entry JSON: channel_id, created_at, entry_id, every enabled field (null when not
// set), then latitude/longitude/elevation/status when given.
std::string entry_json(const ts_entry& e, const std::set<int>& enabled) {
    std::string j = "{\"channel_id\":" + e.channel + ",\"created_at\":" + json_string(e.created_at) +
                    ",\"entry_id\":" + std::to_string(e.entry_id);
    for (int n : enabled) {
        auto it = e.values.find("field" + std::to_string(n));
        j += ",\"field" + std::to_string(n) + "\":" + (it == e.values.end() ? "null" : json_string(it->second));
    }
    for (const char* name : {"latitude", "longitude", "elevation", "status"})
        if (auto it = e.values.find(name); it != e.values.end())
            j += ",\"" + std::string(name) + "\":" + json_string(it->second);
    return j + "}";
}

}  // namespace

thingspeak_standin::thingspeak_standin(standin_options o)
    : opts_(std::move(o)), broker_(std::make_unique<broker>(broker_for_thingspeak())) {
    connect();
}

thingspeak_standin::~thingspeak_standin() {
    if (client_) client_->disconnect();
}

void thingspeak_standin::connect() {
    connection_config c;
    c.host = broker_->host();
    c.port = broker_->port();
    c.client_id = "thingspeak-standin";
    c.username = service_user;
    c.password = service_password;
    client_ = std::make_unique<session>(c);
    client_->on_message([this](const received_message& m) { on_publish(m); });
    client_->connect(false, 1000);
    client_->subscribe({"channels/+/publish", "channels/+/publish/fields/+"}, 0);
}

void thingspeak_standin::stop_broker() {
    if (client_) client_->disconnect();
    client_.reset();
    broker_->stop();
}

void thingspeak_standin::start_broker() {
    broker_->start();
    connect();
}

void thingspeak_standin::on_publish(const received_message& m) {
    // channels/<id>/publish or channels/<id>/publish/fields/field<N>
    const std::string prefix = "channels/";
    auto slash = m.topic.find('/', prefix.size());
    std::string channel = m.topic.substr(prefix.size(), slash - prefix.size());
    std::string rest = m.topic.substr(slash);
    std::map<std::string, std::string> values;
    if (rest.rfind("/publish/fields/field", 0) == 0) {
        values["field" + rest.substr(21)] = m.payload;
    } else {
        std::stringstream pairs(m.payload);
        std::string pair;
        while (std::getline(pairs, pair, '&')) {
            auto eq = pair.find('=');
            std::string name, value;
            if (eq == std::string::npos || !url_decode(pair.substr(0, eq), name) ||
                !url_decode(pair.substr(eq + 1), value)) {
                std::lock_guard<std::mutex> lock(mutex_);
                decisions_.push_back("dropped (bad payload): " + m.payload);
                changed_.notify_all();
                return;
            }
            if (name == "lat") name = "latitude";
            if (name == "long") name = "longitude";
            values[name] = value;
        }
    }
    store(channel, std::move(values), m.payload);
}

void thingspeak_standin::store(const std::string& channel, std::map<std::string, std::string> values,
                               const std::string& payload) {
    std::unique_lock<std::mutex> lock(mutex_);
    auto drop = [&](const std::string& why) {
        decisions_.push_back("dropped (" + why + "): " + payload);
        changed_.notify_all();
    };
    const auto now = std::chrono::steady_clock::now();
    auto last = last_accepted_.find(channel);
    if (last != last_accepted_.end() && now - last->second < std::chrono::duration<double>(opts_.rate))
        return drop("rate limit");
    ts_entry e;
    e.channel = channel;
    e.created_at = now_utc();
    if (auto c = values.find("created_at"); c != values.end()) {
        e.created_at = utc_created_at(c->second);
        if (e.created_at.empty()) return drop("bad created_at");
        for (const auto& other : entries_)
            if (other.channel == channel && other.created_at == e.created_at) return drop("created_at not unique");
        values.erase(c);
    }
    for (auto& [name, value] : values) {
        bool field = name.rfind("field", 0) == 0 && name.size() == 6;
        if (field && opts_.enabled_fields.count(name[5] - '0') == 0) continue;  // not enabled: not stored
        if (field || name == "latitude" || name == "longitude" || name == "elevation" || name == "status")
            e.values[name] = value;
    }
    if (e.values.empty()) return drop("nothing to store");
    last_accepted_[channel] = now;
    e.entry_id = 1;
    for (const auto& other : entries_)
        if (other.channel == channel) e.entry_id = std::max(e.entry_id, other.entry_id + 1);
    entries_.push_back(e);
    decisions_.push_back("entry " + std::to_string(e.entry_id) + ": " + payload);
    changed_.notify_all();
    lock.unlock();
    const auto window = std::numeric_limits<std::size_t>::max();
    client_->publish("channels/" + channel + "/subscribe", entry_json(e, opts_.enabled_fields), 0, false, window);
    for (const auto& [name, value] : e.values)
        if (name.rfind("field", 0) == 0)
            client_->publish("channels/" + channel + "/subscribe/fields/" + name, value, 0, false, window);
}

std::vector<ts_entry> thingspeak_standin::entries() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_;
}

bool thingspeak_standin::wait_for_entries(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return entries_.size() >= n; });
}

std::vector<std::string> thingspeak_standin::decisions() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return decisions_;
}

bool thingspeak_standin::wait_for_decisions(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return decisions_.size() >= n; });
}

std::string thingspeak_standin::report() const {
    std::string out = "stand-in decisions:\n";
    for (const auto& d : decisions()) out += "  " + d + "\n";
    return out + "broker log:\n" + broker_->log();
}

ts_home::ts_home() {
    char tmpl[] = "/tmp/mqkit-ts-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
}

ts_home::~ts_home() {
    std::system(("rm -rf '" + dir + "'").c_str());
}

env_list ts_home::env(const env_list& extra) const {
    env_list e{{"HOME", dir + "/home"},
               {"XDG_CONFIG_HOME", dir + "/config"},
               {"XDG_STATE_HOME", dir + "/state"},
               {"THINGSPEAK_CHANNEL_ID", ""},
               {"THINGSPEAK_CLIENT_ID", ""},
               {"THINGSPEAK_USERNAME", ""},
               {"THINGSPEAK_PASSWORD", ""},
               {"THINGSPEAK_API_KEY", ""}};
    for (const auto& [name, value] : extra) {
        bool replaced = false;
        for (auto& [n, v] : e)
            if (n == name) {
                v = value;
                replaced = true;
            }
        if (!replaced) e.emplace_back(name, value);
    }
    return e;
}

void ts_home::write(const std::string& path, const std::string& text, unsigned mode) const {
    std::system(("mkdir -p \"$(dirname '" + path + "')\"").c_str());
    std::ofstream(path) << text;
    REQUIRE(::chmod(path.c_str(), static_cast<mode_t>(mode)) == 0);
}

std::string read_text_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace mqkit::test

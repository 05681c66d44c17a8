// -d: renders Paho's protocol trace as mosquitto's "Client <id> sending PUBLISH (...)" lines.
#include "mqtt/trace.hpp"

#include "mqtt/paho_workarounds.hpp"

#include <MQTTAsync.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>

namespace mqkit::detail {
namespace {

std::atomic<packet_trace*> active_trace{nullptr};
std::atomic<tls_trace*> active_tls_trace{nullptr};

extern "C" void paho_trace_callback(enum MQTTASYNC_TRACE_LEVELS level, char* message) {
    if (message == nullptr) return;
    if (auto* t = active_tls_trace.load()) t->on_paho_line(message);
    if (level != MQTTASYNC_TRACE_PROTOCOL) return;
    if (auto* t = active_trace.load()) t->on_paho_line(message);
}

// Reads the integer that follows `key` in `text`; -1 if absent.
int field(std::string_view text, std::string_view key) {
    auto at = text.find(key);
    if (at == std::string_view::npos) return -1;
    const char* first = text.data() + at + key.size();
    const char* last = text.data() + text.size();
    while (first < last && *first == ' ') ++first;
    int v = -1;
    std::from_chars(first, last, v);
    return v;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// Paho's quiet level. Debian builds Paho C without HIGH_PERFORMANCE, so by default it formats every
// protocol log line and records each function entry and exit (with a timestamp) in an in-memory
// trace ring nobody reads: about a quarter of the CPU of a `mqpub -l` stream. LOG_ERROR (the
// highest level Paho accepts) skips both; the traces below raise the level only while needed.
void set_level_for_active_traces() {
    if (active_tls_trace.load() != nullptr) {
        MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_MINIMUM);
    } else if (active_trace.load() != nullptr) {
        MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_PROTOCOL);
    } else {
        MQTTAsync_setTraceCallback(nullptr);
        MQTTAsync_setTraceLevel(MQTTASYNC_TRACE_ERROR);
    }
}

}  // namespace

void quiet_paho_log() {
    set_level_for_active_traces();
}

packet_trace::packet_trace(trace_sink sink, std::string client_id)
    : sink_(std::move(sink)),
      client_id_(std::move(client_id)),
      // mosquitto 2.1 prints "null" for a client without an id (the broker assigns one).
      shown_id_(client_id_.empty() ? "null" : client_id_) {}

void packet_trace::show_client_id(std::string id) {
    std::lock_guard<std::mutex> lock(mutex_);
    shown_id_ = std::move(id);
}

std::string packet_trace::shown_id() {
    std::lock_guard<std::mutex> lock(mutex_);
    return shown_id_;
}

void packet_trace::write_with(const std::function<void(std::string&)>& fill) {
    std::string text;
    fill(text);
    sink_(text);
}

packet_trace::~packet_trace() {
    packet_trace* self = this;
    if (active_trace.compare_exchange_strong(self, nullptr)) set_level_for_active_traces();
}

void packet_trace::install() {
    active_trace.store(this);
    set_level_for_active_traces();
    MQTTAsync_setTraceCallback(paho_trace_callback);
}

tls_trace::~tls_trace() {
    uninstall();
}

void tls_trace::install() {
    active_tls_trace.store(this);
    set_level_for_active_traces();
    MQTTAsync_setTraceCallback(paho_trace_callback);
}

void tls_trace::uninstall() {
    tls_trace* self = this;
    if (active_tls_trace.compare_exchange_strong(self, nullptr)) set_level_for_active_traces();
}

std::string tls_trace::text() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
}

void tls_trace::on_paho_line(std::string_view line) {
    static constexpr std::string_view wanted[] = {
        "SSLSocket error",    "SSL alert", "X509_check_host", "X509_check_ip_asc", "SSL certificate verification",
        "certificate request"};
    for (auto w : wanted) {
        if (line.find(w) == std::string_view::npos) continue;
        std::lock_guard<std::mutex> lock(mutex_);
        if (text_.size() < 64 * 1024) text_.append(line).push_back('\n');
        return;
    }
}

void packet_trace::hide(std::string secret) {
    std::lock_guard<std::mutex> lock(mutex_);
    secret_ = std::move(secret);
}

void packet_trace::expect_publish(std::string topic) {
    std::lock_guard<std::mutex> lock(mutex_);
    publish_topics_.push_back(std::move(topic));
}

void packet_trace::expect_subscribe(std::vector<std::pair<std::string, int>> filters, int options) {
    std::lock_guard<std::mutex> lock(mutex_);
    subscribes_.emplace_back(std::move(filters), options);
}

void packet_trace::expect_unsubscribe(std::vector<std::string> filters) {
    std::lock_guard<std::mutex> lock(mutex_);
    unsubscribes_.push_back(std::move(filters));
}

void packet_trace::release_connack(const std::string& id) {
    std::string held;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        held.swap(held_connack_);
    }
    if (!held.empty())
        write_with([&](std::string& o) { o.append("Client ").append(id).append(" ").append(held).push_back('\n'); });
}

void packet_trace::client_line(std::string_view text) {
    const std::string id = shown_id();
    write_with([&](std::string& o) { o.append("Client ").append(id).append(" ").append(text).push_back('\n'); });
}

void packet_trace::after_suback(int mid, std::string line) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto seen = std::find(subacks_seen_.begin(), subacks_seen_.end(), mid);
        if (seen == subacks_seen_.end()) {
            after_suback_[mid] = std::move(line);
            return;
        }
        subacks_seen_.erase(seen);
    }
    sink_(line + "\n");
}

void packet_trace::received_publish(bool dup, int qos, bool retain, int mid, std::string_view topic, std::size_t len) {
    // libmosquitto acknowledges an incoming message before mosquitto_sub prints it (QoS 2: after the
    // whole PUBREC/PUBREL/PUBCOMP exchange); Paho hands the message over first (QoS 2: at PUBREL).
    // The acknowledgement of a message follows from its QoS alone, so it is written here, in
    // mosquitto's order, and Paho's own lines for it are dropped in on_paho_line.
    std::string text = fmt::format("received PUBLISH (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))", dup ? 1 : 0, qos,
                                   retain ? 1 : 0, mid, topic, len);
    const std::string id = shown_id();
    write_with([&](std::string& o) {
        auto line = [&](std::string_view t) { o.append("Client ").append(id).append(" ").append(t).push_back('\n'); };
        line(text);
        if (qos == 1) line(fmt::format("sending PUBACK (m{}, rc0)", mid));
        if (qos == 2) {
            line(fmt::format("sending PUBREC (m{}, rc0)", mid));
            line(fmt::format("received PUBREL (Mid: {})", mid));
            line(fmt::format("sending PUBCOMP (m{})", mid));
        }
    });
}

void packet_trace::show_fault() {
    std::string line = paho_protocol_fault_trace();
    if (line.empty()) return;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (fault_shown_) return;
        fault_shown_ = true;
    }
    client_line(line);
}

void packet_trace::await_reason_codes() {
    std::lock_guard<std::mutex> lock(mutex_);
    await_reason_codes_ = true;
}

void packet_trace::publish_done(int mid, int reason_code) {
    std::string text;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = awaiting_reason_.find(mid);
        if (it == awaiting_reason_.end()) return;  // no PUBACK/PUBCOMP came (QoS 0, a lost link)
        text = std::move(it->second) + fmt::format("{})", reason_code);
        awaiting_reason_.erase(it);
    }
    client_line(text);
}

void packet_trace::on_paho_line(std::string_view line) {
    // "<date> <time> <socket> <client id> -> PUBLISH msgid: 1 qos: 2 ..." (an empty id leaves two
    // spaces before the arrow, so the arrow is part of what is looked for)
    const auto sent_at = line.find(" " + client_id_ + " -> ");
    const auto received_at = line.find(" " + client_id_ + " <- ");
    const bool sent =
        sent_at != std::string_view::npos && (received_at == std::string_view::npos || sent_at < received_at);
    if (sent)
        on_sent(line.substr(sent_at + client_id_.size() + 5));
    else if (received_at != std::string_view::npos)
        on_received(line.substr(received_at + client_id_.size() + 5));
}

void packet_trace::on_sent(std::string_view what) {
    release_connack("(null)");  // nobody did: the next packet comes after it
    if (starts_with(what, "CONNECT")) {
        client_line("sending CONNECT");
    } else if (starts_with(what, "PUBLISH")) {
        publish_sent(what);
    } else if (starts_with(what, "PUBREL")) {
        client_line(fmt::format("sending PUBREL (m{})", field(what, "msgid:")));
    } else if (starts_with(what, "SUBSCRIBE")) {
        subscribe_sent(field(what, "msgid:"));
    } else if (starts_with(what, "UNSUBSCRIBE")) {
        unsubscribe_sent(field(what, "msgid:"));
    } else if (starts_with(what, "PINGREQ")) {
        client_line("sending PINGREQ");
    } else if (starts_with(what, "DISCONNECT")) {
        show_fault();  // the packet the protocol guard closed the connection for, if any
        client_line("sending DISCONNECT");
    }
    // PUBACK, PUBREC and PUBCOMP for an incoming message are written with it, by received_publish.
}

void packet_trace::on_received(std::string_view what) {
    if (!starts_with(what, "CONNACK")) release_connack("(null)");
    if (starts_with(what, "CONNACK")) {
        int rc = field(what, "rc:");
        bool v5 = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            v5 = await_reason_codes_;
        }
        // An MQTT 3.x broker's "unacceptable protocol version" to a v5 CONNECT: mosquitto shows 132.
        if (v5 && rc == 1) rc = 132;
        std::string line = fmt::format("received CONNACK ({})", rc);
        if (!client_id_.empty()) return client_line(line);
        release_connack("(null)");  // one from an earlier connection attempt, never released
        std::lock_guard<std::mutex> lock(mutex_);
        held_connack_ = std::move(line);
    } else if (starts_with(what, "PUBACK") || starts_with(what, "PUBCOMP")) {
        ack_received(what);
    } else if (starts_with(what, "PUBREC")) {
        client_line(fmt::format("received PUBREC (Mid: {})", field(what, "msgid:")));
    } else if (starts_with(what, "SUBACK")) {
        suback_received(field(what, "msgid:"));
    } else if (starts_with(what, "UNSUBACK")) {
        client_line("received UNSUBACK");
    } else if (starts_with(what, "PINGRESP")) {
        client_line("received PINGRESP");
    } else if (starts_with(what, "DISCONNECT")) {
        client_line("received DISCONNECT");
    }
    // PUBLISH is written from the message callback, which knows the topic (received_publish);
    // PUBREL for an incoming message is written with it too.
}

void packet_trace::publish_sent(std::string_view what) {
    int mid = field(what, "msgid:");
    const int qos = field(what, "qos:");
    const int retained = field(what, "retained:");
    const int len = field(what, "len(");
    std::string topic;
    bool dup = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto known = mid > 0 ? inflight_topics_.find(mid) : inflight_topics_.end();
        if (known != inflight_topics_.end()) {
            topic = known->second;  // a resend of a message still in flight
            dup = true;
        } else if (!publish_topics_.empty()) {
            topic = std::move(publish_topics_.front());
            publish_topics_.pop_front();
            if (mid > 0) inflight_topics_[mid] = topic;
        }
        if (mid < 0)
            mid = ++qos0_mid_;  // mosquitto numbers QoS 0 messages too
        else
            qos0_mid_ = mid;
        if (!secret_.empty())
            for (auto at = topic.find(secret_); at != std::string::npos; at = topic.find(secret_, at + 8))
                topic.replace(at, secret_.size(), "********");
    }
    client_line(fmt::format("sending PUBLISH (d{}, q{}, r{}, m{}, '{}', ... ({} bytes))", dup ? 1 : 0,
                            qos < 0 ? 0 : qos, retained < 0 ? 0 : retained, mid, topic, len < 0 ? 0 : len));
}

void packet_trace::ack_received(std::string_view what) {
    // Paho writes "msgid: 1" for PUBACK and "msgid:1" for PUBCOMP.
    const int mid = field(what, "msgid:");
    std::string text =
        fmt::format("received {} (Mid: {}, RC:", what.substr(0, 6) == "PUBACK" ? "PUBACK" : "PUBCOMP", mid);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        inflight_topics_.erase(mid);
        if (await_reason_codes_) {  // the code comes with publish_done()
            awaiting_reason_[mid] = std::move(text);
            return;
        }
    }
    client_line(text + "0)");
}

void packet_trace::subscribe_sent(int mid) {
    std::pair<std::vector<std::pair<std::string, int>>, int> sub;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!subscribes_.empty()) {
            sub = std::move(subscribes_.front());
            subscribes_.pop_front();
        }
    }
    for (const auto& [filter, qos] : sub.first)
        client_line(fmt::format("sending SUBSCRIBE (Mid: {}, Topic: {}, QoS: {}, Options: 0x{:02x})", mid, filter, qos,
                                sub.second));
}

void packet_trace::suback_received(int mid) {
    std::string follow;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto waiting = after_suback_.find(mid);
        if (waiting == after_suback_.end()) {
            subacks_seen_.push_back(mid);
        } else {
            follow = std::move(waiting->second);
            after_suback_.erase(waiting);
        }
    }
    client_line("received SUBACK");
    if (!follow.empty()) sink_(follow + "\n");
}

void packet_trace::unsubscribe_sent(int mid) {
    std::vector<std::string> filters;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!unsubscribes_.empty()) {
            filters = std::move(unsubscribes_.front());
            unsubscribes_.pop_front();
        }
    }
    for (const auto& f : filters) client_line(fmt::format("sending UNSUBSCRIBE (Mid: {}, Topic: {})", mid, f));
}

}  // namespace mqkit::detail

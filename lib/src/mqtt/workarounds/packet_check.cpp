// What the protocol guard reads in raw MQTT packets (see packet_check.hpp).
#include "mqtt/workarounds/packet_check.hpp"

#include "mqkit/topic.hpp"

#include <functional>

namespace mqkit::workarounds {
namespace {

/// Reads MQTT's data types from a packet body, front to back; any read past the end fails (and
/// every later read too).
class body_reader {
public:
    explicit body_reader(std::string_view b) : b_(b) {}
    bool ok() const { return ok_; }
    bool at_end() const { return at_ >= b_.size(); }
    std::size_t left() const { return ok_ ? b_.size() - at_ : 0; }
    std::uint32_t byte() { return take(1) ? static_cast<unsigned char>(b_[at_ - 1]) : 0; }
    std::uint32_t u16() {
        const std::uint32_t hi = byte();
        return hi << 8 | byte();
    }
    std::uint32_t u32() {
        const std::uint32_t hi = u16();
        return hi << 16 | u16();
    }
    std::uint32_t varint() {
        std::uint32_t value = 0;
        for (int shift = 0; shift < 28 && ok_; shift += 7) {
            const std::uint32_t b = byte();
            value |= (b & 0x7f) << shift;
            if (!(b & 0x80)) return value;
        }
        ok_ = false;
        return 0;
    }
    std::string_view bytes(std::size_t n) { return take(n) ? b_.substr(at_ - n, n) : std::string_view(); }
    std::string_view string() { return bytes(u16()); }

private:
    bool take(std::size_t n) {
        if (!ok_ || b_.size() - at_ < n) {
            ok_ = false;
            return false;
        }
        at_ += n;
        return true;
    }
    std::string_view b_;
    std::size_t at_ = 0;
    bool ok_ = true;
};

/// Reads an MQTT v5 property list, handing each numeric property to `seen` (id, value); false if
/// the list cannot be followed (an unknown identifier, or it runs past the packet).
bool read_properties(body_reader& r, const std::function<void(int, std::uint32_t)>& seen) {
    const std::uint32_t length = r.varint();
    if (!r.ok() || length > r.left()) return false;
    body_reader props(r.bytes(length));
    while (props.ok() && !props.at_end()) {
        const int id = static_cast<int>(props.varint());
        switch (id) {
            case 0x01:
            case 0x17:
            case 0x19:
            case 0x24:
            case 0x25:
            case 0x28:
            case 0x29:
            case 0x2a:
                seen(id, props.byte());
                break;
            case 0x13:
            case 0x21:
            case 0x22:
            case 0x23:
                seen(id, props.u16());
                break;
            case 0x02:
            case 0x11:
            case 0x18:
            case 0x27:
                seen(id, props.u32());
                break;
            case 0x0b:
                seen(id, props.varint());
                break;
            case 0x03:
            case 0x08:
            case 0x09:
            case 0x12:
            case 0x15:
            case 0x16:
            case 0x1a:
            case 0x1c:
            case 0x1f:
                props.string();
                break;
            case 0x26:
                props.string();
                props.string();
                break;
            default:
                return false;
        }
    }
    return props.ok() && r.ok();
}

}  // namespace

std::string packet_name(int type) {
    static const char* const names[] = {nullptr,   "CONNECT",  "CONNACK",    "PUBLISH", "PUBACK",      "PUBREC",
                                        "PUBREL",  "PUBCOMP",  "SUBSCRIBE",  "SUBACK",  "UNSUBSCRIBE", "UNSUBACK",
                                        "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
    if (type > 0 && type < 16) return names[type];
    return "packet type " + std::to_string(type);
}

std::optional<connect_request> read_connect(std::string_view body) {
    body_reader r(body);
    r.string();  // "MQTT" or "MQIsdp"
    connect_request c;
    c.version = static_cast<int>(r.byte());
    r.byte();  // flags
    r.u16();   // keep alive
    if (!r.ok()) return std::nullopt;
    if (c.version >= 5 && !read_properties(r, [&](int id, std::uint32_t v) {
            if (id == 0x27) c.max_packet = v;
            if (id == 0x22) c.topic_alias_max = static_cast<std::uint16_t>(v);
        }))
        return std::nullopt;
    return c;
}

std::optional<filter_count> read_subscribe(std::string_view body, int version, bool unsubscribe) {
    body_reader r(body);
    filter_count f;
    f.packet_id = static_cast<int>(r.u16());
    if (version >= 5 && !read_properties(r, [](int, std::uint32_t) {})) return std::nullopt;
    while (r.ok() && !r.at_end()) {
        r.string();
        if (!unsubscribe) r.byte();  // the filter's options
        if (r.ok()) ++f.filters;
    }
    if (!r.ok()) return std::nullopt;
    return f;
}

std::optional<filter_count> read_suback(std::string_view body, int version) {
    body_reader r(body);
    filter_count f;
    f.packet_id = static_cast<int>(r.u16());
    if (version >= 5 && !read_properties(r, [](int, std::uint32_t) {})) return std::nullopt;
    if (!r.ok()) return std::nullopt;
    f.filters = static_cast<int>(r.left());
    return f;
}

std::string suback_problem(std::string_view body, int version, bool unsuback) {
    body_reader r(body);
    r.u16();
    if (version >= 5 && !read_properties(r, [](int, std::uint32_t) {})) return {};
    while (r.ok() && !r.at_end()) {
        const std::uint32_t code = r.byte();
        const bool known = code >= 0x80 ? (version >= 5 || code == 0x80)
                           : unsuback   ? code == 0 || code == 0x11
                                        : code <= 2;
        if (!known)
            return std::string("the broker's ") + (unsuback ? "UNSUBACK" : "SUBACK") + " holds reason code " +
                   std::to_string(code) + ", which MQTT does not define there";
    }
    return {};
}

std::string publish_problem(unsigned char header, std::string_view body, int version, std::uint16_t topic_alias_max) {
    const int qos = (header >> 1) & 3;
    if (qos == 3) return "the broker sent a PUBLISH with QoS 3";
    body_reader r(body);
    const std::string_view topic = r.string();
    const std::uint32_t mid = qos > 0 ? r.u16() : 1;
    if (!r.ok()) return {};  // Paho C checked the lengths already
    if (mid == 0) return "the broker sent a QoS " + std::to_string(qos) + " PUBLISH with packet id 0";
    std::optional<std::uint32_t> alias;
    if (version >= 5 && !read_properties(r, [&](int id, std::uint32_t v) {
            if (id == 0x23) alias = v;
        }))
        return {};
    if (alias && *alias == 0) return "the broker sent a PUBLISH with topic alias 0";
    if (alias && *alias > topic_alias_max)
        return "the broker sent a PUBLISH with topic alias " + std::to_string(*alias) +
               ", above this client's topic alias maximum of " + std::to_string(topic_alias_max);
    if (topic.empty()) {
        if (alias) return {};  // the topic the alias stands for
        return "the broker sent a PUBLISH without a topic";
    }
    if (std::string why = topic_name_problem(topic); !why.empty())
        return "the broker sent a PUBLISH with a topic MQTT does not allow: " + why;
    return {};
}

std::uint64_t packet_size(std::uint64_t remaining) {
    std::uint64_t length_bytes = 1;
    for (std::uint64_t v = remaining; v >= 128; v /= 128) ++length_bytes;
    return 1 + length_bytes + remaining;
}

}  // namespace mqkit::workarounds

// The MQTT v5 properties a -D flag may set: wire code, value type and the packets allowing them.
#pragma once

#include <array>
#include <string_view>

namespace mqkit::detail {

/// How a property's value is encoded on the wire.
enum class property_type { byte, u16, u32, varint, string, binary, pair };

struct property_info {
    std::string_view name;  ///< -D identifier, as mosquitto spells it
    int code;               ///< MQTT v5 property identifier
    property_type type;
    std::string_view commands;  ///< space-separated packets it may appear in
};

inline constexpr std::array<property_info, 16> property_table{{
    {"payload-format-indicator", 1, property_type::byte, "publish will"},
    {"message-expiry-interval", 2, property_type::u32, "publish will"},
    {"content-type", 3, property_type::string, "publish will"},
    {"response-topic", 8, property_type::string, "publish will"},
    {"correlation-data", 9, property_type::binary, "publish will"},
    {"subscription-identifier", 11, property_type::varint, "subscribe"},
    {"session-expiry-interval", 17, property_type::u32, "connect disconnect"},
    {"request-problem-information", 23, property_type::byte, "connect"},
    {"will-delay-interval", 24, property_type::u32, "will"},
    {"request-response-information", 25, property_type::byte, "connect"},
    {"reason-string", 31, property_type::string, "disconnect"},
    {"receive-maximum", 33, property_type::u16, "connect"},
    {"topic-alias-maximum", 34, property_type::u16, "connect"},
    {"topic-alias", 35, property_type::u16, "publish"},
    {"user-property", 38, property_type::pair, "connect publish subscribe unsubscribe disconnect will"},
    {"maximum-packet-size", 39, property_type::u32, "connect"},
}};

/// The packets a -D command word names, in the order they are documented.
inline constexpr std::array<std::string_view, 6> property_commands{"connect",     "publish",    "subscribe",
                                                                   "unsubscribe", "disconnect", "will"};

/// The table entry for `name`, or nullptr.
inline const property_info* find_property(std::string_view name) {
    for (const auto& p : property_table)
        if (p.name == name) return &p;
    return nullptr;
}

}  // namespace mqkit::detail

// Parses mosquitto's -L URL, scheme://[username[:password]@]host[:port]/topic, with the schemes mqtt,
// mqtts, ws and wss.
#pragma once

#include <optional>
#include <string>

namespace mqkit {

/// The parts of a -L URL.
struct broker_url {
    std::string scheme;  ///< "mqtt", "mqtts" (TLS), "ws" (WebSocket) or "wss" (WebSocket over TLS)
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::string host;
    int port = 0;       ///< explicit port, or by scheme: mqtt 1883, mqtts 8883, ws 80, wss 443
    std::string topic;  ///< the path after the host, as in mosquitto (also for ws/wss); may be empty

    /// True for mqtts and wss.
    bool tls() const { return scheme == "mqtts" || scheme == "wss"; }
    /// True for ws and wss.
    bool websocket() const { return scheme == "ws" || scheme == "wss"; }
};

/// Parses `url`; throws usage_error ("-L: ...") naming what is wrong.
broker_url parse_broker_url(const std::string& url);

}  // namespace mqkit

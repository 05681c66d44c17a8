// Parses mosquitto's -L URL: mqtt(s)://[username[:password]@]host[:port]/topic.
#pragma once

#include <optional>
#include <string>

namespace mqkit {

/// The parts of a -L URL.
struct broker_url {
    std::string scheme;  ///< "mqtt" or "mqtts"
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::string host;
    int port = 0;        ///< explicit port, or 1883/8883 by scheme
    std::string topic;   ///< may be empty
};

/// Parses `url`; throws usage_error ("-L: ...") naming what is wrong.
broker_url parse_broker_url(const std::string& url);

}  // namespace mqkit

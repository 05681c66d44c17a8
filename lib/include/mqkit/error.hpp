// One error type for every mqkit tool: a message, an optional hint and the process exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace mqkit {

/// Process exit codes. mqpub/mqsub follow mosquitto 2.0's clients (see README "Exit status").
/// A CONNACK refusal exits with the broker's reason code instead (1-5 for MQTT 3.x, 128-162 for v5).
enum class exit_code : int {
    ok = 0,
    failure = 1,          ///< usage error, network error, any error mosquitto reports as 1
    protocol = 2,         ///< the broker broke the MQTT protocol (libmosquitto ERR_PROTOCOL)
    connection_lost = 7,  ///< link lost with messages not yet acknowledged (libmosquitto CONN_LOST)
    tls = 8,              ///< TLS handshake or certificate check failed (libmosquitto ERR_TLS)
    timeout = 27,         ///< mqsub -W expired (libmosquitto ERR_TIMEOUT, as mosquitto_sub)
    interrupted = 130,    ///< SIGINT (128 + 2)
    terminated = 143,     ///< SIGTERM (128 + 15)
};

/// An error that ends the tool: printed once as "<tool>: error: <message>" (+ "hint: <hint>").
class error : public std::runtime_error {
public:
    error(int status, const std::string& message, std::string hint = {})
        : std::runtime_error(message), status_(status), hint_(std::move(hint)) {}
    error(exit_code code, const std::string& message, std::string hint = {})
        : error(static_cast<int>(code), message, std::move(hint)) {}

    /// The process exit status this error maps to.
    int status() const noexcept { return status_; }
    /// An optional second line, e.g. "did you mean --topic?"; empty if none.
    const std::string& hint() const noexcept { return hint_; }

private:
    int status_;
    std::string hint_;
};

/// The broker refused the connection in its CONNACK: status() is the broker's code (MQTT 3.x:
/// 1-5 and any other it sends; v5: the reason code, or 132 for a 3.x broker's "unacceptable
/// protocol version" to a v5 CONNECT), as mosquitto's clients exit.
class refused_error : public error {
public:
    using error::error;
};

/// A bad command line or config file: exit 1, like mosquitto's clients.
class usage_error : public error {
public:
    explicit usage_error(const std::string& message, std::string hint = {})
        : error(exit_code::failure, message, std::move(hint)) {}
};

}  // namespace mqkit

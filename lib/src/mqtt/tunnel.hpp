// What mqkit does itself between Paho and the broker when Paho cannot: reach the broker through a
// SOCKS5 proxy, and speak TLS with a pre-shared key, a key log, or a host name check during the
// handshake. Paho connects, in plain MQTT (or WebSockets), to a loopback listener of this process.
#pragma once

#include "mqkit/error.hpp"
#include "mqkit/options.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace mqkit::detail {

/// A relay on 127.0.0.1 (an ephemeral port) that takes connections from this process only and
/// gives each one its own link to the broker: through the SOCKS5 proxy of --proxy socks5h://, and
/// in TLS made with OpenSSL here when the connection uses TLS. Paho reconnects through it too.
class tunnel {
public:
    /// True when `c` needs a tunnel: a SOCKS5 proxy, or TLS with --psk or --tls-keylog.
    static bool needed(const connection_config& c);

    /// Starts listening, so that port() is known. Throws mqkit::error if it cannot.
    explicit tunnel(const connection_config& c);
    /// Stops the thread and closes every socket.
    ~tunnel();
    tunnel(const tunnel&) = delete;
    tunnel& operator=(const tunnel&) = delete;

    /// The loopback port Paho connects to.
    int port() const { return port_; }
    /// Whether the tunnel speaks TLS to the broker (Paho then speaks plain MQTT to the tunnel).
    bool tls() const { return config_.tls.enabled; }
    /// Waits until the link of a connection Paho closed has passed on everything Paho wrote and
    /// closed the broker's side too (at most `timeout`): the relay is a thread of this process,
    /// which must not end before that (a DISCONNECT, a last QoS 0 PUBLISH).
    void wait_idle(std::chrono::milliseconds timeout);
    /// Why the last link to the broker could not be made (proxy refusal, TLS failure), if it failed.
    std::optional<error> failure() const;
    /// Sets up TLS (with the passphrase of --key, if any) and starts relaying; call before Paho
    /// connects, again for each connect (only the first one does anything). Throws mqkit::error
    /// for a local problem: a key or certificate OpenSSL cannot load, a key log that cannot be
    /// opened.
    void start(const std::string& key_password);

private:
    struct tls_context;
    class upstream;
    void run();
    void serve(int client);
    /// Connects to the broker (through the proxy), TLS included; null after fail().
    std::unique_ptr<upstream> open_upstream();
    void relay(int client, upstream& up);
    void fail(error e);

    const connection_config config_;
    std::unique_ptr<tls_context> tls_;
    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::condition_variable idle_;
    bool linked_ = false;  // a connection from Paho is being served (under mutex_)
    std::optional<error> failure_;
    std::thread thread_;
};

}  // namespace mqkit::detail

// Test fixture that runs a private mosquitto broker on a free loopback port in its own temporary directory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mqkit::test {

/// How the broker is configured.
struct broker_options {
    /// (username, password) pairs written to a password_file; empty = no password_file.
    std::vector<std::pair<std::string, std::string>> users;
    /// Contents of an acl_file; empty = no acl_file.
    std::string acl;
    /// Value of allow_anonymous.
    bool allow_anonymous = true;
    /// Enables persistence with persistence_location inside the broker's temp dir.
    bool persistence = false;
    /// Appended verbatim to the generated config (extra listeners etc.).
    std::string extra_config;
    /// Adds TLS listeners on 127.0.0.1 with throwaway certificates that `openssl` makes in the temp dir at start:
    /// tls_port() (server certificate for 127.0.0.1 and localhost), mtls_port() (same, and a client certificate
    /// signed by ca_file() is required), wrong_host_port() (certificate for wrong.example only) and expired_port()
    /// (an expired certificate). With websockets also wss_port().
    bool tls = false;
    /// Adds a WebSocket listener on ws_port() (loopback only; any HTTP path is accepted).
    bool websockets = false;
    /// Sets max_inflight_messages 0: no outgoing in-flight quota. mosquitto 2.0.11 (Debian 12) can
    /// strand QoS 1/2 messages that waited in a client's queue behind its quota (20): they get a
    /// message id but are never sent, while later ones are (the "inflight quota management" fixes
    /// came in 2.0.13). Under load a contiguous block went missing mid-stream, also across a restart.
    /// For tests that push many QoS 1/2 messages through one subscriber and expect every one.
    bool no_inflight_quota = false;
};

/// Internal bookkeeping shared with the failure listener (defined in broker.cpp).
struct broker_record;

/// A mosquitto broker listening on 127.0.0.1:port(); started by the constructor, stopped by PID in the destructor.
/// The log of every broker created during a test case is printed when that test case fails.
class broker {
public:
    /// Creates the temp dir and config, starts mosquitto and waits until it accepts TCP connections.
    /// Throws std::runtime_error (including the broker log) if it cannot be started.
    explicit broker(broker_options opts = {});
    /// Stops the broker, keeps its log for the failure listener and removes the temp dir.
    ~broker();

    broker(const broker&) = delete;
    broker& operator=(const broker&) = delete;

    /// TCP port of the listener on 127.0.0.1 (unchanged across stop()/start()).
    int port() const;
    /// Host of the listener: "127.0.0.1".
    std::string host() const;
    /// "mqtt://127.0.0.1:PORT".
    std::string url() const;
    /// PID of the running mosquitto, or -1 while stopped.
    pid_t pid() const;
    /// Private temp dir holding mosquitto.conf, mosquitto.log, passwd, acl and the persistence db.
    const std::string& dir() const;
    /// Path of the generated mosquitto.conf.
    std::string config_path() const;
    /// The broker log so far (all log types), plus anything mosquitto wrote to stdout/stderr.
    std::string log() const;
    /// True once the broker log contains needle (polled every few ms), false after timeout. Use it for readiness,
    /// e.g. "Sending SUBACK to <client id>" once a subscriber with a known client id is subscribed.
    bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) const;
    /// True while the mosquitto process is running.
    bool running() const;

    /// Ports of the extra listeners (see broker_options::tls and ::websockets); 0 when not configured.
    int tls_port() const;
    int mtls_port() const;
    int wrong_host_port() const;
    int expired_port() const;
    int ws_port() const;
    int wss_port() const;
    /// PEM files made for broker_options::tls (empty paths otherwise). ca_file() signed every server and
    /// client certificate; other_ca_file() is a CA that signed none of them.
    std::string ca_file() const;
    std::string other_ca_file() const;
    /// A client certificate and its key (unencrypted) for mtls_port().
    std::string client_cert() const;
    std::string client_key() const;
    /// The same key, encrypted with key_passphrase().
    std::string client_key_encrypted() const;
    /// Passphrase of client_key_encrypted() (a throwaway test value).
    static std::string key_passphrase();

    /// Sends SIGTERM to the broker's PID and waits for it to exit (SIGKILL after 5 s). No-op when stopped.
    /// While stopped the port stays reserved (bound, not listening) so no other test's free_port() can take it.
    void stop();
    /// Starts mosquitto again on the same port with the same config and waits until it accepts connections;
    /// retries for up to 10 s while the port is still in use. No-op when running.
    void start();

    /// A port on 127.0.0.1 that was free a moment ago (bind to port 0, then close).
    static int free_port();

private:
    void write_config() const;
    void write_password_file() const;
    // Runs openssl to make the CA, server, client, wrong-host and expired certificates in dir_.
    void make_certificates() const;
    // Picks free ports for the extra listeners.
    void pick_extra_ports();
    // Spawns mosquitto once and waits for readiness; returns false if it exited because the port was in use.
    bool try_start();
    // Binds a SO_REUSEADDR socket to port_ (0 = pick one and set port_) without listening, so bind(0) elsewhere
    // skips the port while mosquitto (which also sets SO_REUSEADDR) can still bind it. Best effort when port_ != 0.
    void reserve_port();
    void release_port();

    broker_options opts_;
    std::string dir_;
    int port_ = 0;
    int tls_port_ = 0;
    int mtls_port_ = 0;
    int wrong_host_port_ = 0;
    int expired_port_ = 0;
    int ws_port_ = 0;
    int wss_port_ = 0;
    pid_t pid_ = -1;
    int reserve_fd_ = -1;
    std::shared_ptr<broker_record> record_;
};

}  // namespace mqkit::test

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
    // Spawns mosquitto once and waits for readiness; returns false if it exited because the port was in use.
    bool try_start();
    // Binds a SO_REUSEADDR socket to port_ (0 = pick one and set port_) without listening, so bind(0) elsewhere
    // skips the port while mosquitto (which also sets SO_REUSEADDR) can still bind it. Best effort when port_ != 0.
    void reserve_port();
    void release_port();

    broker_options opts_;
    std::string dir_;
    int port_ = 0;
    pid_t pid_ = -1;
    int reserve_fd_ = -1;
    std::shared_ptr<broker_record> record_;
};

}  // namespace mqkit::test

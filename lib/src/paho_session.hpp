// One MQTT connection on Paho C++: connect, windowed publish, subscribe, disconnect; errors as mqkit::error.
#pragma once

#include "mqkit/error.hpp"
#include "mqkit/options.hpp"
#include "tcp_probe.hpp"
#include "trace.hpp"

// Paho C++ 1.2 hides the C structs behind UNIT_TESTS; the guarded code is only inline read-only
// accessors (no data members, so no layout change). mqsub needs the packet id of a received
// message (%m, -d), which Paho C++ exposes no other way.
#define UNIT_TESTS 1
#include <mqtt/async_client.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mqkit::detail {

/// Prepares Paho C before its first client is created (OpenSSL left to initialise itself when TLS
/// needs it) and sets its log level; cheap to call again.
void init_paho();

/// Converts -D properties for one packet type into Paho properties.
mqtt::properties to_paho_properties(const std::vector<v5_property>& props);

/// Returns the one-line reason for a CONNACK/SUBACK/PUBACK reason code.
std::string reason_text(int code, mqtt_version version);

/// What a session does when its link drops after the first CONNACK (mqpub -l and --repeat).
struct reconnect_policy {
    /// Longest pause between reconnect attempts in seconds; Paho starts at 1 s and doubles.
    int max_wait = 30;
    /// publish() and link_failure() give up once the link has been down this long; zero: never.
    std::chrono::seconds give_up{0};
    /// QoS 1/2: keep the session on the broker across reconnects (clean session off, or a v5
    /// session expiry) so Paho resends what was not acknowledged. Unless the user asked for a
    /// persistent session (-c), disconnect() deletes it again.
    bool keep_session = false;
};

/// An MQTT connection as mqpub/mqsub use it. Not thread-safe except where noted: the main thread
/// drives it; Paho's threads call the handlers.
class session {
public:
    using message_handler = std::function<void(const mqtt::const_message_ptr&)>;

    /// `trace` may be null (no -d).
    session(const connection_config& config, packet_trace* trace);
    ~session();

    /// Called for each received message, on Paho's receive thread.
    void on_message(message_handler handler);
    /// Called on Paho's thread after an automatic reconnect succeeded.
    void on_reconnect(std::function<void()> handler);
    /// Called on Paho's thread when the connection drops.
    void on_connection_lost(std::function<void(const std::string&)> handler);

    /// Sets how connect(true, ...) reconnects; call before connect().
    void set_reconnect_policy(const reconnect_policy& policy);

    /// From now on, waiting for CONNACK, SUBACK or UNSUBACK ends at `when` with error(code,
    /// message) (mqsub -W, which like mosquitto_sub's also covers a broker that never answers).
    void set_deadline(std::chrono::steady_clock::time_point when, exit_code code, std::string message);

    /// Connects and waits for CONNACK. `auto_reconnect`: Paho reconnects after a lost link
    /// (1 s, doubling up to the policy's max_wait, default 30 s). Throws mqkit::error (CONNACK
    /// refusals carry the reason code; SIGINT/SIGTERM while waiting: at once, 130/143).
    void connect(bool auto_reconnect, int max_inflight);

    /// Queues one PUBLISH, first waiting while `window` messages are unfinished (QoS 0: not yet
    /// written; QoS 1/2: not yet acknowledged) or, when reconnecting, while the link is down.
    /// Returns false without publishing once cancel() was called. Throws exit_code::connection_lost
    /// if the link is gone (with auto-reconnect: gone longer than the policy's give_up).
    bool publish(const std::string& topic, std::string payload, int qos, bool retain, const mqtt::properties& props,
                 std::size_t window);
    /// Wakes a blocked publish() and makes it return false; callable from any thread.
    void cancel();

    /// Waits until every publish has finished or failed, or `timeout` passes. Returns the number
    /// still unfinished (0 on success).
    std::size_t wait_published(std::chrono::milliseconds timeout);
    /// Publishes that failed (connection lost before the acknowledgement, broker refusal).
    std::size_t failed_publishes() const;
    /// Publishes that completed (QoS 0: written; QoS 1/2: acknowledged).
    std::size_t completed_publishes() const;
    /// Why unfinished publishes can no longer complete (the link is down and will not come back
    /// in time), or empty while they still can.
    std::string link_failure() const;
    /// The exit status for link_failure(): exit_code::protocol when the broker broke the protocol
    /// (paho_protocol_guard.hpp), exit_code::connection_lost otherwise.
    int link_status() const;
    /// The first publish failure's description, if any.
    std::string first_failure() const;
    /// The MQTT v5 reason code (>= 128) of the first publish failure if the broker refused it
    /// (e.g. 135 not authorized in PUBACK), else 0.
    int first_failure_reason() const;

    /// Subscribes to all filters in one SUBSCRIBE and waits for SUBACK; returns granted QoS/reason
    /// codes, one per filter. SIGINT/SIGTERM while waiting: at once, 130/143.
    /// With `wait` false (from a Paho callback, which must not block) it returns at once, empty.
    /// `mid` receives the SUBSCRIBE's packet identifier.
    std::vector<int> subscribe(const std::vector<std::string>& filters, int qos, bool retain_as_published,
                               const mqtt::properties& props, bool wait, int* mid = nullptr);
    /// Unsubscribes from each filter in turn, one UNSUBSCRIBE each (so that the packet ids are
    /// mosquitto_sub's), waiting for each UNSUBACK (SIGINT/SIGTERM while waiting: at once,
    /// 130/143). Returns the filters the broker refused (MQTT v5 reason code >= 128) with their
    /// codes; "no subscription existed" (17) is no refusal.
    std::vector<std::pair<std::string, int>> unsubscribe(const std::vector<std::string>& filters,
                                                         const mqtt::properties& props);

    /// Sends DISCONNECT (if connected) and waits briefly for it to go out.
    void disconnect();
    bool is_connected() const;

private:
    class publish_listener;

    [[noreturn]] void throw_connect_error(const mqtt::exception& e);
    /// Waits for `tok` in 10 ms steps (Paho C++ throws if it failed): 0 once it completed, or the
    /// number of a SIGINT/SIGTERM that came first. Throws the set_deadline() error once it passes.
    int wait_for_token(const mqtt::token_ptr& tok);
    /// After SIGINT/SIGTERM: throws 130/143 "interrupted|terminated while <doing> host:port".
    [[noreturn]] void throw_signalled(const char* doing) const;
    /// Deletes the session kept for reconnects (reconnect_policy::keep_session) on MQTT 3.x: a
    /// second, clean-session CONNECT and DISCONNECT under the same client id.
    void delete_kept_session();
    std::string lost_text() const;

    const connection_config& config_;
    packet_trace* trace_;
    std::unique_ptr<mqtt::async_client> client_;
    std::unique_ptr<publish_listener> listener_;
    std::unique_ptr<mqtt::ssl_options> ssl_;  // kept: Paho C++ 1.2 copies point into it (CA path)
    std::unique_ptr<tls_trace> tls_trace_;    // set while a TLS connect is under way
    bool key_encrypted_ = false;              // a passphrase was given for --key
    std::optional<std::chrono::steady_clock::time_point> deadline_;  // set_deadline()
    exit_code deadline_code_ = exit_code::failure;
    std::string deadline_message_;

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t unfinished_ = 0;
    /// Completions wake a publisher waiting for room only below this many unfinished messages
    /// (session::publish sets it; every completion wakes it by default).
    std::size_t wake_below_ = static_cast<std::size_t>(-1);
    std::size_t failed_ = 0;
    std::size_t completed_ = 0;
    std::string first_failure_;
    int first_failure_reason_ = 0;
    bool connected_once_ = false;
    bool lost_ = false;
    bool cancelled_ = false;
    bool auto_reconnect_ = false;
    std::chrono::steady_clock::time_point lost_since_{};
    reconnect_policy policy_;
    bool delete_session_ = false;  // keep_session on a session the user did not ask to keep
    mqtt::connect_options connect_options_;
    std::function<void()> on_reconnect_;
    std::function<void(const std::string&)> on_lost_;
};

}  // namespace mqkit::detail

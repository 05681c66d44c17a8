// One MQTT connection, as mqkit's tools use it and as any program that links libmqkit can:
// connect, publish within a window, subscribe, receive, disconnect. Every failure is an
// mqkit::error whose status is the exit code mosquitto's clients use for it.
#pragma once

#include "mqkit/error.hpp"
#include "mqkit/format.hpp"
#include "mqkit/options.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mqkit {

/// MQTT v5's words for a reason code ("not authorized"; 0x80 "unspecified error"), or "reason
/// code N" for one it does not define.
std::string reason_name(int code);

/// What a session does when its link drops after the first CONNACK (mqpub -l and --repeat).
struct reconnect_policy {
    /// Longest pause between reconnect attempts in seconds; the first is after 1 s, then doubling.
    int max_wait = 30;
    /// publish() and link_failure() give up once the link has been down this long; zero: never.
    std::chrono::seconds give_up{0};
    /// QoS 1/2: keep the session on the broker across reconnects (clean session off, or a v5
    /// session expiry) so that what was not acknowledged is sent again. Unless the configuration
    /// asked for a persistent session (clean_session false), disconnect() deletes it again.
    bool keep_session = false;
};

/// The options of one subscription (MQTT v5's subscription options; under MQTT 3.x only the QoS
/// goes to the broker).
struct subscription_options {
    int qos = 0;                                         ///< maximum QoS, 0-2
    bool no_local = false;                               ///< v5: the broker does not send this client's own messages
    bool retain_as_published = false;                    ///< v5: keep the retain flag as published
    retain_handling retained = retain_handling::always;  ///< v5: retained messages at subscribe time

    /// The SUBSCRIBE options byte as MQTT v5 sends it and -d shows it, without the QoS
    /// (0x04 no local, 0x08 retain as published, 0x10/0x20 retain handling).
    int flags() const {
        return (no_local ? 0x04 : 0) | (retain_as_published ? 0x08 : 0) | (static_cast<int>(retained) << 4);
    }
};

/// Receives mosquitto's -d lines ("Client <id> sending PUBLISH (d0, q1, r0, m1, 't', ... (5
/// bytes))\n"), one or more complete lines with their newlines per call, from the session's threads.
using trace_sink = std::function<void(std::string_view line)>;

/// An MQTT connection. The caller's thread drives it; handlers run on the MQTT library's threads
/// and must not block. Not thread-safe except where noted.
class session {
public:
    using message_handler = std::function<void(const received_message&)>;

    /// `config` is copied. With a `trace`, the session writes mosquitto's -d lines to it.
    explicit session(const connection_config& config, trace_sink trace = {});
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /// Replaces every occurrence of `secret` in trace lines with asterisks (tspub's legacy API key,
    /// which is part of its topic).
    void hide_in_trace(std::string secret);

    /// Called for each received message, one at a time.
    void on_message(message_handler handler);
    /// Called after an automatic reconnect succeeded.
    void on_reconnect(std::function<void()> handler);
    /// Called when the connection drops, with the library's description of why.
    void on_connection_lost(std::function<void(const std::string&)> handler);

    /// Sets how connect(true, ...) reconnects; call before connect().
    void set_reconnect_policy(const reconnect_policy& policy);
    /// From now on, a wait for CONNACK, SUBACK or UNSUBACK ends at `when` with error(code,
    /// message) (mqsub -W).
    void set_deadline(std::chrono::steady_clock::time_point when, exit_code code, std::string message);

    /// Connects and waits for CONNACK. `auto_reconnect`: reconnect after a lost link (policy
    /// above). `max_inflight`: the largest window publish() will be given. Throws mqkit::error:
    /// a CONNACK refusal carries the broker's code; SIGINT/SIGTERM while waiting (for a tool that
    /// installed mqkit's signal handling): at once, 130/143.
    void connect(bool auto_reconnect = false, int max_inflight = 20);

    /// Queues one PUBLISH (with the configuration's -D publish properties), first waiting while
    /// `window` messages are unfinished (QoS 0: not yet written; QoS 1/2: not yet acknowledged)
    /// or, when reconnecting, while the link is down. At QoS 1/2 (without a -d trace) the message
    /// may instead wait in the session's own bounded queue, in order, and go out as soon as an
    /// acknowledgement frees the window, from Paho's thread (see unsent_publishes()). False
    /// without publishing once cancel() was called. Throws exit_code::connection_lost (or
    /// protocol) once the link is gone for good.
    bool publish(const std::string& topic, std::string payload, int qos = 0, bool retain = false,
                 std::size_t window = 20);
    /// Wakes a blocked publish() and makes it return false; callable from any thread.
    void cancel();

    /// Waits until every publish has finished or failed, or `timeout` passes. Returns the number
    /// still unfinished (0 on success).
    std::size_t wait_published(std::chrono::milliseconds timeout);
    /// Publishes that failed (connection lost before the acknowledgement, broker refusal).
    std::size_t failed_publishes() const;
    /// Publishes that completed (QoS 0: written; QoS 1/2: acknowledged).
    std::size_t completed_publishes() const;
    /// QoS 1/2 publishes that publish() accepted into the session's own queue behind the window
    /// but that were never sent (the stream stopped first: cancel(), or the link gone for good);
    /// like lines not yet read, they were never attempted.
    std::size_t unsent_publishes() const;
    /// Why unfinished publishes can no longer complete, or empty while they still can.
    std::string link_failure() const;
    /// The exit status that goes with link_failure(): exit_code::protocol when the broker broke
    /// the MQTT protocol, else exit_code::connection_lost.
    int link_status() const;
    /// The first publish failure's description, if any.
    std::string first_failure() const;
    /// The MQTT v5 reason code (>= 128) of the first publish failure if the broker refused it
    /// (e.g. 135 not authorized in PUBACK), else 0.
    int first_failure_reason() const;

    /// Subscribes to all filters (with the -D subscribe properties) and, with `wait`, waits for
    /// SUBACK and returns the granted QoS or reason code of each filter. With `wait` false (from
    /// a handler, which must not block) it returns at once, empty.
    std::vector<int> subscribe(const std::vector<std::string>& filters, int qos = 0, bool retain_as_published = false,
                               bool wait = true);
    /// The same with every subscription option (one SUBSCRIBE per filter when options other than
    /// the QoS are set, under MQTT v5).
    std::vector<int> subscribe(const std::vector<std::string>& filters, const subscription_options& options,
                               bool wait = true);
    /// Unsubscribes from each filter in turn, one UNSUBSCRIBE each, waiting for each UNSUBACK.
    /// Returns the filters the broker refused (MQTT v5 reason code >= 128) with their codes.
    std::vector<std::pair<std::string, int>> unsubscribe(const std::vector<std::string>& filters);

    /// Sends DISCONNECT (if connected) and waits briefly for it to go out.
    void disconnect();
    bool is_connected() const;

    /// For a program that ends with _exit() right after its sessions (mqkit's tools, through
    /// mqkit::exit_now): from now on a session's destructor leaves its client to the process's end
    /// instead of stopping the MQTT library's threads, which takes up to 100 ms.
    static void leave_clients_to_exit();

private:
    class impl;
    std::unique_ptr<impl> impl_;
};

/// "Eclipse Paho MQTT C++ 1.2.0, Paho MQTT C 1.3.11": the MQTT libraries this process runs on.
std::string mqtt_library_versions();

/// The workarounds for Paho's faults that this program was linked with, one line each, e.g. "send
/// guard: on (verified on Paho C 1.3.11, 1.3.14)". mqkit's own tools have them (README "Known Paho
/// behaviour"); a program that links libmqkit has none and gets an empty list.
std::vector<std::string> paho_workarounds();

}  // namespace mqkit

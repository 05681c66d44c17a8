// -d: renders Paho's protocol trace as mosquitto's "Client <id> sending PUBLISH (...)" lines.
#pragma once

#include "mqkit/session.hpp"

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mqkit::detail {

/// Sets Paho C's log level to what the active traces need: LOG_ERROR when none is active, which
/// stops Paho's per-call function-entry tracing and log formatting (call before connecting).
void quiet_paho_log();

/// Turns Paho C's protocol-level trace into mosquitto 2.0's debug lines on stdout (mosquitto's
/// clients print -d output with printf, so scripts that grep it read stdout). Paho's trace lacks
/// topics, so the session announces each PUBLISH/SUBSCRIBE before handing it to Paho; Paho sends
/// commands in the order it was given them, so a FIFO pairs them up. Passwords never reach it:
/// Paho does not trace them and this class prints only the fields it parses.
class packet_trace {
public:
    packet_trace(trace_sink sink, std::string client_id);
    ~packet_trace();

    /// Routes Paho's global trace callback to this object (one active trace per process).
    void install();

    /// Shows `secret` as "********" wherever it appears in a printed topic (tspub's legacy API key).
    void hide(std::string secret);

    /// The next outgoing PUBLISH will carry this topic.
    void expect_publish(std::string topic);
    /// The next outgoing SUBSCRIBE carries these filters with these options.
    void expect_subscribe(std::vector<std::pair<std::string, int>> filters, int options);
    /// The next outgoing UNSUBSCRIBE carries these filters.
    void expect_unsubscribe(std::vector<std::string> filters);

    /// From now on the lines show `id` (MQTT v5: the id the broker assigned in CONNACK) instead of
    /// the client id Paho knows (and still writes in its trace). Thread-safe.
    void show_client_id(std::string id);

    /// A client without an id (the broker assigns one) has its "received CONNACK" line held until
    /// this call, which prints it as "Client <id> received CONNACK (rc)": mosquitto 2.1 shows
    /// "(null)" there, or with MQTT v5 the id the broker assigned. The next packet traced releases
    /// a line still held, as "(null)". Thread-safe.
    void release_connack(const std::string& id);

    /// Prints "Client <id> <text>".
    void client_line(std::string_view text);
    /// Prints `line` (e.g. "Subscribed (mid: 1): 0") right after "received SUBACK" for `mid`. Paho
    /// completes the subscribe before it traces the SUBACK, so the line may arrive on either side.
    void after_suback(int mid, std::string line);
    /// Prints a received PUBLISH the way mosquitto does (called from the message callback, which
    /// knows the topic), followed by its acknowledgement lines in mosquitto's order (QoS 1:
    /// PUBACK; QoS 2: PUBREC, PUBREL, PUBCOMP).
    void received_publish(bool dup, int qos, bool retain, int mid, std::string_view topic, std::size_t len);

    /// MQTT v5: PUBACK and PUBCOMP carry a reason code (e.g. 16, no matching subscribers; 135, not
    /// authorized) that Paho's trace leaves out. From now on their "received PUBACK/PUBCOMP (Mid: N,
    /// RC:x)" lines wait for publish_done(N, x), which the session calls from the publish's
    /// completion: on the same Paho thread, right after the trace line. Also shows an MQTT 3.x
    /// broker's CONNACK code 1 (unacceptable protocol version) as v5's 132, as mosquitto does.
    void await_reason_codes();
    /// The publish with packet id `mid` completed with `reason_code` (see await_reason_codes).
    void publish_done(int mid, int reason_code);

    /// Handles one line of Paho's trace (public for unit tests).
    void on_paho_line(std::string_view line);

    /// Once: the packet the protocol guard closed the connection for, as mosquitto shows it
    /// ("received PUBACK (Mid: 1, RC:0)"). Paho never traces it, and sends its DISCONNECT right
    /// after, so this comes before that line.
    void show_fault();

private:
    void on_sent(std::string_view what);      ///< Paho's "-> ..." lines
    void on_received(std::string_view what);  ///< Paho's "<- ..." lines
    void publish_sent(std::string_view what);
    void ack_received(std::string_view what);  ///< PUBACK or PUBCOMP
    void subscribe_sent(int mid);
    void suback_received(int mid);
    void unsubscribe_sent(int mid);
    /// Formats with `fill` and hands the text to the sink in one piece.
    void write_with(const std::function<void(std::string&)>& fill);

    /// The id lines show (under mutex_).
    std::string shown_id();

    trace_sink sink_;
    std::string client_id_;     // as Paho knows it, empty if the broker assigns one
    std::string shown_id_;      // as the lines show it; guarded by mutex_
    std::string secret_;        // hidden in printed topics; empty = none
    std::string held_connack_;  // "received CONNACK (rc)" waiting for release_connack; under mutex_
    std::mutex mutex_;
    std::deque<std::string> publish_topics_;
    std::map<int, std::string> inflight_topics_;  // msgid -> topic, for resends
    std::deque<std::pair<std::vector<std::pair<std::string, int>>, int>> subscribes_;
    std::deque<std::vector<std::string>> unsubscribes_;
    std::map<int, std::string> after_suback_;  // mid -> line waiting for its SUBACK trace
    std::vector<int> subacks_seen_;            // SUBACK traces nobody claimed yet
    bool await_reason_codes_ = false;
    std::map<int, std::string> awaiting_reason_;  // mid -> "received PUBACK (Mid: N, RC:" (v5)
    int qos0_mid_ = 0;
    bool fault_shown_ = false;
};

/// Keeps the TLS-related lines of Paho's trace (OpenSSL calls that failed, alerts sent and
/// received, the host name check) while a TLS connection is being set up, so that a failure can
/// be explained: Paho reports every TLS problem as one generic error. Shares Paho's one global
/// trace callback with packet_trace; lines hold no secrets (Paho never traces passwords).
class tls_trace {
public:
    ~tls_trace();
    /// Starts collecting (Paho trace level MINIMUM; packet_trace still sees only PROTOCOL lines).
    void install();
    /// Stops collecting; restores packet_trace's level if one is active.
    void uninstall();
    /// The lines kept so far, each ending in '\n'.
    std::string text() const;
    /// Handles one line of Paho's trace (public for unit tests).
    void on_paho_line(std::string_view line);

    /// Once: the packet the protocol guard closed the connection for, as mosquitto shows it
    /// ("received PUBACK (Mid: 1, RC:0)"). Paho never traces it, and sends its DISCONNECT right
    /// after, so this comes before that line.
    void show_fault();

private:
    mutable std::mutex mutex_;
    std::string text_;
};

}  // namespace mqkit::detail

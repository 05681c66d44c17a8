// mqpub: connect, publish one message (or one per stdin line), wait for every acknowledgement, disconnect.
#include "core/output.hpp"
#include "core/payload_input.hpp"
#include "core/stdin_lines.hpp"
#include "core/template.hpp"
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/session.hpp"
#include "mqkit/tool.hpp"
#include "mqkit/topic.hpp"
#include "tool/run.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

namespace mqkit::pub {
namespace {

constexpr std::string_view tool_name = "mqpub";
/// How long messages already in flight may take to be acknowledged after SIGINT/SIGTERM.
constexpr std::chrono::milliseconds signal_grace{1000};
/// Unwritten QoS 0 messages allowed at once (bounds memory when stdin outruns the socket).
constexpr std::size_t qos0_window = 256;

int signal_status() {
    return static_cast<int>(detail::stop_signal::status());
}

/// Lets the signal thread wake a publish() blocked on a full window or a dead link, and stops it
/// from touching the session once publish_all() has left.
class cancel_on_signal {
public:
    explicit cancel_on_signal(session& s) : state_(std::make_shared<state>()) {
        state_->target = &s;
        detail::stop_signal::on_signal([st = state_] {
            std::lock_guard<std::mutex> lock(st->mutex);
            if (st->target) st->target->cancel();
        });
        if (detail::stop_signal::received()) s.cancel();
    }
    ~cancel_on_signal() {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->target = nullptr;
    }
    cancel_on_signal(const cancel_on_signal&) = delete;
    cancel_on_signal& operator=(const cancel_on_signal&) = delete;

private:
    struct state {
        std::mutex mutex;
        session* target = nullptr;
    };
    std::shared_ptr<state> state_;
};

/// What a run of publishes leaves to report.
struct outcome {
    std::size_t accepted = 0;             // messages handed to the session: each one is acknowledged or reported
    std::string link_error;               // the link failed for good while publishing
    std::optional<usage_error> bad_line;  // --topic-per-line: a line whose topic cannot be published to
};

/// --topic-per-line: splits "topic payload", the line mqsub -v prints for a message. The payload is
/// everything after the first space; "topic (null)" (mqsub -v's empty message) and a topic alone
/// are an empty payload.
void split_topic_line(const std::string& line, std::string& topic, std::string& payload) {
    auto space = line.find(' ');
    topic.assign(line, 0, space);
    if (space == std::string::npos || line.compare(space + 1, std::string::npos, "(null)") == 0)
        payload.clear();
    else
        payload.assign(line, space + 1, std::string::npos);
}

// -l: one message per line of standard input, until its end or a signal.
void publish_lines(const pub_config& c, session& s, payload_generator& payloads, std::size_t window, outcome& out) {
    detail::stdin_lines reader(
        detail::max_payload, static_cast<int>(exit_code::failure),
        fmt::format("a line of standard input is longer than MQTT's maximum payload of {} bytes", detail::max_payload));
    std::string line, topic = c.topic, body, text;
    std::size_t line_number = 0;
    while (reader.next(line)) {
        ++line_number;
        if (line.empty()) continue;  // deliberate: mosquitto 2.0 sends blank lines, clearing retained values
        if (c.topic_per_line) {
            split_topic_line(line, topic, text);
            if (auto why = topic_name_problem(topic); !why.empty()) {
                out.bad_line = usage_error(fmt::format("--topic-per-line: line {}: invalid topic '{}': {}", line_number,
                                                       topic.substr(0, 60), why));
                break;  // reported after the clean disconnect, as a bad template line
            }
        } else {
            text = line;
        }
        if (!payloads.for_line(text, line_number, body)) break;  // reported after the clean disconnect
        if (!s.publish(topic, std::move(body), c.qos, c.retain, window)) break;
        ++out.accepted;
    }
}

// -m -f -s -n, --repeat times (0: until a signal), --repeat-delay apart.
void publish_repeats(const pub_config& c, session& s, payload_generator& payloads, std::size_t window, outcome& out) {
    const bool forever = c.repeat == 0;
    for (long i = 0; (forever || i < c.repeat) && !detail::stop_signal::received(); ++i) {
        if (!s.publish(c.topic, payloads.next(), c.qos, c.retain, window)) break;
        ++out.accepted;
        if (c.repeat_delay > 0 && (forever || i + 1 < c.repeat)) {
            // A user-requested pause, cut short by Ctrl-C.
            pollfd p{detail::stop_signal::wake_fd(), POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(c.repeat_delay * 1000));
        }
    }
}

/// Waits for what is in flight, disconnects, and reports what did not arrive. Returns the exit status.
int finish(const pub_config& c, session& s, detail::stdout_writer& out, const payload_generator& payloads, outcome& o,
           bool streaming) {
    // Wait for every message to be written (QoS 0) or acknowledged (QoS 1/2), through reconnects.
    // Not for a single QoS 0 message: Paho's send thread takes a client's commands in order, so the
    // DISCONNECT queued next goes out right after the PUBLISH, and its completion (awaited by
    // disconnect()) comes after the PUBLISH's. That saves a round trip between mqpub's thread and
    // Paho's send thread.
    const bool disconnect_behind = !streaming && c.qos == 0;
    bool interrupted = detail::stop_signal::received() != 0;
    // After Ctrl-C, what is already in flight gets a moment to be acknowledged (a periodic
    // publisher stopped between messages should not report the last one); the rest is reported.
    if (interrupted && s.link_failure().empty()) s.wait_published(signal_grace);
    while (!disconnect_behind && !interrupted && o.link_error.empty() &&
           s.wait_published(std::chrono::milliseconds(200)) > 0) {
        interrupted = detail::stop_signal::received() != 0;
        if (!s.link_failure().empty()) break;  // reported below, with the count
    }
    // A -d reader that stopped reading must not keep a signalled mqpub alive.
    const auto signalled = [] { return detail::stop_signal::received() != 0; };
    if (interrupted) out.flush_until(signalled);
    s.disconnect();
    out.flush_until(signalled);
    payloads.throw_if_failed();
    if (o.bad_line) throw *o.bad_line;

    // Lines still queued behind the window when the stream stopped were never sent: as lines not
    // yet read, they are not counted (the report is about what went out and was not acknowledged),
    // but unless a signal stopped the stream, the link that kept them back is the error.
    const std::size_t unsent = s.unsent_publishes();
    o.accepted -= std::min(o.accepted, unsent);
    if (unsent > 0 && !interrupted && o.link_error.empty()) {
        o.link_error = s.link_failure();
        if (o.link_error.empty()) o.link_error = fmt::format("{} messages were not sent: connection lost", unsent);
    }
    const std::size_t completed = s.completed_publishes();
    if (completed < o.accepted) {
        if (o.link_error.empty()) o.link_error = s.link_failure();
        std::string why = interrupted                ? std::string(detail::stop_signal::word())
                          : !o.link_error.empty()    ? o.link_error
                          : s.failed_publishes() > 0 ? s.first_failure()
                                                     : std::string("connection lost");
        // A broker's MQTT v5 refusal (e.g. 135 not authorized by its ACL) exits with its reason code.
        int status = interrupted                    ? signal_status()
                     : s.first_failure_reason() > 0 ? s.first_failure_reason()
                                                    : s.link_status();
        throw error(status, fmt::format("{} of {} messages were not {}: {}", o.accepted - completed, o.accepted,
                                        c.qos == 0 ? "sent" : "acknowledged", why));
    }
    if (!o.link_error.empty()) throw error(s.link_status(), o.link_error);
    return interrupted ? signal_status() : 0;
}

int publish_all(const pub_config& c) {
    payload_generator payloads(c.use_template, detail::read_payload(c.source, c.message, c.file), c.seed,
                               detail::current_identity().hostname);
    detail::stdout_writer out;
    // Streams reconnect; a single message fails fast, as mosquitto_pub does.
    const bool streaming = c.source == pub_source::stdin_line || c.repeat != 1;
    // A single message: one malloc arena for all threads. Otherwise each of Paho's threads sets up
    // its own at its first malloc (a 64 MiB reservation, trimmed, and its first pages), ~0.15 ms of
    // a ~4 ms run. Streams keep per-thread arenas: with one, the threads contended for its lock.
    if (!streaming) mallopt(M_ARENA_MAX, 1);
    session session(c.conn, detail::debug_trace(c.conn, out));
    reconnect_policy policy;
    policy.max_wait = c.max_reconnect_wait;
    policy.give_up = std::chrono::seconds(c.reconnect_timeout);
    policy.keep_session = c.qos > 0;
    session.set_reconnect_policy(policy);
    session.connect(streaming && c.reconnect_timeout > 0, c.max_inflight);
    cancel_on_signal cancel(session);

    const std::size_t window = c.qos == 0 ? qos0_window : static_cast<std::size_t>(c.max_inflight);
    outcome o;
    try {
        if (c.source == pub_source::stdin_line)
            publish_lines(c, session, payloads, window, o);
        else
            publish_repeats(c, session, payloads, window, o);
    } catch (const error& e) {
        if (e.status() != static_cast<int>(exit_code::connection_lost) &&
            e.status() != static_cast<int>(exit_code::protocol))
            throw;
        o.link_error = e.what();
    }
    return finish(c, session, out, payloads, o, streaming);
}

}  // namespace

int run(int argc, char** argv) {
    return detail::run_tool(mqpub_spec(), argc, argv, parse_pub, publish_all);
}

}  // namespace mqkit::pub

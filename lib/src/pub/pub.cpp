// mqpub: connect, publish one message (or one per stdin line), wait for every acknowledgement, disconnect.
#include "core/output.hpp"
#include "core/stdin_lines.hpp"
#include "core/template.hpp"
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/session.hpp"
#include "mqkit/tool.hpp"
#include "tool/run.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace mqkit::pub {
namespace {

constexpr std::string_view tool_name = "mqpub";
/// MQTT's largest payload: a 268,435,455-byte remaining length, less the PUBLISH header.
constexpr std::size_t max_payload = 268435455;
/// How long messages already in flight may take to be acknowledged after SIGINT/SIGTERM.
constexpr std::chrono::milliseconds signal_grace{1000};
/// Unwritten QoS 0 messages allowed at once (bounds memory when stdin outruns the socket).
constexpr std::size_t qos0_window = 256;

int read_fd_all(int fd, std::string& out, const std::string& what) {
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) return 0;
        if (n < 0) {
            if (errno == EINTR) continue;
            throw error(exit_code::failure, fmt::format("cannot read {}: {}", what, std::strerror(errno)));
        }
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > max_payload)
            throw error(exit_code::failure,
                        fmt::format("{} is larger than MQTT's maximum payload of {} bytes", what, max_payload));
    }
}

std::string load_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw error(exit_code::failure, fmt::format("-f/--file: cannot open '{}': {}", path, std::strerror(errno)));
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw error(exit_code::failure, fmt::format("-f/--file: '{}' is a directory", path));
    }
    // A regular file's size is known: refuse an oversized one before reading (or allocating) it.
    if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_payload) {
        ::close(fd);
        throw error(exit_code::failure,
                    fmt::format("-f/--file: '{}' is {} bytes, more than MQTT's maximum payload of {} "
                                "bytes",
                                path, st.st_size, max_payload));
    }
    std::string data;
    try {
        read_fd_all(fd, data, fmt::format("'{}'", path));
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    return data;
}

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

int publish_all(const pub_config& c) {
    std::string payload;
    switch (c.source) {
        case pub_source::message:
            payload = c.message;
            break;
        case pub_source::file:
            payload = load_file(c.file);
            break;
        case pub_source::stdin_file: {
            struct stat st {};
            if (::fstat(0, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_payload)
                throw error(exit_code::failure,
                            fmt::format("standard input is {} bytes, more than MQTT's maximum payload "
                                        "of {} bytes",
                                        st.st_size, max_payload));
            read_fd_all(0, payload, "standard input");
            // As mosquitto_pub ("Zero length input"): an empty -s is far more likely a broken pipeline
            // than a wish to send nothing, and with -r it would delete the retained message.
            if (payload.empty())
                throw error(exit_code::failure, "-s/--stdin-file: standard input is empty, nothing to send",
                            "to send an empty message, use -n");
            break;
        }
        case pub_source::null_message:
        case pub_source::stdin_line:
            break;
    }
    if (payload.size() > max_payload)
        throw error(exit_code::failure,
                    fmt::format("message is larger than MQTT's maximum payload of {} bytes", max_payload));
    payload_generator payloads(c.use_template, std::move(payload), c.seed, detail::current_identity().hostname);

    detail::stdout_writer out;
    // Streams reconnect; a single message fails fast, as mosquitto_pub does.
    const bool forever = c.repeat == 0;  // --repeat 0: until SIGINT/SIGTERM
    const bool streaming = c.source == pub_source::stdin_line || forever || c.repeat > 1;
    // A single message: one malloc arena for all threads. Otherwise each of Paho's threads sets up
    // its own at its first malloc (a 64 MiB reservation, trimmed, and its first pages), ~0.15 ms of
    // a ~4 ms run. Streams keep per-thread arenas: with one, the threads contended for its lock.
    if (!streaming) mallopt(M_ARENA_MAX, 1);
    session session(c.conn, detail::debug_trace(c.conn, out));
    const bool reconnect = streaming && c.reconnect_timeout > 0;
    reconnect_policy policy;
    policy.max_wait = c.max_reconnect_wait;
    policy.give_up = std::chrono::seconds(c.reconnect_timeout);
    policy.keep_session = c.qos > 0;
    session.set_reconnect_policy(policy);
    session.connect(reconnect, c.max_inflight);
    cancel_on_signal cancel(session);

    const std::size_t window = c.qos == 0 ? qos0_window : static_cast<std::size_t>(c.max_inflight);
    std::size_t accepted = 0;  // messages handed to Paho: each one is acknowledged or reported
    std::string link_error;
    try {
        if (c.source == pub_source::stdin_line) {
            detail::stdin_lines reader(max_payload, static_cast<int>(exit_code::failure),
                                       fmt::format("a line of standard input is longer than MQTT's maximum "
                                                   "payload of {} bytes",
                                                   max_payload));
            std::string line;
            std::size_t line_number = 0;
            while (reader.next(line)) {
                ++line_number;
                if (line.empty()) continue;  // deliberate: mosquitto 2.0 sends blank lines, clearing retained values
                std::string body;
                if (!payloads.for_line(line, line_number, body)) break;  // reported after the clean disconnect
                if (!session.publish(c.topic, std::move(body), c.qos, c.retain, window)) break;
                ++accepted;
            }
        } else {
            for (long i = 0; (forever || i < c.repeat) && !detail::stop_signal::received(); ++i) {
                if (!session.publish(c.topic, payloads.next(), c.qos, c.retain, window)) break;
                ++accepted;
                if (c.repeat_delay > 0 && (forever || i + 1 < c.repeat)) {
                    // A user-requested pause, cut short by Ctrl-C.
                    pollfd p{detail::stop_signal::wake_fd(), POLLIN, 0};
                    ::poll(&p, 1, static_cast<int>(c.repeat_delay * 1000));
                }
            }
        }
    } catch (const error& e) {
        if (e.status() != static_cast<int>(exit_code::connection_lost) &&
            e.status() != static_cast<int>(exit_code::protocol))
            throw;
        link_error = e.what();
    }

    // Wait for every message to be written (QoS 0) or acknowledged (QoS 1/2), through reconnects.
    // Not for a single QoS 0 message: Paho's send thread takes a client's commands in order, so the
    // DISCONNECT queued next goes out right after the PUBLISH, and its completion (awaited by
    // disconnect()) comes after the PUBLISH's. That saves a round trip between mqpub's thread and
    // Paho's send thread.
    const bool disconnect_behind = !streaming && c.qos == 0;
    bool interrupted = detail::stop_signal::received() != 0;
    // After Ctrl-C, what is already in flight gets a moment to be acknowledged (a periodic
    // publisher stopped between messages should not report the last one); the rest is reported.
    if (interrupted && session.link_failure().empty()) session.wait_published(signal_grace);
    while (!disconnect_behind && !interrupted && link_error.empty() &&
           session.wait_published(std::chrono::milliseconds(200)) > 0) {
        interrupted = detail::stop_signal::received() != 0;
        if (!session.link_failure().empty()) break;  // reported below, with the count
    }
    // A -d reader that stopped reading must not keep a signalled mqpub alive.
    const auto signalled = [] { return detail::stop_signal::received() != 0; };
    if (interrupted) out.flush_until(signalled);
    session.disconnect();
    out.flush_until(signalled);
    payloads.throw_if_failed();

    const std::size_t completed = session.completed_publishes();
    if (completed < accepted) {
        if (link_error.empty()) link_error = session.link_failure();
        std::string why = interrupted                      ? std::string(detail::stop_signal::word())
                          : !link_error.empty()            ? link_error
                          : session.failed_publishes() > 0 ? session.first_failure()
                                                           : std::string("connection lost");
        // A broker's MQTT v5 refusal (e.g. 135 not authorized by its ACL) exits with its reason code.
        int status = interrupted                          ? signal_status()
                     : session.first_failure_reason() > 0 ? session.first_failure_reason()
                                                          : session.link_status();
        throw error(status, fmt::format("{} of {} messages were not {}: {}", accepted - completed, accepted,
                                        c.qos == 0 ? "sent" : "acknowledged", why));
    }
    if (!link_error.empty()) throw error(session.link_status(), link_error);
    return interrupted ? signal_status() : 0;
}

}  // namespace

int run(int argc, char** argv) {
    return detail::run_tool(mqpub_spec(), argc, argv, parse_pub, publish_all);
}

}  // namespace mqkit::pub

// tspub: resolve credentials, honour the per-channel rate limit, connect, publish each update, disconnect.
#include "core/output.hpp"
#include "core/stdin_lines.hpp"
#include "core/tcp_probe.hpp"
#include "mqkit/session.hpp"
#include "mqkit/tool.hpp"
#include "thingspeak/thingspeak.hpp"
#include "tool/run.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <ctime>
#include <memory>

namespace mqkit::tspub {
namespace {

using namespace thingspeak;

constexpr std::string_view tool_name = "tspub";
constexpr std::string_view hidden = "********";

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int signal_status() {
    return static_cast<int>(detail::stop_signal::received() == SIGTERM ? tspub_exit::terminated
                                                                       : tspub_exit::interrupted);
}

/// Replaces every occurrence of the legacy API key in `text`, so no message or trace shows it.
std::string redact(std::string text, const std::optional<std::string>& key) {
    if (!key || key->empty()) return text;
    for (auto at = text.find(*key); at != std::string::npos; at = text.find(*key, at + hidden.size()))
        text.replace(at, key->size(), hidden);
    return text;
}

// ---- credentials -----------------------------------------------------------------------------

/// Reads a credentials file into a source. `required`: --credentials (a missing file is an
/// error); otherwise the default file, which may be absent.
credential_source file_source(const std::string& path, bool required, bool quiet) {
    credential_source source{path, {}, {}};
    if (path.empty()) {
        source.label = "the default credentials file";
        source.note = "neither XDG_CONFIG_HOME nor HOME is set";
        return source;
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (!required && errno == ENOENT) {
            source.note = "not found";
            return source;
        }
        throw tspub_error(tspub_exit::no_credentials,
                          fmt::format("{}cannot read credentials file '{}': {}", required ? "--credentials: " : "",
                                      path, std::strerror(errno)));
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw tspub_error(tspub_exit::no_credentials, fmt::format("credentials file '{}' is a directory", path));
    }
    std::string text;
    char buf[4096];
    ssize_t n = 0;
    while (text.size() < (1u << 20) && ((n = ::read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
        if (n > 0) text.append(buf, static_cast<std::size_t>(n));
    int read_errno = errno;
    ::close(fd);
    if (n < 0)
        throw tspub_error(tspub_exit::no_credentials,
                          fmt::format("cannot read credentials file '{}': {}", path, std::strerror(read_errno)));
    if ((st.st_mode & 0044) != 0)
        detail::warn(
            tool_name,
            fmt::format("credentials file '{}' can be read by group or others (mode {:04o}); run: chmod 600 '{}'", path,
                        st.st_mode & 07777, path),
            quiet);
    source.values = parse_credentials_file(text);
    if (!source.values.client_id && !source.values.username && !source.values.password)
        source.note = "no clientId, username or password line";
    return source;
}

/// Fills conn.client_id/username/password, each from the first place that has it: flags > env >
/// --credentials > default file (the default file only when --credentials is not given and flags
/// and env do not already hold all three).
void resolve_credentials(tspub_config& c) {
    std::vector<credential_source> sources;
    sources.push_back({"-i/-u/-P", c.from_flags, {}});
    sources.push_back({"THINGSPEAK_CLIENT_ID/_USERNAME/_PASSWORD", c.from_env, {}});
    auto given = [&](auto member) { return (c.from_flags.*member || c.from_env.*member); };
    bool complete = given(&credentials::client_id) && given(&credentials::username) && given(&credentials::password);
    if (!c.credentials_file.empty())
        sources.push_back(file_source(c.credentials_file, true, c.conn.quiet));
    else if (!complete)
        sources.push_back(file_source(c.default_credentials_file, false, c.conn.quiet));
    std::string hint = c.default_credentials_file.empty()
                           ? std::string("give --credentials FILE (the MQTT device's credentials file from ThingSpeak)")
                           : fmt::format("save the MQTT device's credentials file from ThingSpeak as {} (chmod 600)",
                                         c.default_credentials_file);
    // The legacy topic form carries the channel's key itself; its retired broker took any client.
    credentials found = merge_credentials(sources, !c.legacy_key, hint);
    if (found.client_id) c.conn.client_id = *found.client_id;
    c.conn.username = found.username;
    c.conn.password = found.password;
}

// ---- connection failures ---------------------------------------------------------------------

/// Turns a failed connect into tspub's classes: DNS, TCP, TLS, a CONNACK refusal, or a broker that
/// broke the protocol or closed the connection (network).
error classify_connect_failure(const connection_config& c, const error& e) {
    int rc = e.status();
    if (dynamic_cast<const refused_error*>(&e)) {
        // Identifier rejected, bad user name or password, not authorised: the credentials.
        if (rc == 2 || rc == 4 || rc == 5 || rc == 133 || rc == 134 || rc == 135)
            return tspub_error(tspub_exit::refused, e.what(),
                               "check the MQTT device's client id, username and password, and that the device is "
                               "authorised for the channel");
        return tspub_error(tspub_exit::network, e.what(), e.hint());
    }
    if (rc == static_cast<int>(exit_code::protocol)) return tspub_error(tspub_exit::network, e.what(), e.hint());
    // The session explains TLS failures (trust, host name, expiry, not a TLS port) with exit 8.
    if (rc == static_cast<int>(exit_code::tls)) return tspub_error(tspub_exit::tls, e.what(), e.hint());

    const detail::tcp_probe tcp = detail::probe_tcp(c.host, c.port);
    if (tcp.what == detail::tcp_probe::outcome::no_such_host)
        return tspub_error(tspub_exit::dns, tcp.message,
                           c.host == default_host ? "is the network (or its DNS) up?" : std::string{});
    if (tcp.what == detail::tcp_probe::outcome::failed) return tspub_error(tspub_exit::network, tcp.message);
    if (c.tls.enabled)
        return tspub_error(tspub_exit::network,
                           fmt::format("{}:{} closed the connection before answering MQTT", c.host, c.port));
    return tspub_error(tspub_exit::network,
                       fmt::format("{}:{} accepted the TCP connection but did not answer MQTT", c.host, c.port),
                       "does the port expect TLS (drop --no-tls) or WebSockets (--websocket)?");
}

// ---- waiting and input -----------------------------------------------------------------------

/// Sleeps until unix time `t`; false if a signal came first.
bool sleep_until(double t) {
    while (!detail::stop_signal::received()) {
        double left = t - unix_now();
        if (left <= 0) return true;
        pollfd p{detail::stop_signal::wake_fd(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::ceil(std::min(left, 3600.0) * 1000))) > 0) return false;
    }
    return false;
}

// ---- publishing ------------------------------------------------------------------------------

/// One connection (made when the first update is due, made again if lost) and the rate limit.
class publisher {
public:
    publisher(const tspub_config& c, trace_sink trace) : c_(c), trace_(std::move(trace)) {
        if (c.min_interval <= 0) return;
        if (c.state_dir.empty())
            throw tspub_error(tspub_exit::failure,
                              "no directory for the rate-limit state: XDG_STATE_HOME and HOME are unset",
                              "set one of them, or give --min-interval 0");
        state_ = std::make_unique<rate_state>(state_file_path(c.state_dir, c.channel));
    }

    /// Sends one update once the rate limit allows it. `may_wait`: wait for the slot, else a
    /// rate_limited error. False if a signal interrupted the wait.
    bool send(const std::string& topic, const std::string& payload, bool may_wait) {
        if (state_) {
            while (true) {
                double now = unix_now();
                rate_check r = state_->try_reserve(now, c_.min_interval);
                if (r.allowed) break;
                if (!may_wait) throw rate_limited(now, r.next_allowed);
                if (!sleep_until(r.next_allowed)) return false;
            }
        }
        try {
            if (!publish(topic, payload)) {
                if (state_) state_->rollback();
                return false;
            }
        } catch (...) {
            if (state_) state_->rollback();
            throw;
        }
        if (state_) state_->commit(unix_now());
        return true;
    }

    /// Sends DISCONNECT if connected.
    void finish() {
        if (session_) session_->disconnect();
    }

private:
    error rate_limited(double now, double next) const {
        std::time_t at = static_cast<std::time_t>(std::ceil(next));
        std::tm local{};
        char clock[16] = "?";
        if (::localtime_r(&at, &local)) std::strftime(clock, sizeof clock, "%H:%M:%S", &local);
        return tspub_error(tspub_exit::rate_limited,
                           fmt::format("rate limit: channel {} was updated {:.1f} s ago; the next update is allowed at "
                                       "{} (in {:.1f} s; --min-interval {})",
                                       c_.channel, now - (next - c_.min_interval), clock, next - now, c_.min_interval),
                           "add --wait to wait for it; ThingSpeak silently drops updates that come too fast");
    }

    // Connects if needed, publishes at QoS 0 and waits until it is written. False on a signal.
    bool publish(const std::string& topic, const std::string& payload) {
        if (!session_ || !session_->is_connected()) {
            session_ = std::make_unique<session>(c_.conn, trace_);
            if (c_.legacy_key) session_->hide_in_trace(*c_.legacy_key);
            try {
                session_->connect(false, 1);
            } catch (const error& e) {
                if (detail::stop_signal::received()) return false;  // interrupted while connecting
                throw classify_connect_failure(c_.conn, e);
            }
        }
        std::size_t failed_before = session_->failed_publishes();
        try {
            session_->publish(topic, payload, 0, false, 16);
        } catch (const error& e) {
            throw tspub_error(tspub_exit::network, redact(e.what(), c_.legacy_key));
        }
        std::size_t unfinished = 0;
        while ((unfinished = session_->wait_published(std::chrono::milliseconds(200))) > 0) {
            if (detail::stop_signal::received()) return false;
            if (!session_->is_connected()) break;
        }
        if (unfinished > 0 || session_->failed_publishes() > failed_before) {
            std::string why = session_->link_failure();
            if (why.empty()) why = fmt::format("connection to {}:{} lost", c_.conn.host, c_.conn.port);
            throw tspub_error(tspub_exit::network, "the update was not sent: " + why);
        }
        return true;
    }

    const tspub_config& c_;
    trace_sink trace_;
    std::unique_ptr<rate_state> state_;
    std::unique_ptr<session> session_;
};

std::string transport_text(const connection_config& conn) {
    std::string how =
        conn.transport_kind == transport::websocket
            ? fmt::format("MQTT over WebSockets ({}, path {})", conn.tls.enabled ? "wss" : "ws", conn.ws_path)
            : std::string(conn.tls.enabled ? "MQTT over TLS" : "MQTT over TCP, no TLS");
    if (conn.tls.enabled)
        how += conn.tls.cafile.empty() ? ", OS certificate store" : fmt::format(", CA file {}", conn.tls.cafile);
    return how;
}

/// --dry-run: what would be sent, on stdout; never the password or the legacy key.
int dry_run(const tspub_config& c, const std::string& topic) {
    std::string out = fmt::format("host: {}\nport: {}\ntransport: {}\nclient id: {}\nusername: {}\npassword: {}\n",
                                  c.conn.host, c.conn.port, transport_text(c.conn), c.conn.client_id,
                                  c.conn.username.value_or("(none)"), c.conn.password ? "(set, not shown)" : "(none)");
    out += c.min_interval > 0 ? fmt::format("rate limit: one update per {} s ({})\n", c.min_interval,
                                            c.state_dir.empty() ? std::string("no state directory")
                                                                : state_file_path(c.state_dir, c.channel))
                              : std::string("rate limit: off\n");
    out += fmt::format("topic: {}\n", redact(topic, c.legacy_key));
    std::size_t bad = 0, good = 0;
    if (c.single_field != 0) {
        out += fmt::format("payload: {}\n", c.single_value);
    } else if (!c.from_stdin) {
        out += fmt::format("payload: {}\n", build_payload(c.values));
    } else {
        std::fputs(out.c_str(), stdout);
        out.clear();
        update_reader reader;
        detail::stdin_lines lines(1u << 20, static_cast<int>(tspub_exit::usage),
                                  "a line of standard input is longer than 1 MiB");
        std::string line;
        for (std::size_t n = 1; lines.next(line); ++n) {
            try {
                if (auto u = reader.feed(line)) {
                    std::fputs(fmt::format("payload: {}\n", build_payload(*u)).c_str(), stdout);
                    ++good;
                }
            } catch (const error& e) {
                ++bad;
                detail::warn(tool_name, fmt::format("stdin line {}: {} (skipped)", n, e.what()), c.conn.quiet);
            }
        }
    }
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    if (c.from_stdin && bad > 0)
        throw tspub_error(tspub_exit::usage, fmt::format("{} of {} input lines were bad", bad, bad + good));
    if (c.from_stdin && good == 0) throw tspub_error(tspub_exit::usage, "no values: standard input held no updates");
    return 0;
}

/// Publishes every update of standard input over one connection, waiting --min-interval between
/// them. A bad line is reported and skipped (exit 2 at the end); a bad CSV header ends the run.
int publish_stdin(const tspub_config& c, publisher& pub, const std::string& topic) {
    update_reader reader;
    detail::stdin_lines lines(1u << 20, static_cast<int>(tspub_exit::usage),
                              "a line of standard input is longer than 1 MiB");
    std::string line;
    std::size_t bad = 0, sent = 0, n = 0;
    while (lines.next(line)) {
        ++n;
        std::optional<update> u;
        bool header_pending = !reader.started();
        try {
            u = reader.feed(line);
        } catch (const error& e) {
            if (header_pending && reader.is_csv())
                throw tspub_error(tspub_exit::usage, fmt::format("stdin line {}: {}", n, e.what()), e.hint());
            ++bad;
            detail::warn(tool_name, fmt::format("stdin line {}: {} (skipped)", n, e.what()), c.conn.quiet);
            continue;
        }
        if (!u) continue;
        // Within the batch tspub paces itself; only the first update follows --wait.
        if (!pub.send(topic, build_payload(*u), c.wait || sent > 0)) break;
        ++sent;
    }
    pub.finish();
    if (detail::stop_signal::received()) return signal_status();
    if (bad > 0)
        throw tspub_error(tspub_exit::usage,
                          fmt::format("{} of {} updates on standard input were bad and not sent", bad, bad + sent));
    if (sent == 0) throw tspub_error(tspub_exit::usage, "no values: standard input held no updates");
    return 0;
}

int publish_all(const tspub_config& parsed) {
    tspub_config c = parsed;
    resolve_credentials(c);
    const std::string topic = c.single_field != 0 ? field_topic(c.channel, c.single_field, c.legacy_key)
                                                  : feed_topic(c.channel, c.legacy_key);
    if (c.dry_run) return dry_run(c, topic);

    detail::stdout_writer out;
    publisher pub(c, detail::debug_trace(c.conn, out));
    int status = 0;
    if (c.from_stdin) {
        status = publish_stdin(c, pub, topic);
    } else {
        std::string payload = c.single_field != 0 ? c.single_value : build_payload(c.values);
        bool sent = pub.send(topic, payload, c.wait);
        pub.finish();
        if (!sent) status = signal_status();
    }
    out.flush();
    return status;
}

}  // namespace

int run(int argc, char** argv) {
    return detail::run_tool(tspub_spec(), argc, argv, parse_tspub, [](const tspub_config& c) {
        try {
            return publish_all(c);
        } catch (const error& e) {
            throw error(e.status(), redact(e.what(), c.legacy_key), redact(e.hint(), c.legacy_key));
        }
    });
}

}  // namespace mqkit::tspub

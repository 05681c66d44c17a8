// A ThingSpeak MQTT device at run time, for tspub and tssub: credentials from flags, env and files,
// and a failed connect explained in tspub's exit classes.
#include "thingspeak/device.hpp"

#include "core/tcp_probe.hpp"
#include "tool/run.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace mqkit::thingspeak {
namespace {

// The credentials file's text; a tspub_exit::no_credentials error if it cannot be read.
std::string read_credentials_text(int fd, const std::string& path) {
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
    return text;
}

/// Reads a credentials file into a source. `required`: --credentials (a missing file is an
/// error); otherwise the default file, which may be absent.
credential_source file_source(const std::string& path, bool required, std::string_view tool, bool quiet) {
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
    std::string text = read_credentials_text(fd, path);
    if ((st.st_mode & 0044) != 0)
        detail::warn(
            tool,
            fmt::format("credentials file '{}' can be read by group or others (mode {:04o}); run: chmod 600 '{}'", path,
                        st.st_mode & 07777, path),
            quiet);
    source.values = parse_credentials_file(text);
    if (!source.values.client_id && !source.values.username && !source.values.password)
        source.note = "no clientId, username or password line";
    return source;
}

}  // namespace

void resolve_credentials(device_config& c, std::string_view tool, bool require_all) {
    std::vector<credential_source> sources;
    sources.push_back({"-i/-u/-P", c.from_flags, {}});
    sources.push_back({"THINGSPEAK_CLIENT_ID/_USERNAME/_PASSWORD", c.from_env, {}});
    auto given = [&](auto member) { return (c.from_flags.*member || c.from_env.*member); };
    bool complete = given(&credentials::client_id) && given(&credentials::username) && given(&credentials::password);
    if (!c.credentials_file.empty())
        sources.push_back(file_source(c.credentials_file, true, tool, c.conn.quiet));
    else if (!complete)
        sources.push_back(file_source(c.default_credentials_file, false, tool, c.conn.quiet));
    std::string hint = c.default_credentials_file.empty()
                           ? std::string("give --credentials FILE (the MQTT device's credentials file from ThingSpeak)")
                           : fmt::format("save the MQTT device's credentials file from ThingSpeak as {} (chmod 600)",
                                         c.default_credentials_file);
    credentials found = merge_credentials(sources, require_all, hint);
    if (found.client_id) c.conn.client_id = *found.client_id;
    c.conn.username = found.username;
    c.conn.password = found.password;
}

error classify_connect_failure(const connection_config& c, const error& e) {
    int rc = e.status();
    if (rc == static_cast<int>(exit_code::timeout) || rc == static_cast<int>(exit_code::interrupted) ||
        rc == static_cast<int>(exit_code::terminated))
        return e;
    if (dynamic_cast<const refused_error*>(&e)) {
        // Identifier rejected, bad user name or password, not authorised: the credentials.
        if (rc == 2 || rc == 4 || rc == 5 || rc == 133 || rc == 134 || rc == 135)
            return tspub_error(tspub_exit::refused, e.what(),
                               "check the MQTT device's client id, username and password, and that the device is "
                               "authorised for the channel");
        return tspub_error(tspub_exit::network, e.what(), e.hint());
    }
    // A broker that broke the MQTT protocol or closed the connection before CONNACK.
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

bool subscription_refused(session& s, const std::string& topic) {
    std::vector<int> granted;
    try {
        granted = s.subscribe({topic}, 0);
    } catch (const error& e) {
        if (e.status() != static_cast<int>(exit_code::failure) || !s.is_connected()) throw;
        return true;
    }
    return !granted.empty() && granted[0] >= 128;
}

std::string transport_text(const connection_config& conn) {
    std::string how =
        conn.transport_kind == transport::websocket
            ? fmt::format("MQTT over WebSockets ({}, path {})", conn.tls.enabled ? "wss" : "ws", conn.ws_path)
            : std::string(conn.tls.enabled ? "MQTT over TLS" : "MQTT over TCP, no TLS");
    if (conn.tls.enabled)
        how += conn.tls.cafile.empty() ? ", OS certificate store" : fmt::format(", CA file {}", conn.tls.cafile);
    return how;
}

}  // namespace mqkit::thingspeak

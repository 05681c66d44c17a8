// mqkit::session on Paho C++: connect, windowed publish, subscribe, disconnect; errors as mqkit::error.
#include "mqtt/session.hpp"  // first: it sets Paho C++ up (UNIT_TESTS)

#include "core/property_table.hpp"
#include "core/signals.hpp"
#include "core/tcp_probe.hpp"
#include "mqkit/error.hpp"
#include "mqkit/session.hpp"
#include "mqtt/paho_versions.hpp"
#include "mqtt/paho_workarounds.hpp"
#include "mqtt/trace.hpp"
#include "mqtt/tunnel.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <tuple>

namespace mqkit::detail {
namespace {

/// A QoS 1/2 stream's queue (session::impl::queued_): messages at most, and the count it is refilled
/// from once full; and bytes at most (refilled below half of that), whatever the count.
constexpr std::size_t queue_limit = 256;
constexpr std::size_t queue_low_water = 128;
constexpr std::size_t queue_bytes_limit = 8u << 20;
/// Windows above this publish straight to Paho, without the queue (no caller waits for room).
constexpr std::size_t max_queued_window = 65535;

/// Where Paho connects: the broker, or with a tunnel (`tunnel_port`) the tunnel, in plain MQTT.
std::string server_uri(const connection_config& c, int tunnel_port) {
    bool ws = c.transport_kind == transport::websocket;
    if (tunnel_port != 0)
        return fmt::format("{}://127.0.0.1:{}{}", ws ? "ws" : "tcp", tunnel_port, ws ? c.ws_path : "");
    bool v6 = c.host.find(':') != std::string::npos;
    const char* scheme = ws ? (c.tls.enabled ? "wss" : "ws") : (c.tls.enabled ? "ssl" : "tcp");
    return fmt::format("{}://{}{}{}:{}{}", scheme, v6 ? "[" : "", c.host, v6 ? "]" : "", c.port, ws ? c.ws_path : "");
}

// The system's CA store, as OpenSSL on Debian finds it (SSL_CERT_FILE / SSL_CERT_DIR override it).
std::string os_ca_file() {
    const char* f = std::getenv("SSL_CERT_FILE");
    return f && *f ? f : "/etc/ssl/certs/ca-certificates.crt";
}
std::string os_ca_dir() {
    const char* d = std::getenv("SSL_CERT_DIR");
    return d && *d ? d : "/etc/ssl/certs";
}

// Paho C: enableServerCertAuth verifies the chain, verify checks the host name after the
// handshake, and the system store is loaded only when neither trustStore nor CApath is given.
// sslVersion is ignored with OpenSSL >= 1.1 (TLS_client_method: TLS 1.2 or 1.3 at Paho's security
// level 1), which is why the parser accepts only --tls-version tlsv1.2. Paho C++ 1.2's
// set_error_handler is not used: connect() copies the options and Paho C keeps a pointer to the
// copy's handler after it is destroyed; the reasons come from tls_trace instead. Its copies also
// keep a pointer to the original's CA path instead of copying it, so `ssl` must outlive connect().
void fill_paho_ssl(mqtt::ssl_options& ssl, const tls_config& t, const std::string& key_password) {
    std::string cafile = t.cafile;
    std::string capath = t.capath;
    // The system store only where it exists: a system without ca-certificates has none (as with
    // OpenSSL's default paths, which mosquitto's clients use, it is then simply empty).
    if (t.use_os_certs && !cafile.empty()) {
        if (::access(os_ca_dir().c_str(), R_OK) == 0) capath = os_ca_dir();  // --cafile + the system store
    } else if (t.use_os_certs && !capath.empty()) {
        if (::access(os_ca_file().c_str(), R_OK) == 0) cafile = os_ca_file();  // --capath + the system store
    }
    if (!cafile.empty()) ssl.set_trust_store(cafile);
    if (!capath.empty()) ssl.ca_path(capath);
    if (!t.certfile.empty()) ssl.set_key_store(t.certfile);
    if (!t.keyfile.empty()) ssl.set_private_key(t.keyfile);
    if (!key_password.empty()) ssl.set_private_key_password(key_password);
    if (!t.ciphers.empty()) ssl.set_enabled_cipher_suites(t.ciphers);
    if (!t.alpn.empty()) ssl.set_alpn_protos({t.alpn});
    // --insecure: no verification at all, as mosquitto 2.1 documents it (2.0: the host name only).
    ssl.set_enable_server_cert_auth(!t.insecure);
    ssl.set_verify(!t.insecure);
}

// Reads a secret file (--pw-file, --key-pw-file): its first line, without the line break.
std::string read_secret_file(const std::string& path, std::string_view flag) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw error(exit_code::failure, fmt::format("{}: cannot read '{}': {}", flag, path, std::strerror(errno)));
    std::string text;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < 65536) text.append(buf, static_cast<std::size_t>(n));
    int err = errno;
    ::close(fd);
    if (n < 0) throw error(exit_code::failure, fmt::format("{}: cannot read '{}': {}", flag, path, std::strerror(err)));
    text = text.substr(0, text.find('\n'));
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty()) throw error(exit_code::failure, fmt::format("{}: '{}' is empty", flag, path));
    return text;
}

// Reads a PEM file the TLS options name, so that a missing or wrong file is reported by its flag.
std::string read_pem_file(const std::string& path, std::string_view flag) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        int err = fd < 0 ? errno : EISDIR;
        if (fd >= 0) ::close(fd);
        throw error(exit_code::failure, fmt::format("{}: cannot read '{}': {}", flag, path, std::strerror(err)));
    }
    std::string text;
    char buf[8192];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.size() < (16u << 20))
        text.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    return text;
}

// Checks every file the TLS options name before Paho gets them.
void check_tls_files(const tls_config& t, const std::string& key_password) {
    const std::string_view cert_marker = "-----BEGIN CERTIFICATE-----";
    if (!t.cafile.empty() && read_pem_file(t.cafile, "--cafile").find(cert_marker) == std::string::npos)
        throw error(exit_code::failure, fmt::format("--cafile: '{}' holds no PEM certificate", t.cafile));
    if (!t.capath.empty()) {
        struct stat st {};
        if (::stat(t.capath.c_str(), &st) != 0)
            throw error(exit_code::failure,
                        fmt::format("--capath: cannot read '{}': {}", t.capath, std::strerror(errno)));
        if (!S_ISDIR(st.st_mode))
            throw error(exit_code::failure, fmt::format("--capath: '{}' is not a directory", t.capath));
    }
    if (!t.certfile.empty() && read_pem_file(t.certfile, "--cert").find(cert_marker) == std::string::npos)
        throw error(exit_code::failure, fmt::format("--cert: '{}' holds no PEM certificate", t.certfile));
    if (!t.keyfile.empty()) {
        std::string key = read_pem_file(t.keyfile, "--key");
        if (key.find("PRIVATE KEY-----") == std::string::npos)
            throw error(exit_code::failure, fmt::format("--key: '{}' holds no PEM private key", t.keyfile));
        // Without a passphrase OpenSSL would prompt for one on the terminal, from Paho's thread.
        if (key.find("ENCRYPTED") != std::string::npos && key_password.empty())
            throw error(exit_code::failure,
                        fmt::format("--key: '{}' is encrypted and no passphrase was given", t.keyfile),
                        "give it with --key-pw-file <file> or the MQKIT_KEY_PASSWORD environment variable");
    }
}

bool contains(const std::string& text, std::string_view what) {
    return text.find(what) != std::string::npos;
}

// The description in the first fatal TLS alert of `direction` ("write" or "read") in the trace.
std::string alert(const std::string& trace, std::string_view direction) {
    std::string key = fmt::format("SSL alert {}:fatal:", direction);
    auto at = trace.find(key);
    if (at == std::string::npos) return {};
    auto end = trace.find('\n', at);
    return trace.substr(at + key.size(), end - at - key.size());
}

// True when a plain WebSocket handshake (ws://, HTTP/1.1 Upgrade, subprotocol mqtt) to `path` is
// accepted (101) within 2 s. Used after a failed MQTT-over-WebSocket connect to tell a refused
// upgrade (wrong path, not a WebSocket port) from a broker that closed the socket afterwards.
bool websocket_opens(const std::string& host, int port, const std::string& path) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found) return false;
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool connected = fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0;
    ::freeaddrinfo(found);
    std::string answer;
    if (connected) {
        const std::string request = fmt::format(
            "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: bXFraXQgd3MgcHJvYmUgISE=\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: mqtt\r\n\r\n",
            path.empty() ? "/" : path, host, port);
        if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
            char buf[64];
            pollfd p{fd, POLLIN, 0};
            while (answer.size() < 12 && ::poll(&p, 1, 2000) == 1) {
                const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
                if (n <= 0) break;
                answer.append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    if (fd >= 0) ::close(fd);
    return answer.rfind("HTTP/1.1 101", 0) == 0;
}

// After Paho reports a failed connect, find out why, the way a user would want it said.
// Returns "" when a TCP connection can be made.
std::string tcp_problem(const connection_config& c) {
    return probe_tcp(c.host, c.port).message;
}

}  // namespace

void init_paho() {
    // Paho C initialises OpenSSL as the first client is created, TLS or not: loading its config and
    // every algorithm took ~2 ms of each one-shot mqpub. OpenSSL 1.1 and later initialise themselves
    // when a TLS connection first needs them, so Paho is told to leave it alone.
    static std::once_flag once;
    std::call_once(once, [] {
        MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
        init.do_openssl_init = 0;
        MQTTAsync_global_init(&init);
    });
    quiet_paho_log();
}

namespace {

std::string diagnose_connect_failure(const connection_config& c) {
    if (std::string why = tcp_problem(c); !why.empty()) return why;
    if (c.transport_kind == transport::websocket)
        return fmt::format(
            "cannot connect to {}:{}: the WebSocket handshake for path '{}' failed (is it a "
            "WebSocket listener, and is the path right?)",
            c.host, c.port, c.ws_path);
    return fmt::format(
        "cannot connect to {}:{}: the broker accepted the TCP connection but did not complete the "
        "MQTT handshake (is it an MQTT broker, or does it expect TLS?)",
        c.host, c.port);
}

// Explains a failed TLS connection from what tls_trace saw. Local problems (key, certificate
// files) exit 1; a failed handshake or certificate check exits 8.
error diagnose_tls_failure(const connection_config& c, const std::string& trace, bool key_encrypted) {
    const tls_config& t = c.tls;
    const std::string where = fmt::format("{}:{}", c.host, c.port);
    if (contains(trace, "in SSL_CTX_use_PrivateKey_file")) {
        if (key_encrypted)
            return error(exit_code::failure, fmt::format("--key: cannot load '{}': wrong passphrase, or the key does "
                                                         "not belong to --cert '{}'",
                                                         t.keyfile, t.certfile));
        return error(exit_code::failure,
                     fmt::format("--key: '{}' does not belong to --cert '{}'", t.keyfile, t.certfile));
    }
    if (contains(trace, "in SSL_CTX_use_certificate_chain_file"))
        return error(exit_code::failure, fmt::format("--cert: cannot load '{}' as a PEM certificate", t.certfile));
    if (contains(trace, "in SSL_CTX_load_verify_locations"))
        return error(exit_code::failure, "cannot load the CA certificates (--cafile/--capath)");
    if (contains(trace, "in SSL_CTX_set_cipher_list"))
        return error(exit_code::failure, fmt::format("--ciphers: OpenSSL knows no cipher in '{}'", t.ciphers));
    if (std::string why = tcp_problem(c); !why.empty()) return error(exit_code::failure, why);

    const std::string sent = alert(trace, "write");
    const std::string received = alert(trace, "read");
    const char* trust_hint = "give the CA that signed it with --cafile or --capath (or --tls-use-os-certs)";
    if (sent == "certificate expired")
        return error(exit_code::tls, fmt::format("TLS: the broker's certificate at {} has expired", where));
    if (sent == "unknown CA")
        return error(exit_code::tls,
                     fmt::format("TLS: the broker's certificate at {} is not signed by a trusted CA", where),
                     trust_hint);
    if (!sent.empty())
        return error(exit_code::tls, fmt::format("TLS: the broker's certificate at {} was rejected: {}", where, sent),
                     trust_hint);
    if (!received.empty()) {
        // OpenSSL 3.0 names TLS 1.3's "certificate required" alert "unknown".
        if (t.certfile.empty() && (received == "certificate required" || received == "handshake failure" ||
                                   contains(trace, "certificate request")))
            return error(exit_code::tls, fmt::format("TLS: the broker at {} requires a client certificate", where),
                         "give one with --cert and --key");
        if (!t.certfile.empty())
            return error(exit_code::tls, fmt::format("TLS: the broker at {} rejected the client certificate '{}' ({})",
                                                     where, t.certfile, received));
        return error(exit_code::tls, fmt::format("TLS: the broker at {} ended the handshake: {}", where, received));
    }
    // Paho checks an address as a host name first, then as an IP address.
    if (contains(trace, "X509_check_host for hostname") && !contains(trace, "rc from X509_check_ip_asc is 1"))
        return error(exit_code::tls,
                     fmt::format("TLS: the broker's certificate does not match the host name '{}'", c.host),
                     "connect by a name the certificate holds, or skip this check with --insecure (unsafe)");
    if (!contains(trace, "SSL certificate verification"))
        return error(
            exit_code::tls,
            fmt::format("TLS: the broker at {} did not answer the TLS handshake (is it a plain MQTT port?)", where),
            "plain MQTT is usually port 1883 and MQTT over TLS 8883; for a plain port drop the TLS options");
    // TLS 1.3: the broker checks the client's certificate after the client's side of the handshake
    // is done, and then just closes the connection.
    if (contains(trace, "certificate request")) {
        if (t.certfile.empty())
            return error(exit_code::tls, fmt::format("TLS: the broker at {} requires a client certificate", where),
                         "give one with --cert and --key");
        return error(exit_code::tls, fmt::format("TLS: the broker at {} closed the connection after the handshake; "
                                                 "it did not accept the client certificate '{}'",
                                                 where, t.certfile));
    }
    if (c.transport_kind == transport::websocket) return error(exit_code::failure, diagnose_connect_failure(c));
    return error(exit_code::tls,
                 fmt::format("TLS: the broker at {} closed the connection after the TLS handshake", where));
}

}  // namespace

std::string reason_text(int code, mqtt_version version) {
    if (version != mqtt_version::v5) {
        switch (code) {
            case 1:
                return "connection refused: unacceptable protocol version";
            case 2:
                return "connection refused: client identifier rejected";
            case 3:
                return "connection refused: broker unavailable";
            case 4:
                return "connection refused: bad user name or password";
            case 5:
                return "connection refused: not authorised";
            default:
                return fmt::format("connection refused (CONNACK code {})", code);
        }
    }
    // MQTT v5's reason codes (2.4) in its own words; a code means the same in every packet.
    static const std::pair<int, const char*> names[] = {
        {0, "success"},
        {4, "disconnect with will message"},
        {16, "no matching subscribers"},
        {17, "no subscription existed"},
        {128, "unspecified error"},
        {129, "malformed packet"},
        {130, "protocol error"},
        {131, "implementation specific error"},
        {132, "unsupported protocol version"},
        {133, "client identifier not valid"},
        {134, "bad user name or password"},
        {135, "not authorized"},
        {136, "server unavailable"},
        {137, "server busy"},
        {138, "banned"},
        {139, "server shutting down"},
        {140, "bad authentication method"},
        {141, "keep alive timeout"},
        {142, "session taken over"},
        {143, "topic filter invalid"},
        {144, "topic name invalid"},
        {145, "packet identifier in use"},
        {146, "packet identifier not found"},
        {147, "receive maximum exceeded"},
        {148, "topic alias invalid"},
        {149, "packet too large"},
        {150, "message rate too high"},
        {151, "quota exceeded"},
        {152, "administrative action"},
        {153, "payload format invalid"},
        {154, "retain not supported"},
        {155, "QoS not supported"},
        {156, "use another server"},
        {157, "server moved"},
        {158, "shared subscriptions not supported"},
        {159, "connection rate exceeded"},
        {160, "maximum connect time"},
        {161, "subscription identifiers not supported"},
        {162, "wildcard subscriptions not supported"},
    };
    for (const auto& [number, name] : names)
        if (number == code) return name;
    return fmt::format("reason code {}", code);
}

std::uint32_t paho_u32(std::uint32_t value) {
    // Paho C before 1.3.13 writes four-byte integers as a signed int (writeInt4; fixed by its
    // #1336): a value above 2^31-1 goes out as its last byte alone, 4294967295 ("never") as 255.
    // There the largest value it writes correctly stands in: 2^31-1 seconds, 68 years.
    static const bool signed_writer = [] {
        unsigned major = 0, minor = 0, patch = 0;
        if (std::sscanf(paho_c_version().c_str(), "%u.%u.%u", &major, &minor, &patch) != 3) return true;
        return std::make_tuple(major, minor, patch) < std::make_tuple(1u, 3u, 13u);
    }();
    constexpr std::uint32_t largest = 2147483647u;
    return signed_writer && value > largest ? largest : value;
}

std::uint32_t paho_session_expiry(std::uint32_t value) {
    const std::uint32_t sent = paho_u32(value);
    if (sent == value) return value;
    // The stand-in for "never" (or any larger value) is added to the broker's clock: a broker with
    // a 32-bit time_t (mosquitto on Debian 12 armhf, a Raspberry Pi's 32-bit OS) wraps
    // now + 2^31-1 to the past and expires the session at once. Stay a day short of 2038.
    const std::int64_t room = std::int64_t{2147483647} - static_cast<std::int64_t>(std::time(nullptr)) - 86400;
    return room > 0 && room < std::int64_t{sent} ? static_cast<std::uint32_t>(room) : sent;
}

mqtt::properties to_paho_properties(const std::vector<v5_property>& props) {
    mqtt::properties out;
    for (const auto& p : props) {
        const auto* info = find_property(p.identifier);
        if (!info) continue;  // the parser already refused unknown names
        auto code = static_cast<mqtt::property::code>(info->code);
        switch (info->type) {
            case property_type::byte:
                out.add(mqtt::property(code, static_cast<uint8_t>(std::stoul(p.value))));
                break;
            case property_type::u16:
                out.add(mqtt::property(code, static_cast<uint16_t>(std::stoul(p.value))));
                break;
            case property_type::u32: {
                const auto value = static_cast<uint32_t>(std::stoul(p.value));
                out.add(mqtt::property(code, static_cast<int32_t>(code == mqtt::property::SESSION_EXPIRY_INTERVAL
                                                                      ? paho_session_expiry(value)
                                                                      : paho_u32(value))));
                break;
            }
            case property_type::varint:
                out.add(mqtt::property(code, static_cast<int32_t>(std::stoul(p.value))));
                break;
            case property_type::string:
            case property_type::binary:
                out.add(mqtt::property(code, p.value));
                break;
            case property_type::pair:
                out.add(mqtt::property(code, p.value, p.value2));
                break;
        }
    }
    return out;
}

}  // namespace mqkit::detail

namespace mqkit {

using namespace detail;

std::string reason_name(int code) {
    return reason_text(code, mqtt_version::v5);
}

/// Seconds Paho waits for the TCP (TLS, WebSocket) connection and the CONNACK.
constexpr int connect_timeout_s = 10;

/// The Paho client behind a session, and what the session counts.
class session::impl {
public:
    impl(const connection_config& config, trace_sink sink);
    ~impl();

    void hide_in_trace(std::string secret);
    void on_message(message_handler handler);
    void on_reconnect(std::function<void()> handler);
    void on_connection_lost(std::function<void(const std::string&)> handler);
    void set_reconnect_policy(const reconnect_policy& policy);
    void set_deadline(std::chrono::steady_clock::time_point when, exit_code code, std::string message);
    void connect(bool auto_reconnect, int max_inflight);
    bool publish(const std::string& topic, std::string payload, int qos, bool retain, std::size_t window);
    void cancel();
    std::size_t wait_published(std::chrono::milliseconds timeout);
    std::size_t failed_publishes() const;
    std::size_t completed_publishes() const;
    std::size_t unsent_publishes() const;
    std::string link_failure() const;
    int link_status() const;
    std::string first_failure() const;
    int first_failure_reason() const;
    std::vector<int> subscribe(const std::vector<std::string>& filters, const subscription_options& options, bool wait);
    std::vector<std::pair<std::string, int>> unsubscribe(const std::vector<std::string>& filters);
    void disconnect();
    bool is_connected() const;
    /// From now on the caller's handlers are not called; waits for a connection-lost or reconnect
    /// handler that is running (a message handler may be writing to a pipe: it is not waited for).
    void detach() {
        std::lock_guard<std::mutex> hold(handler_mutex_);
        detached_ = true;
    }

private:
    class publish_listener;

    [[noreturn]] void throw_connect_error(const mqtt::exception& e);
    /// MQTT v5 CONNECT properties: -D connect, the session expiry, the receive maximum.
    mqtt::properties connect_properties() const;
    /// After CONNACK, a failure or a signal: TLS trace off; -d: the CONNACK line of an id-less client,
    /// with the id a v5 broker assigned (shown from then on) or "(null)".
    void connect_ended(const mqtt::token* v5_connected);
    /// Waits for `tok` in 10 ms steps (Paho C++ throws if it failed): 0 once it completed, or the
    /// number of a SIGINT/SIGTERM that came first. Throws the set_deadline() error once it passes.
    int wait_for_token(const mqtt::token_ptr& tok);
    /// After SIGINT/SIGTERM: throws 130/143 "interrupted|terminated while <doing> host:port".
    [[noreturn]] void throw_signalled(const char* doing) const;
    /// Deletes the session kept for reconnects (reconnect_policy::keep_session) on MQTT 3.x: a
    /// second, clean-session CONNECT and DISCONNECT under the same client id.
    void delete_kept_session();
    std::string lost_text() const;
    /// Why the link went, in words: a protocol fault, the broker's DISCONNECT, or "".
    std::string link_cause() const;
    /// -d: once, the packet the protocol guard closed the connection for, as mosquitto shows it.
    void trace_fault();
    /// The error for a PUBLISH that Paho refused: the protocol guard's fault when it closed the
    /// link (the refusal may come before Paho reports the loss), else "publish to 'T' failed".
    error publish_refused(const std::string& topic, const mqtt::exception& e);
    /// Subscribes to `filters` in one SUBSCRIBE; see session::subscribe().
    std::vector<int> subscribe_once(const std::vector<std::string>& filters, const subscription_options& options,
                                    bool wait);
    /// publish() for a QoS 1/2 stream: queues the message (see queued_) and hands what fits in the window to Paho.
    bool publish_queued(mqtt::message_ptr msg, std::size_t window);
    /// Waits (mutex_ held) until `ready()`, or throws once the link is gone for good (reconnect policy).
    template <class Ready>
    void wait_while_linked(std::unique_lock<std::mutex>& lock, Ready ready);
    /// Hands queued messages to Paho while the window has room and nobody else is handing one;
    /// mutex_ held, released around each hand-off. `on_paho_thread`: from a completion, where a
    /// refused hand-off is left to the publisher's thread; otherwise a refusal throws (or waits and
    /// retries while reconnecting, as publish()).
    void pump(std::unique_lock<std::mutex>& lock, bool on_paho_thread);
    /// Whether the publisher's thread must hand queued messages over itself (nobody else will).
    bool pump_stalled() const;
    /// Whether a completion must wake the publisher's thread waiting to refill the queue (and
    /// clears the wish): once the queue drained to queue_low_water, one wake-up per burst.
    bool refill_due();

    const connection_config config_;
    std::unique_ptr<packet_trace> trace_;  // -d; null without a trace sink
    /// The -D properties of each packet type, converted once (MQTT v5; empty otherwise).
    const mqtt::properties publish_props_, subscribe_props_, unsubscribe_props_;
    std::unique_ptr<tunnel> tunnel_;  // SOCKS5, TLS-PSK, --tls-keylog: what Paho cannot do (tunnel.hpp)
    std::unique_ptr<mqtt::async_client> client_;
    std::unique_ptr<publish_listener> listener_;
    std::unique_ptr<mqtt::ssl_options> ssl_;  // kept: Paho C++ 1.2 copies point into it (CA path)
    std::unique_ptr<tls_trace> tls_trace_;    // set while a TLS connect is under way
    bool key_encrypted_ = false;              // a passphrase was given for --key
    std::optional<std::chrono::steady_clock::time_point> deadline_;  // set_deadline()
    exit_code deadline_code_ = exit_code::failure;
    std::string deadline_message_;
    received_message received_;  // the message being handed to on_message's handler (one at a time)

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t unfinished_ = 0;  // accepted by publish(), not yet finished: queued_ and those in Paho
    std::size_t in_paho_ = 0;     // handed to Paho, not yet finished
    /// QoS 1/2 streams: messages accepted by publish() and not yet handed to Paho, in order. Each
    /// completion hands the next one to Paho from Paho's receive thread (pump), so that the next
    /// PUBLISH does not wait for the publisher's thread to be scheduled (on a loaded machine that
    /// hop doubled the round trip that bounds a window of 20); the publisher's thread refills the
    /// queue in bursts. Bounded by queue_limit messages and queue_bytes_limit bytes.
    std::deque<mqtt::message_ptr> queued_;
    std::size_t queued_bytes_ = 0;
    std::size_t window_ = 0;        // the window of the queued stream
    bool handing_off_ = false;      // a thread is handing a queued message to Paho (keeps the order)
    bool handoff_refused_ = false;  // Paho refused a hand-off from its own thread: the publisher's thread takes over
    bool refill_wanted_ = false;    // the publisher's thread waits for the queue to drain to queue_low_water
    /// Completions wake a publisher waiting for room only below this many unfinished messages
    /// (publish() sets it; every completion wakes it by default).
    std::size_t wake_below_ = static_cast<std::size_t>(-1);
    std::size_t failed_ = 0;
    std::size_t completed_ = 0;
    std::string first_failure_;
    int first_failure_reason_ = 0;
    std::atomic<int> server_disconnect_{-1};  // reason code of the broker's MQTT v5 DISCONNECT; -1: none
    std::mutex handler_mutex_;                // held while a connection-lost or reconnect handler runs
    std::atomic<bool> detached_{false};
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

/// Counts finished publishes; Paho calls it on its own threads.
class session::impl::publish_listener : public mqtt::iaction_listener {
public:
    explicit publish_listener(impl& s) : s_(s) {}
    void on_success(const mqtt::token& tok) override {
        if (s_.trace_) s_.trace_->publish_done(tok.get_message_id(), static_cast<int>(tok.get_reason_code()));
        std::unique_lock<std::mutex> lock(s_.mutex_);
        --s_.unfinished_;
        --s_.in_paho_;
        ++s_.completed_;
        if (!s_.queued_.empty()) s_.pump(lock, true);  // the next queued message takes the freed slot
        if (s_.unfinished_ < s_.wake_below_ || s_.in_paho_ == 0 || s_.refill_due()) s_.cv_.notify_all();
    }
    void on_failure(const mqtt::token& tok) override {
        s_.trace_fault();
        if (s_.trace_) s_.trace_->publish_done(tok.get_message_id(), static_cast<int>(tok.get_reason_code()));
        std::unique_lock<std::mutex> lock(s_.mutex_);
        --s_.unfinished_;
        --s_.in_paho_;
        ++s_.failed_;
        if (!s_.queued_.empty()) s_.pump(lock, true);  // a refusal (MQTT v5) frees its slot too
        if (s_.first_failure_.empty()) {
            int rc = tok.get_return_code();
            int reason = tok.get_reason_code();
            // Paho leaves the reason code at 255 when no v5 PUBACK/PUBREC carried one.
            if (s_.config_.version == mqtt_version::v5 && reason >= 128 && reason < 255) {
                s_.first_failure_ = reason_text(reason, mqtt_version::v5);
                s_.first_failure_reason_ = reason;
            } else if (std::string cause = s_.link_cause(); !cause.empty()) {
                s_.first_failure_ = cause;
                if (s_.server_disconnect_ >= 128) s_.first_failure_reason_ = s_.server_disconnect_;
            } else if (rc == MQTTASYNC_OPERATION_INCOMPLETE || rc == MQTTASYNC_DISCONNECTED) {
                s_.first_failure_ = fmt::format("connection to {}:{} lost", s_.config_.host, s_.config_.port);
            } else {
                s_.first_failure_ = fmt::format("{} (Paho code {})", mqtt::exception::error_str(rc), rc);
            }
        }
        s_.cv_.notify_all();
    }

private:
    impl& s_;
};

namespace {

/// -D properties of one packet type as Paho's, for MQTT v5 (empty for 3.x, which has none).
mqtt::properties properties_of(const connection_config& c, const char* command) {
    return c.version == mqtt_version::v5 ? to_paho_properties(c.properties_for(command)) : mqtt::properties{};
}

/// Copies what -F can show from a Paho message into `out`, reusing its buffers.
void fill_message(received_message& out, const mqtt::message& m) {
    const MQTTAsync_message& c = m.c_struct();
    out.topic = m.get_topic();
    out.payload.assign(static_cast<const char*>(c.payload), static_cast<std::size_t>(c.payloadlen));
    out.qos = c.qos;
    out.retained = c.retained != 0;
    out.duplicate = c.dup != 0;
    out.mid = c.msgid;
    out.received_at = std::chrono::system_clock::now();
    out.content_type.reset();
    out.correlation_data.reset();
    out.response_topic.reset();
    out.message_expiry.reset();
    out.payload_format_indicator.reset();
    out.subscription_ids.clear();
    out.topic_alias.reset();
    out.user_properties.clear();
    out.property_order.clear();
    const MQTTProperties& props = m.get_properties().c_struct();
    for (int i = 0; i < props.count; ++i) {
        const MQTTProperty& p = props.array[i];
        out.property_order.push_back(p.identifier);
        auto text = [](const MQTTLenString& s) { return std::string(s.data, static_cast<std::size_t>(s.len)); };
        switch (p.identifier) {
            case MQTTPROPERTY_CODE_PAYLOAD_FORMAT_INDICATOR:
                out.payload_format_indicator = p.value.byte;
                break;
            case MQTTPROPERTY_CODE_MESSAGE_EXPIRY_INTERVAL:
                out.message_expiry = p.value.integer4;
                break;
            case MQTTPROPERTY_CODE_CONTENT_TYPE:
                out.content_type = text(p.value.data);
                break;
            case MQTTPROPERTY_CODE_RESPONSE_TOPIC:
                out.response_topic = text(p.value.data);
                break;
            case MQTTPROPERTY_CODE_CORRELATION_DATA:
                out.correlation_data = text(p.value.data);
                break;
            case MQTTPROPERTY_CODE_SUBSCRIPTION_IDENTIFIER:
                out.subscription_ids.push_back(p.value.integer4);
                break;
            case MQTTPROPERTY_CODE_TOPIC_ALIAS:
                out.topic_alias = p.value.integer2;
                break;
            case MQTTPROPERTY_CODE_USER_PROPERTY:
                out.user_properties.emplace_back(text(p.value.data), text(p.value.value));
                break;
            default:
                break;
        }
    }
}

std::atomic<bool> leave_to_exit{false};

}  // namespace

bool detail::clients_left_to_exit() {
    return leave_to_exit.load();
}

session::impl::impl(const connection_config& config, trace_sink sink)
    : config_(config),
      publish_props_(properties_of(config, "publish")),
      subscribe_props_(properties_of(config, "subscribe")),
      unsubscribe_props_(properties_of(config, "unsubscribe")),
      listener_(std::make_unique<publish_listener>(*this)) {
    init_paho();
    if (sink) {
        trace_ = std::make_unique<packet_trace>(std::move(sink), config.client_id);
        if (config.version == mqtt_version::v5) trace_->await_reason_codes();
        trace_->install();
    }
    mqtt::create_options create(static_cast<int>(config.version));
    // Paho refuses a publish once this many are queued unsent, even while connected; the tools
    // bound their own queue with a window well below it.
    create.set_max_buffered_messages(65535);
    if (tunnel::needed(config)) tunnel_ = std::make_unique<tunnel>(config);
    client_ = std::make_unique<mqtt::async_client>(server_uri(config, tunnel_ ? tunnel_->port() : 0), config.client_id,
                                                   create, nullptr);
    client_->set_connected_handler([this](const std::string&) {
        std::function<void()> handler;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            lost_ = false;
            server_disconnect_ = -1;
            if (connected_once_) handler = on_reconnect_;
            connected_once_ = true;
        }
        cv_.notify_all();
        std::lock_guard<std::mutex> hold(handler_mutex_);
        if (handler && !detached_) handler();
    });
    // The broker's MQTT v5 DISCONNECT, just before Paho reports the link lost.
    client_->set_disconnected_handler(
        [this](const mqtt::properties&, mqtt::ReasonCode rc) { server_disconnect_ = static_cast<int>(rc); });
    client_->set_connection_lost_handler([this](const std::string& cause) {
        trace_fault();
        std::function<void(const std::string&)> handler;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            lost_ = true;
            lost_since_ = std::chrono::steady_clock::now();
            handler = on_lost_;
        }
        cv_.notify_all();
        std::lock_guard<std::mutex> hold(handler_mutex_);
        if (handler && !detached_) handler(cause);
    });
}

session::impl::~impl() {
    // Destroying the last Paho client makes Paho C stop its threads, polling in 100 ms sleeps.
    // mqkit's tools end the process with _exit right after (leave_clients_to_exit), so there the
    // client is left to the OS.
    if (clients_left_to_exit()) {
        (void)client_.release();
        return;
    }
    try {
        if (client_->is_connected())
            client_->disconnect(mqtt::disconnect_options(0))->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
        // gone already
    }
    client_.reset();
}

void session::impl::hide_in_trace(std::string secret) {
    if (trace_) trace_->hide(std::move(secret));
}

void session::impl::on_message(message_handler handler) {
    client_->set_message_callback([this, handler = std::move(handler)](const mqtt::const_message_ptr& m) {
        // Paho's receive thread delivers one message at a time, so one buffer serves them all.
        fill_message(received_, *m);
        if (trace_)
            trace_->received_publish(received_.duplicate, received_.qos, received_.retained, received_.mid,
                                     received_.topic, received_.payload.size());
        if (!detached_) handler(received_);
    });
}

void session::impl::on_reconnect(std::function<void()> handler) {
    std::lock_guard<std::mutex> lock(mutex_);
    on_reconnect_ = std::move(handler);
}

void session::impl::on_connection_lost(std::function<void(const std::string&)> handler) {
    std::lock_guard<std::mutex> lock(mutex_);
    on_lost_ = std::move(handler);
}

void session::impl::throw_connect_error(const mqtt::exception& e) {
    if (paho_protocol_fault() == http_answer_fault)
        throw error(exit_code::failure,
                    fmt::format("cannot connect to {}:{}: the port answered in HTTP, not MQTT (is it a WebSocket "
                                "listener?)",
                                config_.host, config_.port),
                    "for MQTT over WebSockets give --ws (and --ws-path), or a ws:// URL with -L");
    if (std::string fault = paho_protocol_fault(); !fault.empty()) {
        trace_fault();
        throw error(exit_code::protocol, "protocol error: " + fault);
    }
    if (tunnel_) {
        if (std::optional<error> failed = tunnel_->failure()) throw *failed;
    }
    int rc = e.get_return_code();
    // An MQTT 3.x broker answers a v5 CONNECT with its own CONNACK, code 1 (unacceptable protocol
    // version); mosquitto's clients report it as v5's 132, and so does mqkit.
    if (rc == 1 && config_.version == mqtt_version::v5)
        throw refused_error(132, reason_text(132, mqtt_version::v5),
                            "the broker speaks MQTT 3.1.1 or 3.1 only: leave out -V 5 (or give -V 311)");
    if (rc > 0) {  // the broker answered CONNACK with a refusal
        std::string hint;
        if ((config_.version != mqtt_version::v5 && (rc == 4 || rc == 5)) || rc == 134 || rc == 135)
            hint = config_.username
                       ? "check the user name and password (-u, -P, --pw-file or MQKIT_PASSWORD) and the broker's ACL"
                       : "the broker may require a user name and password (-u, --pw-file)";
        std::string text = reason_text(rc, config_.version);
        if (config_.version == mqtt_version::v5 && text.rfind("reason code", 0) == 0)
            text = fmt::format("connection refused (CONNACK reason code {})", rc);  // one v5 does not define
        throw refused_error(rc, text, hint);
    }
    if (config_.tls.enabled && !tunnel_)
        throw diagnose_tls_failure(config_, tls_trace_ ? tls_trace_->text() : std::string{}, key_encrypted_);
    if (config_.transport_kind != transport::tcp) {
        // RabbitMQ's web_mqtt answers a wrong password with a WebSocket close frame, no CONNACK:
        // the WebSocket handshake itself works, which a second, bare handshake shows.
        if (tcp_problem(config_).empty() && websocket_opens(config_.host, config_.port, config_.ws_path))
            throw error(exit_code::connection_lost,
                        fmt::format("cannot connect to {}:{}: the broker took the WebSocket connection on path '{}' "
                                    "but closed it without answering the MQTT CONNECT",
                                    config_.host, config_.port, config_.ws_path),
                        "RabbitMQ closes it so on a wrong user name or password: check -u and -P (--pw-file)");
        throw error(exit_code::failure, diagnose_connect_failure(config_));
    }
    if (std::string why = tcp_problem(config_); !why.empty()) throw error(exit_code::failure, why);
    // The TCP connection was made, and no CONNACK came: the broker closed the connection (RabbitMQ
    // 3.x does so on an MQTT v5 CONNECT) or said nothing until Paho's connect timeout ("TCP connect
    // timeout"). mosquitto's clients call both a lost connection (7).
    const bool timed_out = e.get_message().find("timeout") != std::string::npos;
    throw error(exit_code::connection_lost,
                fmt::format("cannot connect to {}:{}: the broker {} (is it an MQTT broker, or does it expect TLS?)",
                            config_.host, config_.port,
                            timed_out ? fmt::format("accepted the TCP connection but did not answer the MQTT "
                                                    "CONNECT within {} s",
                                                    connect_timeout_s)
                                      : std::string("closed the connection without answering the MQTT CONNECT")),
                config_.version == mqtt_version::v5 && !timed_out
                    ? "some brokers (RabbitMQ 3.x) close an MQTT v5 CONNECT: try -V 311"
                    : std::string());
}

void session::impl::set_reconnect_policy(const reconnect_policy& policy) {
    policy_ = policy;
}

void session::impl::connect(bool auto_reconnect, int max_inflight) {
    bool v5 = config_.version == mqtt_version::v5;
    std::optional<std::string> password = config_.password;
    if (!config_.password_file.empty()) password = read_secret_file(config_.password_file, "--pw-file");
    std::string key_password = config_.tls.key_password;
    if (!config_.tls.key_password_file.empty())
        key_password = read_secret_file(config_.tls.key_password_file, "--key-pw-file");
    if (config_.tls.enabled) {
        check_tls_files(config_.tls, key_password);
        key_encrypted_ = !key_password.empty();
    }
    if (tunnel_) tunnel_->start(key_password);
    auto_reconnect_ = auto_reconnect;
    // A kept session is resumed on reconnect (Paho resends unacknowledged QoS 1/2 messages when
    // CONNACK says the session is present) and deleted at disconnect() unless -c asked for it.
    const bool keep = auto_reconnect && policy_.keep_session;
    delete_session_ = keep && config_.clean_session;
    const bool clean = config_.clean_session && !keep;
    mqtt::connect_options opts;
    opts.set_mqtt_version(static_cast<int>(config_.version));
    opts.set_clean_session(!v5 && clean);
    opts.set_clean_start(v5 && clean);
    opts.set_keep_alive_interval(config_.keepalive);
    opts.set_connect_timeout(connect_timeout_s);
    // mqkit enforces the window itself (session::impl::publish). Paho counts a message as in flight for a
    // moment after it reports it complete, so its own limit gets headroom or a full window stalls.
    opts.set_max_inflight(std::min(65535, std::max(max_inflight, 1) * 2 + 16));
    if (config_.username) opts.set_user_name(*config_.username);
    if (password) opts.set_password(*password);
    if (auto_reconnect) opts.set_automatic_reconnect(1, std::max(1, policy_.max_wait));
    if (config_.tls.enabled && !tunnel_) {
        ssl_ = std::make_unique<mqtt::ssl_options>();
        fill_paho_ssl(*ssl_, config_.tls, key_password);
        opts.set_ssl(*ssl_);
    }
    if (!config_.proxy.empty() && !tunnel_) {  // an HTTP CONNECT proxy (SOCKS5 goes through the tunnel)
        opts.set_http_proxy(config_.proxy);    // plain TCP and ws://
        opts.set_https_proxy(config_.proxy);   // TLS: the same HTTP CONNECT tunnel
    }
    if (config_.will) {
        mqtt::will_options will(config_.will->topic, config_.will->payload, config_.will->qos, config_.will->retain);
        if (v5) will.set_properties(to_paho_properties(config_.properties_for("will")));
        opts.set_will(will);
    }
    if (v5) opts.set_properties(connect_properties());
    if (config_.tls.enabled && !tunnel_) {
        tls_trace_ = std::make_unique<tls_trace>();
        tls_trace_->install();
    }
    connect_options_ = opts;
    int signal = 0;  // SIGINT/SIGTERM while waiting for CONNACK: stop waiting at once
    mqtt::token_ptr tok;
    try {
        tok = client_->connect(opts);
        signal = wait_for_token(tok);
    } catch (const mqtt::exception& e) {
        connect_ended(nullptr);
        throw_connect_error(e);
    } catch (...) {  // the deadline
        connect_ended(nullptr);
        throw;
    }
    connect_ended(signal == 0 && v5 ? tok.get() : nullptr);
    if (signal != 0) throw_signalled("connecting to");
}

void session::impl::connect_ended(const mqtt::token* v5_connected) {
    if (tls_trace_) tls_trace_->uninstall();
    if (!trace_ || !config_.client_id.empty()) return;
    // mosquitto 2.1 shows an id-less client's CONNACK as "Client (null) received CONNACK", or, when
    // a v5 broker assigned an id, with that id, which -d then shows from then on.
    std::string id = "(null)";
    if (v5_connected) {
        const mqtt::connect_response response = v5_connected->get_connect_response();  // by value: keep it alive
        const mqtt::properties& props = response.get_properties();
        // Paho C++ 1.2 spells it ASSIGNED_CLIENT_IDENTIFER, 1.5 ASSIGNED_CLIENT_IDENTIFIER; Paho C's
        // misspelt name is in 1.3.12 and 1.3.14 alike.
        constexpr auto assigned_id = static_cast<mqtt::property::code>(MQTTPROPERTY_CODE_ASSIGNED_CLIENT_IDENTIFER);
        if (props.contains(assigned_id)) {
            id = mqtt::get<std::string>(props, assigned_id);
            trace_->show_client_id(id);
        }
    }
    trace_->release_connack(id);
}

mqtt::properties session::impl::connect_properties() const {
    mqtt::properties props = to_paho_properties(config_.properties_for("connect"));
    std::optional<std::uint32_t> expiry = config_.session_expiry;
    if (delete_session_) {
        // Long enough to outlive the longest outage mqpub waits for; DISCONNECT sets it to 0.
        expiry = static_cast<std::uint32_t>(std::max<std::int64_t>(60, policy_.give_up.count() + 60));
    }
    // 0 is what no property means: mosquitto's clients send none then.
    if (expiry && *expiry > 0 && !props.contains(mqtt::property::SESSION_EXPIRY_INTERVAL))
        props.add(mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL,
                                 static_cast<int32_t>(paho_session_expiry(*expiry))));
    if (config_.receive_maximum && !props.contains(mqtt::property::RECEIVE_MAXIMUM))
        props.add(mqtt::property(mqtt::property::RECEIVE_MAXIMUM, static_cast<int32_t>(*config_.receive_maximum)));
    return props;
}

void session::impl::set_deadline(std::chrono::steady_clock::time_point when, exit_code code, std::string message) {
    deadline_ = when;
    deadline_code_ = code;
    deadline_message_ = std::move(message);
}

int session::impl::wait_for_token(const mqtt::token_ptr& tok) {
    while (!tok->wait_for(std::chrono::milliseconds(10))) {
        if (int signal = stop_signal::received()) return signal;
        if (deadline_ && std::chrono::steady_clock::now() >= *deadline_) throw error(deadline_code_, deadline_message_);
        // The protocol guard closed the link: a reconnecting Paho keeps a SUBSCRIBE waiting for a
        // connection that the broker breaks again. The broker's answer will not come.
        if (std::string fault = paho_protocol_fault(); !fault.empty() && !client_->is_connected()) {
            trace_fault();
            throw error(exit_code::protocol, "protocol error: " + fault);
        }
    }
    return 0;
}

void session::impl::throw_signalled(const char* doing) const {
    throw error(stop_signal::status(),
                fmt::format("{} while {} {}:{}", stop_signal::word(), doing, config_.host, config_.port));
}

void session::impl::trace_fault() {
    if (trace_) trace_->show_fault();
}

error session::impl::publish_refused(const std::string& topic, const mqtt::exception& e) {
    if (std::string fault = paho_protocol_fault(); !fault.empty()) {
        trace_fault();
        return error(exit_code::protocol, "protocol error: " + fault);
    }
    return error(exit_code::connection_lost, fmt::format("publish to '{}' failed: {}", topic, e.what()));
}

std::string session::impl::link_cause() const {
    if (std::string fault = paho_protocol_fault(); !fault.empty()) return "protocol error: " + fault;
    const int rc = server_disconnect_;
    if (rc == 0) return "the broker disconnected (reason code 0, normal disconnection)";
    if (rc > 0)
        return fmt::format("the broker disconnected: {} (reason code {})", reason_text(rc, mqtt_version::v5), rc);
    return {};
}

std::string session::impl::lost_text() const {
    if (std::string fault = paho_protocol_fault(); !fault.empty()) return "protocol error: " + fault;
    std::string text = fmt::format("connection to {}:{} lost", config_.host, config_.port);
    if (auto_reconnect_ && policy_.give_up.count() > 0)
        text += fmt::format(" and not restored within {} s", policy_.give_up.count());
    if (std::string cause = link_cause(); !cause.empty()) text += " (" + cause + ")";
    return text;
}

void session::impl::cancel() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        cancelled_ = true;
    }
    cv_.notify_all();
}

int session::impl::link_status() const {
    if (!paho_protocol_fault().empty()) return static_cast<int>(exit_code::protocol);
    // A broker's MQTT v5 DISCONNECT with a failure code: that code, as for a CONNACK refusal.
    if (const int rc = server_disconnect_; rc >= 128) return rc;
    return static_cast<int>(exit_code::connection_lost);
}

std::string session::impl::link_failure() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!lost_) return {};
    if (auto_reconnect_ && paho_protocol_fault().empty() &&
        (policy_.give_up.count() == 0 || std::chrono::steady_clock::now() - lost_since_ < policy_.give_up))
        return {};
    return lost_text();
}

bool session::impl::publish(const std::string& topic, std::string payload, int qos, bool retain, std::size_t window) {
    auto msg = mqtt::message::create(topic, std::move(payload), qos, retain, publish_props_);
    // QoS 1/2 through the queue (see queued_). Not with -d, whose trace expects each PUBLISH from the
    // publisher's thread, and not with an unbounded window (mqsub --remove-retained publishes from
    // Paho's own thread, where nothing may wait).
    if (qos > 0 && !trace_ && window <= max_queued_window) return publish_queued(std::move(msg), window);
    std::optional<std::chrono::steady_clock::time_point> refused_since;
    while (true) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            // QoS 1/2 here (with -d; otherwise publish_queued) and in publish_queued's pump: one
            // publish per freed slot, not bursts. Bursts first stalled because Paho's
            // send thread slept up to 1 s after skipping a command while a PUBREL was partly written
            // (before the socket guard completed every write). With the guard they still stall,
            // ~40 ms at a time: the broker's Nagle holds its next acknowledgements until our delayed
            // ACK, and while we wait for half the window we send nothing that would carry that ACK
            // sooner (20,000 lines at QoS 1: 15-18 s; 0.67 s against a broker with set_tcp_nodelay).
            // A publish per acknowledgement always does.
            auto ready = [&] { return cancelled_ || (!lost_ && unfinished_ < window); };
            // QoS 0: refill the window in bursts of half of it, one wake-up per burst instead of one
            // per written message (the hand-off dominated the cost of a -l stream).
            wake_below_ = qos == 0 ? std::max<std::size_t>(1, window / 2) : window;
            wait_while_linked(lock, ready);
            if (cancelled_) return false;
            ++unfinished_;
            ++in_paho_;
        }
        if (trace_) trace_->expect_publish(topic);
        try {
            client_->publish(msg, nullptr, *listener_);
            return true;
        } catch (const mqtt::exception& e) {
            std::unique_lock<std::mutex> lock(mutex_);
            --unfinished_;
            --in_paho_;
            // Paho notices a dead link a moment before it reports it: with auto-reconnect, wait
            // for the report (or the reconnect) and try again, within the give-up time.
            auto now = std::chrono::steady_clock::now();
            if (!refused_since) refused_since = now;
            bool retry = auto_reconnect_ && e.get_return_code() == MQTTASYNC_DISCONNECTED &&
                         (policy_.give_up.count() == 0 || now - *refused_since < policy_.give_up);
            if (!retry) throw publish_refused(topic, e);
            cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return cancelled_ || lost_; });
        }
    }
}

template <class Ready>
void session::impl::wait_while_linked(std::unique_lock<std::mutex>& lock, Ready ready) {
    while (!ready()) {
        if (!lost_) {
            cv_.wait(lock, [&] { return ready() || lost_; });
        } else if (!auto_reconnect_ || !paho_protocol_fault().empty()) {
            throw error(link_status(), lost_text());
        } else if (policy_.give_up.count() == 0) {
            cv_.wait(lock, [&] { return ready() || !lost_; });
        } else if (!cv_.wait_until(lock, lost_since_ + policy_.give_up, [&] { return ready() || !lost_; })) {
            throw error(link_status(), lost_text());
        }
    }
}

bool session::impl::publish_queued(mqtt::message_ptr msg, std::size_t window) {
    std::unique_lock<std::mutex> lock(mutex_);
    window_ = window;
    wake_below_ = 0;  // completions wake this thread only for a refill (refill_due) or at the end
    bool waited = false;
    while (!cancelled_) {
        if (pump_stalled()) {
            pump(lock, false);
            continue;
        }
        // Once full, wait until the completions have drained the queue to its low-water mark: one
        // wake-up of this thread per burst of messages instead of one per acknowledgement.
        const bool room = waited ? queued_.size() < queue_low_water && queued_bytes_ < queue_bytes_limit / 2
                                 : queued_.size() < queue_limit && queued_bytes_ < queue_bytes_limit;
        if (room && !lost_) break;
        waited = refill_wanted_ = true;
        wait_while_linked(lock, [&] { return cancelled_ || !refill_wanted_ || pump_stalled(); });
        refill_wanted_ = false;
    }
    if (cancelled_) return false;
    const mqtt::message* mine = msg.get();
    queued_bytes_ += msg->get_payload().size();
    queued_.push_back(std::move(msg));
    ++unfinished_;
    try {
        pump(lock, false);
    } catch (const error&) {
        // Not accepted after all (the caller counts only what returns true): out of the queue again.
        if (!queued_.empty() && queued_.back().get() == mine) {
            queued_bytes_ -= mine->get_payload().size();
            queued_.pop_back();
            --unfinished_;
        }
        throw;
    }
    return true;
}

void session::impl::pump(std::unique_lock<std::mutex>& lock, bool on_paho_thread) {
    std::optional<std::chrono::steady_clock::time_point> refused_since;
    while (!handing_off_ && !cancelled_ && !lost_ && !queued_.empty() && in_paho_ < window_) {
        mqtt::message_ptr msg = std::move(queued_.front());
        queued_.pop_front();
        queued_bytes_ -= msg->get_payload().size();
        ++in_paho_;
        handing_off_ = true;  // until Paho has it: nobody else hands one over meanwhile, so the order holds
        handoff_refused_ = false;
        lock.unlock();
        std::optional<mqtt::exception> refused;
        try {
            client_->publish(msg, nullptr, *listener_);
        } catch (const mqtt::exception& e) {
            refused = e;
        }
        lock.lock();
        handing_off_ = false;
        if (!refused) continue;
        --in_paho_;
        queued_bytes_ += msg->get_payload().size();
        const std::string topic = msg->get_topic();
        queued_.push_front(std::move(msg));
        if (on_paho_thread) {  // never wait or throw on Paho's thread: the publisher's thread retries
            handoff_refused_ = true;
            cv_.notify_all();
            return;
        }
        // As in publish(): Paho notices a dead link a moment before it reports it; with
        // auto-reconnect, wait for the report (or the reconnect) and try again, within the give-up time.
        auto now = std::chrono::steady_clock::now();
        if (!refused_since) refused_since = now;
        const bool retry = auto_reconnect_ && refused->get_return_code() == MQTTASYNC_DISCONNECTED &&
                           (policy_.give_up.count() == 0 || now - *refused_since < policy_.give_up);
        if (!retry) throw publish_refused(topic, *refused);
        cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return cancelled_ || lost_; });
    }
}

bool session::impl::pump_stalled() const {
    return !queued_.empty() && !handing_off_ && !cancelled_ && !lost_ && in_paho_ < window_ &&
           (handoff_refused_ || in_paho_ == 0);
}

bool session::impl::refill_due() {
    if (!refill_wanted_ || queued_.size() >= queue_low_water || queued_bytes_ >= queue_bytes_limit / 2) return false;
    refill_wanted_ = false;
    return true;
}

std::size_t session::impl::wait_published(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // After cancel(), what is still queued stays unsent: only what Paho has is waited for.
    const auto done = [&] { return (in_paho_ == 0 && (queued_.empty() || cancelled_)) || lost_; };
    while (!done()) {
        if (pump_stalled()) {
            try {
                pump(lock, false);
            } catch (const error&) {
                break;  // the link is gone: the caller reports what did not arrive
            }
            continue;
        }
        if (!cv_.wait_until(lock, deadline, [&] { return done() || pump_stalled(); })) break;
    }
    return unfinished_;
}

std::size_t session::impl::completed_publishes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return completed_;
}

std::size_t session::impl::unsent_publishes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return queued_.size();
}

std::size_t session::impl::failed_publishes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return failed_;
}

std::string session::impl::first_failure() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_failure_;
}

int session::impl::first_failure_reason() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return first_failure_reason_;
}

std::vector<int> session::impl::subscribe(const std::vector<std::string>& filters, const subscription_options& given,
                                          bool wait) {
    subscription_options options = given;
    if (config_.version != mqtt_version::v5) options = subscription_options{given.qos};  // 3.x: the QoS alone
    // Paho C++ 1.2 loses a per-topic options list when it copies its response options (it then
    // passes a dangling list to Paho C), so filters that need options go one SUBSCRIBE each.
    if (options.flags() == 0 || filters.size() == 1) return subscribe_once(filters, options, wait);
    std::vector<int> granted;
    for (const auto& f : filters) {
        auto one = subscribe_once({f}, options, wait);
        granted.insert(granted.end(), one.begin(), one.end());
    }
    return granted;
}

std::vector<int> session::impl::subscribe_once(const std::vector<std::string>& filters,
                                               const subscription_options& options, bool wait) {
    const int qos = options.qos;
    if (trace_) {
        std::vector<std::pair<std::string, int>> shown;
        for (const auto& f : filters) shown.emplace_back(f, qos);
        trace_->expect_subscribe(std::move(shown), options.flags());
    }
    try {
        mqtt::token_ptr tok;
        if (filters.size() == 1)
            tok = client_->subscribe(
                filters[0], qos,
                mqtt::subscribe_options(options.no_local, options.retain_as_published,
                                        static_cast<mqtt::subscribe_options::RetainHandling>(options.retained)),
                subscribe_props_);
        else
            tok = client_->subscribe(mqtt::string_collection::create(filters),
                                     mqtt::iasync_client::qos_collection(filters.size(), qos),
                                     std::vector<mqtt::subscribe_options>{}, subscribe_props_);
        if (!wait) return {};
        if (wait_for_token(tok) != 0) throw_signalled("waiting for SUBACK from");
        const mqtt::subscribe_response response = tok->get_subscribe_response();  // by value: keep it alive
        std::vector<int> granted;
        for (auto rc : response.get_reason_codes()) granted.push_back(static_cast<int>(rc));
        if (trace_ && !granted.empty()) {
            // mosquitto_sub -d prints this right after "received SUBACK".
            std::string line = fmt::format("Subscribed (mid: {}): {}", tok->get_message_id(), granted[0]);
            for (std::size_t i = 1; i < granted.size(); ++i) line += fmt::format(", {}", granted[i]);
            trace_->after_suback(tok->get_message_id(), std::move(line));
        }
        return granted;
    } catch (const mqtt::exception& e) {
        const int rc = e.get_reason_code() ? e.get_reason_code() : e.get_return_code();
        // Paho reports a one-filter SUBACK that refuses (0x80, or a v5 code >= 128) as a failure:
        // it is the broker's answer, as for several filters.
        if (rc >= 128 && rc < 256) return std::vector<int>(filters.size(), rc);
        if (std::string fault = paho_protocol_fault(); !fault.empty())
            throw error(exit_code::protocol, "protocol error: " + fault);
        // Paho MQTT C++ fails a v5 SUBACK with any code above 2 (granted QoS 2).
        if (e.get_return_code() == MQTTASYNC_SUCCESS && rc > 2)
            throw error(exit_code::protocol,
                        fmt::format("protocol error: the broker's SUBACK holds reason code {}, which MQTT does not "
                                    "define there",
                                    rc));
        // The link went before SUBACK: a reconnecting session subscribes again once it is back.
        if (auto_reconnect_ && (rc == MQTTASYNC_OPERATION_INCOMPLETE || rc == MQTTASYNC_DISCONNECTED)) return {};
        throw error(exit_code::failure, fmt::format("subscribe failed: {}", e.what()));
    }
}

std::vector<std::pair<std::string, int>> session::impl::unsubscribe(const std::vector<std::string>& filters) {
    std::vector<std::pair<std::string, int>> refused;
    for (const auto& filter : filters) {
        if (trace_) trace_->expect_unsubscribe({filter});
        try {
            if (wait_for_token(client_->unsubscribe(filter, unsubscribe_props_)) != 0)
                throw_signalled("waiting for UNSUBACK from");
        } catch (const mqtt::exception& e) {
            // Paho C++ throws for any MQTT v5 reason code above 2, "no subscription existed" (17)
            // included; only a code >= 128 is the broker's refusal.
            if (e.get_return_code() != MQTTASYNC_SUCCESS)
                throw error(exit_code::failure, fmt::format("unsubscribe from '{}' failed: {}", filter, e.what()));
            if (e.get_reason_code() >= 128) refused.emplace_back(filter, e.get_reason_code());
        }
    }
    return refused;
}

bool session::impl::is_connected() const {
    return client_->is_connected();
}

void session::impl::disconnect() {
    if (!client_->is_connected()) return;
    const bool v5 = config_.version == mqtt_version::v5;
    try {
        // No grace period: callers disconnect once every publish has finished or they stopped
        // waiting, and Paho would re-check a non-zero timeout only every 3 s.
        mqtt::disconnect_options opts(0);
        if (v5) {
            mqtt::properties props = to_paho_properties(config_.properties_for("disconnect"));
            // The kept session ends with this connection (MQTT v5 3.14.2.2.2).
            if (delete_session_ && !props.contains(mqtt::property::SESSION_EXPIRY_INTERVAL))
                props.add(mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL, 0));
            opts.set_properties(props);
        }
        client_->disconnect(opts)->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
        // Already gone: nothing left to tell the broker.
        return;
    }
    if (tunnel_) tunnel_->wait_idle(std::chrono::seconds(2));  // what Paho wrote last reaches the broker
    // With messages still unacknowledged the broker is not answering: do not wait for it again.
    bool all_done = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        all_done = unfinished_ == 0;
    }
    if (delete_session_ && !v5 && all_done) delete_kept_session();
}

void session::impl::delete_kept_session() {
    // MQTT 3.1.1 (3.1.2.4): connecting with clean session set discards the stored session. Paho's
    // receive thread notices the new socket at once with the send guard; without it (a Paho C the
    // workarounds do not know), only after its 1 s poll.
    mqtt::connect_options opts = connect_options_;
    opts.set_clean_session(true);
    opts.set_automatic_reconnect(false);
    try {
        if (!client_->connect(opts)->wait_for(std::chrono::seconds(3))) return;
        client_->disconnect(mqtt::disconnect_options(1000))->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
        // The broker expires it by its own rules (mosquitto: persistent_client_expiration).
    }
}

// ---- mqkit::session: the public face ---------------------------------------------------------

session::session(const connection_config& config, trace_sink trace)
    : impl_(std::make_unique<impl>(config, std::move(trace))) {}
session::~session() {
    // A tool that leaves Paho's client to the process's end keeps the session's state too: Paho may
    // still call back, and its handlers (which hold the caller's state) are not called any more.
    if (impl_ && clients_left_to_exit()) {
        impl_->detach();
        (void)impl_.release();
    }
}
void session::hide_in_trace(std::string secret) {
    impl_->hide_in_trace(std::move(secret));
}
void session::on_message(message_handler handler) {
    impl_->on_message(std::move(handler));
}
void session::on_reconnect(std::function<void()> handler) {
    impl_->on_reconnect(std::move(handler));
}
void session::on_connection_lost(std::function<void(const std::string&)> handler) {
    impl_->on_connection_lost(std::move(handler));
}
void session::set_reconnect_policy(const reconnect_policy& policy) {
    impl_->set_reconnect_policy(policy);
}
void session::set_deadline(std::chrono::steady_clock::time_point when, exit_code code, std::string message) {
    impl_->set_deadline(when, code, std::move(message));
}
void session::connect(bool auto_reconnect, int max_inflight) {
    impl_->connect(auto_reconnect, max_inflight);
}
bool session::publish(const std::string& topic, std::string payload, int qos, bool retain, std::size_t window) {
    return impl_->publish(topic, std::move(payload), qos, retain, window);
}
void session::cancel() {
    impl_->cancel();
}
std::size_t session::wait_published(std::chrono::milliseconds timeout) {
    return impl_->wait_published(timeout);
}
std::size_t session::failed_publishes() const {
    return impl_->failed_publishes();
}
std::size_t session::completed_publishes() const {
    return impl_->completed_publishes();
}
std::size_t session::unsent_publishes() const {
    return impl_->unsent_publishes();
}
std::string session::link_failure() const {
    return impl_->link_failure();
}
int session::link_status() const {
    return impl_->link_status();
}
std::string session::first_failure() const {
    return impl_->first_failure();
}
int session::first_failure_reason() const {
    return impl_->first_failure_reason();
}
std::vector<int> session::subscribe(const std::vector<std::string>& filters, int qos, bool retain_as_published,
                                    bool wait) {
    subscription_options options;
    options.qos = qos;
    options.retain_as_published = retain_as_published;
    return impl_->subscribe(filters, options, wait);
}
std::vector<int> session::subscribe(const std::vector<std::string>& filters, const subscription_options& options,
                                    bool wait) {
    return impl_->subscribe(filters, options, wait);
}
std::vector<std::pair<std::string, int>> session::unsubscribe(const std::vector<std::string>& filters) {
    return impl_->unsubscribe(filters);
}
void session::disconnect() {
    impl_->disconnect();
}
bool session::is_connected() const {
    return impl_->is_connected();
}
void session::leave_clients_to_exit() {
    leave_to_exit = true;
}

std::string mqtt_library_versions() {
    return paho_versions();
}

std::vector<std::string> paho_workarounds() {
    return registered_paho_workarounds().status;
}

}  // namespace mqkit

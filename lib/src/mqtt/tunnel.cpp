// mqkit's own transport between Paho and the broker: a loopback relay that reaches the broker
// through a SOCKS5 proxy (RFC 1928/1929) and speaks TLS with OpenSSL where Paho cannot (TLS-PSK,
// a key log, the host name checked inside the handshake).
#include "mqtt/tunnel.hpp"

#include "core/proxy_url.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace mqkit::detail {
namespace {

using clock = std::chrono::steady_clock;
/// How long the proxy, the TCP connect and the TLS handshake may take together (Paho's connect
/// timeout is as long).
constexpr std::chrono::seconds setup_time{10};

bool is_ip(const std::string& host) {
    in6_addr a6{};
    in_addr a4{};
    return ::inet_pton(AF_INET, host.c_str(), &a4) == 1 || ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

/// Waits until `fd` is ready for `events` or the wake pipe fires or `deadline` passes.
/// Returns false (errno ETIMEDOUT or ECANCELED) when it did not become ready.
bool wait_for(int fd, short events, int wake, clock::time_point deadline) {
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return false;
        }
        pollfd p[2] = {{fd, events, 0}, {wake, POLLIN, 0}};
        int n = ::poll(p, 2, static_cast<int>(left));
        if (n < 0 && errno == EINTR) continue;
        if (p[1].revents != 0) {
            errno = ECANCELED;
            return false;
        }
        if (n > 0) return true;
    }
}

/// A non-blocking TCP connection to host:port within the deadline, or -1 with errno set.
int connect_to(const std::string& host, int port, int wake, clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
        errno = rc == EAI_SYSTEM ? errno : EHOSTUNREACH;
        return -2;  // the name: the caller says so
    }
    int fd = -1, err = ECONNREFUSED;
    for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
        fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) continue;
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        socklen_t len = sizeof err;
        if (errno == EINPROGRESS && wait_for(fd, POLLOUT, wake, deadline) &&
            ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
            break;
        if (errno == ETIMEDOUT || errno == ECANCELED) err = errno;
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(found);
    if (fd >= 0) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    errno = err;
    return fd;
}

bool send_all(int fd, const std::string& data, int wake, clock::time_point deadline) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(fd, POLLOUT, wake, deadline)) return false;
        } else {
            return false;
        }
    }
    return true;
}

/// Exactly `size` bytes, or false (the peer closed, an error, the deadline).
bool recv_exact(int fd, std::size_t size, std::string& out, int wake, clock::time_point deadline) {
    out.clear();
    char buf[512];
    while (out.size() < size) {
        ssize_t n = ::recv(fd, buf, std::min(sizeof buf, size - out.size()), 0);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(fd, POLLIN, wake, deadline)) return false;
        } else {
            if (n == 0) errno = ECONNRESET;
            return false;
        }
    }
    return true;
}

std::string socks_reply_text(int code) {
    static const char* const texts[] = {"succeeded",
                                        "general SOCKS server failure",
                                        "connection not allowed by ruleset",
                                        "network unreachable",
                                        "host unreachable",
                                        "connection refused",
                                        "TTL expired",
                                        "command not supported",
                                        "address type not supported"};
    return code >= 0 && code < 9 ? texts[code] : fmt::format("reply code {}", code);
}

/// The SOCKS5 exchange (RFC 1928, with RFC 1929 user name and password) on a connected `fd` that
/// makes the proxy connect it to host:port. Returns "" or what went wrong.
std::string socks5_connect(int fd, const proxy_url& proxy, const std::string& host, int port, int wake,
                           clock::time_point deadline) {
    const std::string where = fmt::format("the SOCKS5 proxy {}:{}", proxy.host, proxy.port);
    const bool auth = proxy.username.has_value();
    std::string reply;
    if (!send_all(fd, auth ? std::string("\x05\x01\x02", 3) : std::string("\x05\x01\x00", 3), wake, deadline) ||
        !recv_exact(fd, 2, reply, wake, deadline))
        return fmt::format("{} did not answer: {}", where, std::strerror(errno));
    if (reply[0] != 5) return fmt::format("{} does not speak SOCKS5", where);
    if (static_cast<unsigned char>(reply[1]) != (auth ? 2 : 0))
        return auth ? fmt::format("{} does not take a user name and password", where)
                    : fmt::format("{} requires a user name and password (socks5h://user:password@...)", where);
    if (auth) {
        const std::string& user = *proxy.username;
        const std::string pass = proxy.password.value_or("");
        if (user.size() > 255 || pass.size() > 255) return "--proxy: user name or password longer than 255 bytes";
        std::string msg = "\x01";
        msg += static_cast<char>(user.size());
        msg += user;
        msg += static_cast<char>(pass.size());
        msg += pass;
        if (!send_all(fd, msg, wake, deadline) || !recv_exact(fd, 2, reply, wake, deadline))
            return fmt::format("{} closed the connection at authentication", where);
        if (reply[1] != 0) return fmt::format("{} refused the user name and password", where);
    }
    std::string request("\x05\x01\x00", 3);
    in_addr a4{};
    in6_addr a6{};
    if (::inet_pton(AF_INET, host.c_str(), &a4) == 1) {
        request += '\x01';
        request.append(reinterpret_cast<const char*>(&a4), 4);
    } else if (::inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
        request += '\x04';
        request.append(reinterpret_cast<const char*>(&a6), 16);
    } else {  // socks5h: the proxy resolves the name
        if (host.size() > 255) return "the broker's host name is longer than SOCKS5 allows (255 bytes)";
        request += '\x03';
        request += static_cast<char>(host.size());
        request += host;
    }
    request += static_cast<char>(port >> 8);
    request += static_cast<char>(port & 0xff);
    if (!send_all(fd, request, wake, deadline) || !recv_exact(fd, 4, reply, wake, deadline))
        return fmt::format("{} closed the connection", where);
    if (reply[1] != 0)
        return fmt::format("{} could not connect to {}:{}: {}", where, host, port,
                           socks_reply_text(static_cast<unsigned char>(reply[1])));
    std::size_t rest = reply[3] == 1 ? 4 + 2 : reply[3] == 4 ? 16 + 2 : 0;
    if (reply[3] == 3) {
        if (!recv_exact(fd, 1, reply, wake, deadline)) return fmt::format("{} closed the connection", where);
        rest = static_cast<unsigned char>(reply[0]) + 2u;
    }
    if (rest == 0 || !recv_exact(fd, rest, reply, wake, deadline))
        return fmt::format("{} sent a reply mqkit cannot read", where);
    return {};
}

/// True if the peer of `accepted` (a connection to our listener) is a socket of this process:
/// a socket of ours whose own address is that peer and whose peer is our listener.
bool from_this_process(int accepted) {
    sockaddr_in peer{}, local{};
    socklen_t len = sizeof peer;
    if (::getpeername(accepted, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return false;
    len = sizeof local;
    if (::getsockname(accepted, reinterpret_cast<sockaddr*>(&local), &len) != 0) return false;
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return false;
    bool found = false;
    while (dirent* e = ::readdir(dir)) {
        char* end = nullptr;
        const long fd = std::strtol(e->d_name, &end, 10);
        if (*end != '\0' || end == e->d_name || fd == accepted) continue;
        sockaddr_in a{}, b{};
        socklen_t la = sizeof a, lb = sizeof b;
        if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&a), &la) != 0 || a.sin_family != AF_INET)
            continue;
        if (a.sin_port != peer.sin_port || a.sin_addr.s_addr != peer.sin_addr.s_addr) continue;
        if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&b), &lb) == 0 &&
            b.sin_port == local.sin_port && b.sin_addr.s_addr == local.sin_addr.s_addr) {
            found = true;
            break;
        }
    }
    ::closedir(dir);
    return found;
}

/// The first OpenSSL error on this thread's queue, in words ("" if none), clearing the queue.
std::string openssl_error() {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return {};
    const char* reason = ERR_reason_error_string(code);
    return reason ? reason : fmt::format("OpenSSL error {:x}", code);
}

}  // namespace

// ---- TLS: one SSL_CTX for every link ------------------------------------------------------------

struct tunnel::tls_context {
    SSL_CTX* ctx = nullptr;
    std::FILE* keylog = nullptr;
    std::string psk_identity;
    std::string psk;  // the key's bytes
    ~tls_context() {
        if (ctx) SSL_CTX_free(ctx);
        if (keylog) std::fclose(keylog);
    }

    static int index() {
        static const int i = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
        return i;
    }
    static tls_context* of(const SSL* ssl) {
        return static_cast<tls_context*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), index()));
    }
    static void on_keylog(const SSL* ssl, const char* line) {
        tls_context* self = of(ssl);
        if (!self || !self->keylog) return;
        std::fprintf(self->keylog, "%s\n", line);  // appended, one line per secret (NSS key log format)
        std::fflush(self->keylog);
    }
    static unsigned on_psk(SSL* ssl, const char*, char* identity, unsigned max_identity, unsigned char* psk,
                           unsigned max_psk) {
        tls_context* self = of(ssl);
        if (!self || self->psk_identity.size() + 1 > max_identity || self->psk.size() > max_psk) return 0;
        std::memcpy(identity, self->psk_identity.c_str(), self->psk_identity.size() + 1);
        std::memcpy(psk, self->psk.data(), self->psk.size());
        return static_cast<unsigned>(self->psk.size());
    }
    static int on_password(char* buf, int size, int, void* user) {
        const auto* password = static_cast<const std::string*>(user);
        const int n = static_cast<int>(std::min<std::size_t>(password->size(), static_cast<std::size_t>(size)));
        std::memcpy(buf, password->data(), static_cast<std::size_t>(n));
        return n;
    }

    /// TLS as mosquitto's clients set it up: certificates, or a pre-shared key (TLS 1.2, PSK
    /// ciphers, as mosquitto since 2.0.12).
    void build(const tls_config& t, const std::string& key_password) {
        ctx = SSL_CTX_new(TLS_client_method());
        if (!ctx) throw error(exit_code::failure, "TLS: OpenSSL cannot set up: " + openssl_error());
        SSL_CTX_set_ex_data(ctx, index(), this);
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        if (!t.keylog_file.empty()) {
            // The secrets decrypt the session: the file is the user's alone.
            int fd = ::open(t.keylog_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
            keylog = fd >= 0 ? ::fdopen(fd, "a") : nullptr;
            if (!keylog)
                throw error(exit_code::failure, fmt::format("--tls-keylog: cannot append to '{}': {}", t.keylog_file,
                                                            std::strerror(errno)));
            SSL_CTX_set_keylog_callback(ctx, on_keylog);
        }
        if (!t.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, t.ciphers.c_str()) != 1)
            throw error(exit_code::failure, fmt::format("--ciphers: OpenSSL knows no cipher in '{}'", t.ciphers));
        if (!t.alpn.empty() && t.alpn.size() < 256) {
            std::string protos = std::string(1, static_cast<char>(t.alpn.size())) + t.alpn;
            SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(protos.data()),
                                    static_cast<unsigned>(protos.size()));
        }
        if (!t.psk.empty()) {
            psk_identity = t.psk_identity;
            for (std::size_t i = 0; i + 1 < t.psk.size(); i += 2)
                psk.push_back(static_cast<char>(std::stoi(t.psk.substr(i, 2), nullptr, 16)));
            SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
            if (t.ciphers.empty()) SSL_CTX_set_cipher_list(ctx, "PSK");
            SSL_CTX_set_psk_client_callback(ctx, on_psk);
            return;
        }
        SSL_CTX_set_verify(ctx, t.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
        load_trust(t);
        load_client_certificate(t, key_password);
    }

    void load_trust(const tls_config& t) {
        const char* file = t.cafile.empty() ? nullptr : t.cafile.c_str();
        const char* dir = t.capath.empty() ? nullptr : t.capath.c_str();
        if ((file || dir) && SSL_CTX_load_verify_locations(ctx, file, dir) != 1)
            throw error(exit_code::failure, "cannot load the CA certificates (--cafile/--capath): " + openssl_error());
        if (t.use_os_certs) SSL_CTX_set_default_verify_paths(ctx);
    }

    void load_client_certificate(const tls_config& t, const std::string& key_password) {
        if (t.certfile.empty()) return;
        if (SSL_CTX_use_certificate_chain_file(ctx, t.certfile.c_str()) != 1)
            throw error(exit_code::failure, fmt::format("--cert: cannot load '{}' as a PEM certificate", t.certfile));
        SSL_CTX_set_default_passwd_cb(ctx, on_password);
        SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&key_password));
        const bool loaded = SSL_CTX_use_PrivateKey_file(ctx, t.keyfile.c_str(), SSL_FILETYPE_PEM) == 1 &&
                            SSL_CTX_check_private_key(ctx) == 1;
        SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
        ERR_clear_error();
        if (!loaded)
            throw error(exit_code::failure,
                        fmt::format("--key: cannot load '{}': wrong passphrase, or the key does not belong to "
                                    "--cert '{}'",
                                    t.keyfile, t.certfile));
    }
};

// ---- one link to the broker ---------------------------------------------------------------------

/// The broker's side of a relayed connection: a socket, with TLS on it when the tunnel does TLS.
class tunnel::upstream {
public:
    explicit upstream(int fd) : fd_(fd) {}
    ~upstream() {
        if (ssl_) {
            SSL_shutdown(ssl_);  // close_notify, if the socket takes it now
            SSL_free(ssl_);
        }
        ::close(fd_);
    }
    upstream(const upstream&) = delete;
    upstream& operator=(const upstream&) = delete;

    int fd() const { return fd_; }
    bool wants_write() const { return want_write_; }
    bool pending() const { return ssl_ && SSL_pending(ssl_) > 0; }

    /// The TLS handshake, the host name checked inside it (unless --insecure), within `deadline`.
    /// Returns "" or the error's message; sets `status`.
    std::string handshake(SSL_CTX* ctx, const connection_config& c, int wake, clock::time_point deadline, int& status);

    /// >0 bytes, 0 once the broker's side is closed, -1 when nothing can be done now.
    ssize_t read(char* buf, std::size_t size) {
        want_write_ = false;
        if (!ssl_) {
            ssize_t n = ::recv(fd_, buf, size, 0);
            return n < 0 && (errno == EAGAIN || errno == EINTR) ? -1 : std::max<ssize_t>(n, 0);
        }
        int n = SSL_read(ssl_, buf, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
        return n > 0 ? n : ssl_retry(n);
    }
    ssize_t write(const char* data, std::size_t size) {
        want_write_ = false;
        if (!ssl_) {
            ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
            return n < 0 && (errno == EAGAIN || errno == EINTR) ? -1 : std::max<ssize_t>(n, 0);
        }
        int n = SSL_write(ssl_, data, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
        return n > 0 ? n : ssl_retry(n);
    }

private:
    ssize_t ssl_retry(int rc) {
        switch (SSL_get_error(ssl_, rc)) {
            case SSL_ERROR_WANT_READ:
                return -1;
            case SSL_ERROR_WANT_WRITE:
                want_write_ = true;
                return -1;
            default:
                ERR_clear_error();
                return 0;  // closed, or broken: the same for the relay
        }
    }

    int fd_;
    SSL* ssl_ = nullptr;
    bool want_write_ = false;
};

std::string tunnel::upstream::handshake(SSL_CTX* ctx, const connection_config& c, int wake, clock::time_point deadline,
                                        int& status) {
    const std::string where = fmt::format("{}:{}", c.host, c.port);
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    if (!is_ip(c.host)) SSL_set_tlsext_host_name(ssl_, c.host.c_str());
    if (!c.tls.insecure && c.tls.psk.empty()) {
        // The name is checked by OpenSSL during the handshake, so a mismatch ends it with a
        // bad_certificate alert, as with mosquitto 2.1.
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
        if (is_ip(c.host))
            X509_VERIFY_PARAM_set1_ip_asc(param, c.host.c_str());
        else
            X509_VERIFY_PARAM_set1_host(param, c.host.c_str(), 0);
    }
    status = static_cast<int>(exit_code::tls);
    while (true) {
        ERR_clear_error();
        int rc = SSL_connect(ssl_);
        if (rc == 1) return {};
        int why = SSL_get_error(ssl_, rc);
        if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE) {
            if (wait_for(fd_, why == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, wake, deadline)) continue;
            return fmt::format("TLS: no answer to the TLS handshake from {} within {} s", where, setup_time.count());
        }
        break;
    }
    const long verify = SSL_get_verify_result(ssl_);
    const std::string reason = openssl_error();
    if (verify == X509_V_ERR_CERT_HAS_EXPIRED)
        return fmt::format("TLS: the broker's certificate at {} has expired", where);
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
        return fmt::format("TLS: the broker's certificate does not match the host name '{}'", c.host);
    if (verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || verify == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
        verify == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || verify == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE)
        return fmt::format("TLS: the broker's certificate at {} is not signed by a trusted CA", where);
    if (verify != X509_V_OK)
        return fmt::format("TLS: the broker's certificate at {} was rejected: {}", where,
                           X509_verify_cert_error_string(verify));
    if (!c.tls.psk.empty())
        return fmt::format("TLS-PSK: the handshake with {} failed ({}): check --psk and --psk-identity", where,
                           reason.empty() ? "the connection was closed" : reason);
    return fmt::format("TLS: the handshake with {} failed: {}", where,
                       reason.empty() ? "the broker closed the connection (is it a TLS port?)" : reason);
}

// ---- the tunnel ---------------------------------------------------------------------------------

bool tunnel::needed(const connection_config& c) {
    const bool socks = c.proxy.rfind("socks5h://", 0) == 0;
    return socks || (c.tls.enabled && (!c.tls.psk.empty() || !c.tls.keylog_file.empty()));
}

tunnel::tunnel(const connection_config& c) : config_(c) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 4) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0 ||
        ::pipe2(wake_, O_CLOEXEC) != 0) {
        const int err = errno;
        if (listen_fd_ >= 0) ::close(listen_fd_);
        throw error(exit_code::failure,
                    fmt::format("cannot set up the connection's relay on 127.0.0.1: {}", std::strerror(err)));
    }
    port_ = ntohs(a.sin_port);
}

tunnel::~tunnel() {
    stopping_ = true;
    if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
    if (thread_.joinable()) thread_.join();
    for (int fd : {listen_fd_, wake_[0], wake_[1]})
        if (fd >= 0) ::close(fd);
}

void tunnel::start(const std::string& key_password) {
    if (thread_.joinable()) return;
    if (config_.tls.enabled) {
        tls_ = std::make_unique<tls_context>();
        tls_->build(config_.tls, key_password);
    }
    thread_ = std::thread([this] { run(); });
}

std::optional<error> tunnel::failure() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return failure_;
}

void tunnel::fail(error e) {
    std::lock_guard<std::mutex> lock(mutex_);
    failure_ = std::move(e);
}

void tunnel::run() {
    while (!stopping_) {
        pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        if (::poll(p, 2, -1) < 0 && errno != EINTR) return;
        if (stopping_ || p[1].revents != 0) return;
        if ((p[0].revents & POLLIN) == 0) continue;
        int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) continue;
        // Anyone on this machine can connect to a loopback port: only Paho, in this process, is served.
        if (from_this_process(client)) serve(client);
        ::close(client);
    }
}

void tunnel::serve(int client) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        linked_ = true;
    }
    if (std::unique_ptr<upstream> up = open_upstream()) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            failure_.reset();
        }
        relay(client, *up);
    }  // the broker's side is closed here
    {
        std::lock_guard<std::mutex> lock(mutex_);
        linked_ = false;
    }
    idle_.notify_all();
}

void tunnel::wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait_for(lock, timeout, [this] { return !linked_; });
}

std::unique_ptr<tunnel::upstream> tunnel::open_upstream() {
    const auto deadline = clock::now() + setup_time;
    const bool socks = config_.proxy.rfind("socks5h://", 0) == 0;
    std::optional<proxy_url> proxy;
    if (socks) proxy = parse_proxy_url(config_.proxy);
    const std::string host = proxy ? proxy->host : config_.host;
    const int port = proxy ? proxy->port : config_.port;
    const std::string what = proxy ? std::string("the SOCKS5 proxy") : std::string("the broker");
    int fd = connect_to(host, port, wake_[0], deadline);
    if (fd == -2) {
        fail(error(exit_code::failure, fmt::format("cannot connect to {} {}: unknown host", what, host)));
        return nullptr;
    }
    if (fd < 0) {
        fail(error(exit_code::failure,
                   fmt::format("cannot connect to {} {}:{}: {}", what, host, port, std::strerror(errno))));
        return nullptr;
    }
    auto up = std::make_unique<upstream>(fd);
    if (proxy) {
        std::string why = socks5_connect(fd, *proxy, config_.host, config_.port, wake_[0], deadline);
        if (!why.empty()) {
            fail(error(exit_code::failure, why));
            return nullptr;
        }
    }
    if (tls_) {
        int status = 0;
        std::string why = up->handshake(tls_->ctx, config_, wake_[0], deadline, status);
        if (!why.empty()) {
            fail(error(status, why));
            return nullptr;
        }
    }
    return up;
}

void tunnel::relay(int client, upstream& up) {
    constexpr std::size_t room = 256 * 1024;
    std::string to_broker, to_client;
    std::vector<char> buf(64 * 1024);
    bool client_open = true, broker_open = true;
    while (!stopping_) {
        short client_events = static_cast<short>((client_open && to_broker.size() < room ? POLLIN : 0) |
                                                 (!to_client.empty() ? POLLOUT : 0));
        short broker_events = static_cast<short>((broker_open && to_client.size() < room ? POLLIN : 0) |
                                                 (!to_broker.empty() || up.wants_write() ? POLLOUT : 0));
        pollfd p[3] = {{client, client_events, 0}, {up.fd(), broker_events, 0}, {wake_[0], POLLIN, 0}};
        if (::poll(p, 3, up.pending() ? 0 : -1) < 0 && errno != EINTR) return;
        if (p[2].revents != 0) return;
        if (client_open && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = ::recv(client, buf.data(), buf.size(), 0);
            if (n > 0)
                to_broker.append(buf.data(), static_cast<std::size_t>(n));
            else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                client_open = false;
        }
        while (!to_broker.empty()) {
            ssize_t n = up.write(to_broker.data(), to_broker.size());
            if (n <= 0) {
                if (n == 0) return;  // the broker's side is gone
                break;
            }
            to_broker.erase(0, static_cast<std::size_t>(n));
        }
        while (broker_open && to_client.size() < room && (p[1].revents != 0 || up.pending())) {
            ssize_t n = up.read(buf.data(), buf.size());
            if (n < 0) break;
            if (n == 0) broker_open = false;
            to_client.append(buf.data(), static_cast<std::size_t>(n));
            if (n == 0) break;
        }
        if (!to_client.empty()) {
            ssize_t n = ::send(client, to_client.data(), to_client.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0)
                to_client.erase(0, static_cast<std::size_t>(n));
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                return;  // Paho's side is gone
        }
        if (!client_open && to_broker.empty()) return;
        if (!broker_open && to_client.empty()) return;
    }
}

}  // namespace mqkit::detail

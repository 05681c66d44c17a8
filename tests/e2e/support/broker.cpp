// Real-mosquitto broker fixture for end-to-end tests, plus a Catch2 listener that prints broker logs of failed tests.
#include "support/broker.hpp"

#include "support/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// The listener base classes are only declared with external interfaces enabled.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "catch_compat.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mqkit::test {

/// What the failure listener knows about a broker; outlives the broker so its log can be printed afterwards.
struct broker_record {
    std::string dir;
    int port = 0;
    bool alive = true;
    std::string final_log;  // set when the broker is destroyed (its dir is gone by then)
};

namespace {

using clock_type = std::chrono::steady_clock;

constexpr const char* log_name = "mosquitto.log";
constexpr const char* output_name = "mosquitto.out";  // mosquitto's own stdout/stderr (errors before logging starts)
constexpr int max_port_attempts = 8;
constexpr auto ready_timeout = std::chrono::seconds(10);
constexpr auto restart_timeout = std::chrono::seconds(10);
constexpr auto stop_timeout = std::chrono::seconds(5);

std::mutex& registry_mutex() {
    static std::mutex mutex;
    return mutex;
}

std::vector<std::shared_ptr<broker_record>>& registry() {
    static std::vector<std::shared_ptr<broker_record>> records;
    return records;
}

std::string errno_text(int error) {
    return std::strerror(error);
}

std::string read_file(const std::string& path, std::uintmax_t offset = 0) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return {};
    }
    in.seekg(static_cast<std::streamoff>(offset));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::uintmax_t file_size_or_zero(const std::string& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    return ec ? 0 : size;
}

void write_file(const std::string& path, const std::string& contents) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
    if (!out.flush()) {
        throw std::runtime_error("cannot write " + path);
    }
}

std::string make_temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/mqkit-e2e-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp(" + pattern + ") failed: " + errno_text(errno));
    }
    return pattern;
}

// mosquitto_passwd next to mosquitto_pub if it is there, else from PATH.
std::string mosquitto_passwd_executable() {
    const std::filesystem::path beside =
        std::filesystem::path(MOSQUITTO_PUB_EXECUTABLE).parent_path() / "mosquitto_passwd";
    if (::access(beside.c_str(), X_OK) == 0) {
        return beside.string();
    }
    return "mosquitto_passwd";
}

// True if something accepts TCP connections on 127.0.0.1:port.
bool accepts_connections(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = 0;
    do {
        rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    } while (rc != 0 && errno == EINTR);
    ::close(fd);
    return rc == 0;
}

std::string status_text(int status) {
    if (WIFEXITED(status)) {
        return "exit code " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return "signal " + std::to_string(WTERMSIG(status));
    }
    return "status " + std::to_string(status);
}

std::string log_of(const broker_record& record) {
    std::string text = read_file(record.dir + "/" + log_name);
    const std::string output = read_file(record.dir + "/" + output_name);
    if (!output.empty()) {
        text += "--- mosquitto stdout/stderr ---\n" + output;
    }
    return text;
}

// Sleeps for the current backoff step and doubles it up to limit.
void backoff(std::chrono::milliseconds& step, std::chrono::milliseconds limit) {
    std::this_thread::sleep_for(step);
    step = std::min(step * 2, limit);
}

// Prints the logs of all brokers of a failed test case to stderr.
// (Through Catch2 3's alias the base's injected name is EventListenerBase: name it by listener_base.)
using listener_base = Catch::TestEventListenerBase;
class broker_log_listener : public listener_base {
public:
    using listener_base::listener_base;

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        std::lock_guard<std::mutex> lock(registry_mutex());
        auto& records = registry();
        if (stats.totals.assertions.failed > 0) {
            constexpr std::size_t max_shown = 512 * 1024;
            for (const auto& record : records) {
                std::string text = record->alive ? log_of(*record) : record->final_log;
                if (text.size() > max_shown) {
                    text = "[... " + std::to_string(text.size() - max_shown) + " bytes omitted ...]\n" +
                           text.substr(text.size() - max_shown);
                }
                std::cerr << "==== mosquitto log, broker on port " << record->port << " (" << record->dir
                          << "), test case \"" << mqkit_catch::test_name(stats) << "\" failed ====\n"
                          << text << (text.empty() || text.back() == '\n' ? "" : "\n") << "==== end of log ====\n";
            }
            std::cerr.flush();
        }
        records.erase(std::remove_if(records.begin(), records.end(), [](const auto& r) { return !r->alive; }),
                      records.end());
        listener_base::testCaseEnded(stats);
    }
};

}  // namespace

CATCH_REGISTER_LISTENER(broker_log_listener)

broker::broker(broker_options opts) : opts_(std::move(opts)), dir_(make_temp_dir()) {
    record_ = std::make_shared<broker_record>();
    record_->dir = dir_;
    {
        std::lock_guard<std::mutex> lock(registry_mutex());
        registry().push_back(record_);
    }
    try {
        write_password_file();
        if (!opts_.acl.empty()) {
            write_file(dir_ + "/acl", opts_.acl);
        }
        if (opts_.tls) {
            make_certificates();
        }
        for (int attempt = 0; attempt < max_port_attempts; ++attempt) {
            port_ = 0;
            reserve_port();
            pick_extra_ports();
            record_->port = port_;
            const bool started = try_start();
            release_port();
            if (started) {
                return;
            }
        }
        throw std::runtime_error("mosquitto could not bind a free port in " + std::to_string(max_port_attempts) +
                                 " attempts; log:\n" + log());
    } catch (...) {
        release_port();
        std::string final_log = log();
        {
            std::lock_guard<std::mutex> lock(registry_mutex());
            record_->final_log = std::move(final_log);
            record_->alive = false;
        }
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
        throw;
    }
}

broker::~broker() {
    try {
        stop();
    } catch (...) {
    }
    release_port();
    std::string final_log;
    try {
        final_log = log();
    } catch (...) {
    }
    {
        std::lock_guard<std::mutex> lock(registry_mutex());
        record_->final_log = std::move(final_log);
        record_->alive = false;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

int broker::port() const {
    return port_;
}

std::string broker::host() const {
    return "127.0.0.1";
}

std::string broker::url() const {
    return "mqtt://" + host() + ":" + std::to_string(port_);
}

pid_t broker::pid() const {
    return pid_;
}

const std::string& broker::dir() const {
    return dir_;
}

std::string broker::config_path() const {
    return dir_ + "/mosquitto.conf";
}

std::string broker::log() const {
    return log_of(*record_);
}

bool broker::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout) const {
    const auto deadline = clock_type::now() + timeout;
    auto step = std::chrono::milliseconds(1);
    for (;;) {
        if (log().find(needle) != std::string::npos) {
            return true;
        }
        if (clock_type::now() >= deadline) {
            return false;
        }
        backoff(step, std::chrono::milliseconds(20));
    }
}

bool broker::running() const {
    return pid_ > 0;
}

int broker::free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::runtime_error("socket failed: " + errno_text(errno));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const int error = errno;
        ::close(fd);
        throw std::runtime_error("cannot find a free port: " + errno_text(error));
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

int broker::tls_port() const {
    return tls_port_;
}

int broker::mtls_port() const {
    return mtls_port_;
}

int broker::wrong_host_port() const {
    return wrong_host_port_;
}

int broker::expired_port() const {
    return expired_port_;
}

int broker::ws_port() const {
    return ws_port_;
}

int broker::wss_port() const {
    return wss_port_;
}

std::string broker::ca_file() const {
    return opts_.tls ? dir_ + "/ca.crt" : std::string{};
}

std::string broker::other_ca_file() const {
    return opts_.tls ? dir_ + "/other-ca.crt" : std::string{};
}

std::string broker::client_cert() const {
    return opts_.tls ? dir_ + "/client.crt" : std::string{};
}

std::string broker::client_key() const {
    return opts_.tls ? dir_ + "/client.key" : std::string{};
}

std::string broker::client_key_encrypted() const {
    return opts_.tls ? dir_ + "/client-encrypted.key" : std::string{};
}

std::string broker::key_passphrase() {
    return "mqkit-test-passphrase";
}

void broker::pick_extra_ports() {
    auto pick = [](bool wanted) { return wanted ? free_port() : 0; };
    tls_port_ = pick(opts_.tls);
    mtls_port_ = pick(opts_.tls);
    wrong_host_port_ = pick(opts_.tls);
    expired_port_ = pick(opts_.tls);
    ws_port_ = pick(opts_.websockets);
    wss_port_ = pick(opts_.websockets && opts_.tls);
}

void broker::make_certificates() const {
    const std::string d = dir_ + "/";
    auto openssl = [&](std::vector<std::string> args) {
        const run_result result = run_tool("openssl", args, {}, std::chrono::seconds(30));
        if (result.exit_code != 0) {
            throw std::runtime_error("openssl " + args.front() + " failed: " + describe(result));
        }
    };
    const std::vector<std::string> new_key = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
    auto self_signed = [&](const std::string& name, const std::string& subject) {
        std::vector<std::string> args = {"req", "-x509"};
        args.insert(args.end(), new_key.begin(), new_key.end());
        args.insert(args.end(),
                    {"-keyout", d + name + ".key", "-out", d + name + ".crt", "-days", "2", "-subj", subject});
        openssl(args);
    };
    int serial = 0;
    // Signs a request with the test CA; days < 0 gives a certificate that expired before it began.
    // OpenSSL 3.5 refuses -days -1 ("end date before start date") but has -not_before/-not_after
    // (since 3.4), which OpenSSL 3.0 lacks: an expired one gets dates in 2020 where they exist.
    static const bool dated = [] {
        const run_result help = run_tool("openssl", {"x509", "-help"});
        return (help.out + help.err).find("-not_after") != std::string::npos;
    }();
    auto sign = [&](const std::string& csr, const std::string& out, const std::string& days, const std::string& ext) {
        std::vector<std::string> args = {"x509",       "-req",   "-in",        d + csr,       "-CA",
                                         d + "ca.crt", "-CAkey", d + "ca.key", "-set_serial", std::to_string(++serial),
                                         "-out",       d + out,  "-days",      days};
        if (days == "-1" && dated) {
            args.erase(args.end() - 2, args.end());
            args.insert(args.end(), {"-not_before", "20200101000000Z", "-not_after", "20200102000000Z"});
        }
        if (!ext.empty()) {
            write_file(d + out + ".ext", ext);
            args.insert(args.end(), {"-extfile", d + out + ".ext"});
        }
        openssl(args);
    };
    auto request = [&](const std::string& key, const std::string& csr, const std::string& subject, bool new_one) {
        std::vector<std::string> args = {"req", "-new"};
        if (new_one) {
            args.insert(args.end(), new_key.begin(), new_key.end());
            args.insert(args.end(), {"-keyout", d + key});
        } else {
            args.insert(args.end(), {"-key", d + key});
        }
        args.insert(args.end(), {"-out", d + csr, "-subj", subject});
        openssl(args);
    };
    self_signed("ca", "/CN=mqkit test CA");
    self_signed("other-ca", "/CN=mqkit other test CA");
    const std::string server_names = "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
    request("server.key", "server.csr", "/CN=localhost", true);
    sign("server.csr", "server.crt", "2", server_names);
    sign("server.csr", "expired.crt", "-1", server_names);
    request("server.key", "wrong.csr", "/CN=wrong.example", false);
    sign("wrong.csr", "wrong.crt", "2", "subjectAltName=DNS:wrong.example\n");
    request("client.key", "client.csr", "/CN=mqkit-client", true);
    sign("client.csr", "client.crt", "2", "");
    openssl({"pkey", "-in", d + "client.key", "-aes256", "-passout", "pass:" + key_passphrase(), "-out",
             d + "client-encrypted.key"});
}

void broker::write_password_file() const {
    if (opts_.users.empty()) {
        return;
    }
    const std::string path = dir_ + "/passwd";
    write_file(path, "");
    const std::string exe = mosquitto_passwd_executable();
    for (const auto& [user, password] : opts_.users) {
        const run_result result = run_tool(exe, {"-b", path, user, password}, {}, std::chrono::seconds(20));
        if (result.exit_code != 0) {
            throw std::runtime_error("mosquitto_passwd failed for user '" + user + "': " + describe(result));
        }
    }
}

void broker::write_config() const {
    std::ostringstream conf;
    conf << "# Generated by the mqkit e2e broker fixture.\n";
    // As root mosquitto would switch to user "mosquitto", which cannot read our private temp dir.
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
        conf << "user " << pw->pw_name << "\n";
    }
    conf << "listener " << port_ << " 127.0.0.1\n"
         << "allow_anonymous " << (opts_.allow_anonymous ? "true" : "false") << "\n"
         << "log_dest file " << dir_ << "/" << log_name << "\n"
         << "log_type all\n"
         << "log_timestamp true\n"
         << "log_timestamp_format %Y-%m-%dT%H:%M:%S\n"
         << "connection_messages true\n";
    if (!opts_.users.empty()) {
        conf << "password_file " << dir_ << "/passwd\n";
    }
    if (!opts_.acl.empty()) {
        conf << "acl_file " << dir_ << "/acl\n";
    }
    if (opts_.persistence) {
        conf << "persistence true\n"
             << "persistence_location " << dir_ << "/\n";
    } else {
        conf << "persistence false\n";
    }
    // Listener settings after "listener" apply to that listener; everything above is global.
    auto tls_listener = [&](int port, const std::string& bind, const std::string& cert) {
        conf << "listener " << port << " " << bind << "\n"
             << "cafile " << dir_ << "/ca.crt\n"
             << "certfile " << dir_ << "/" << cert << "\n"
             << "keyfile " << dir_ << "/server.key\n";
    };
    if (opts_.tls) {
        tls_listener(tls_port_, "127.0.0.1", "server.crt");
        tls_listener(mtls_port_, "127.0.0.1", "server.crt");
        conf << "require_certificate true\n";
        tls_listener(wrong_host_port_, "127.0.0.1", "wrong.crt");
        tls_listener(expired_port_, "127.0.0.1", "expired.crt");
    }
    // libwebsockets takes an interface name, not an address: "lo" keeps it on loopback (it would
    // ignore "127.0.0.1" and listen on every interface).
    if (opts_.websockets) {
        conf << "listener " << ws_port_ << " lo\nprotocol websockets\n";
        if (opts_.tls) {
            tls_listener(wss_port_, "lo", "server.crt");
            conf << "protocol websockets\n";
        }
    }
    if (opts_.no_inflight_quota) {
        conf << "max_inflight_messages 0\n";
    }
    if (!opts_.extra_config.empty()) {
        conf << opts_.extra_config << (opts_.extra_config.back() == '\n' ? "" : "\n");
    }
    write_file(config_path(), conf.str());
}

bool broker::try_start() {
    write_config();
    const std::string log_path = dir_ + "/" + log_name;
    const std::string output_path = dir_ + "/" + output_name;
    const std::uintmax_t log_offset = file_size_or_zero(log_path);
    const std::uintmax_t output_offset = file_size_or_zero(output_path);

    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int output_fd = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (null_fd < 0 || output_fd < 0) {
        const int error = errno;
        if (null_fd >= 0) {
            ::close(null_fd);
        }
        if (output_fd >= 0) {
            ::close(output_fd);
        }
        throw std::runtime_error("cannot open mosquitto's stdin/stdout files: " + errno_text(error));
    }
    try {
        pid_ = spawn_process(MOSQUITTO_EXECUTABLE, {"-c", config_path()}, null_fd, output_fd, output_fd);
    } catch (...) {
        ::close(null_fd);
        ::close(output_fd);
        throw;
    }
    ::close(null_fd);
    ::close(output_fd);

    const auto deadline = clock_type::now() + ready_timeout;
    auto step = std::chrono::milliseconds(1);
    for (;;) {
        int status = 0;
        pid_t rc = 0;
        do {
            rc = ::waitpid(pid_, &status, WNOHANG);
        } while (rc < 0 && errno == EINTR);
        const std::string new_log = read_file(log_path, log_offset) + read_file(output_path, output_offset);
        if (rc == pid_) {
            pid_ = -1;
            if (new_log.find("Address already in use") != std::string::npos) {
                return false;
            }
            throw std::runtime_error("mosquitto exited during startup (" + status_text(status) + ") on port " +
                                     std::to_string(port_) + "; log:\n" + log());
        }
        // "mosquitto version X running" is logged only after all listeners are bound, so a successful connect
        // after it reaches our broker and not some other process that grabbed the port.
        if (new_log.find(" running\n") != std::string::npos && accepts_connections(port_)) {
            return true;
        }
        if (clock_type::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
            pid_ = -1;
            throw std::runtime_error("mosquitto did not accept connections on port " + std::to_string(port_) +
                                     " within 10 s; log:\n" + log());
        }
        backoff(step, std::chrono::milliseconds(20));
    }
}

void broker::start() {
    if (pid_ > 0) {
        return;
    }
    // The old listening socket may linger briefly, or another process may hold the port for a moment.
    reserve_port();  // normally still held since stop()
    const auto deadline = clock_type::now() + restart_timeout;
    auto step = std::chrono::milliseconds(20);
    while (!try_start()) {
        if (clock_type::now() >= deadline) {
            throw std::runtime_error("mosquitto could not rebind port " + std::to_string(port_) +
                                     " within 10 s; log:\n" + log());
        }
        backoff(step, std::chrono::milliseconds(200));
        reserve_port();
    }
    release_port();
}

void broker::stop() {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGTERM);
    const auto deadline = clock_type::now() + stop_timeout;
    auto step = std::chrono::milliseconds(1);
    int status = 0;
    for (;;) {
        pid_t rc = 0;
        do {
            rc = ::waitpid(pid_, &status, WNOHANG);
        } while (rc < 0 && errno == EINTR);
        if (rc != 0) {
            break;  // exited (or, rc < 0, no longer our child)
        }
        if (clock_type::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        backoff(step, std::chrono::milliseconds(20));
    }
    pid_ = -1;
    reserve_port();
}

void broker::reserve_port() {
    if (reserve_fd_ >= 0) {
        return;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        if (port_ == 0) {
            throw std::runtime_error("socket failed: " + errno_text(errno));
        }
        return;
    }
    const int on = 1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        const int error = errno;
        ::close(fd);
        if (port_ == 0) {
            throw std::runtime_error("cannot find a free port: " + errno_text(error));
        }
        return;  // someone else holds the port right now; start() retries
    }
    port_ = ntohs(addr.sin_port);
    reserve_fd_ = fd;
}

void broker::release_port() {
    if (reserve_fd_ >= 0) {
        ::close(reserve_fd_);
        reserve_fd_ = -1;
    }
}

}  // namespace mqkit::test

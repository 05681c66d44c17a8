// What every tool's run() shares: argv handling, error reporting, signals, version text.
#include "tool_common.hpp"

#include "mqkit/tool.hpp"

#include <MQTTAsync.h>
#include <fmt/format.h>
#include <mqtt/async_client.h>

#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace mqkit {

void exit_now(int status) {
    std::fflush(stdout);
    std::fflush(stderr);
    ::_exit(status);
}

namespace detail {

std::vector<std::string> args_of(int argc, char** argv) {
    std::vector<std::string> out;
    for (int i = 1; i < argc; ++i) out.emplace_back(argv[i]);
    return out;
}

process_identity current_identity() {
    process_identity who;
    who.pid = static_cast<long>(::getpid());
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) who.hostname = host;
    return who;
}

void scrub_secrets(int argc, char** argv) {
    auto blank = [](char* s) { std::memset(s, '*', std::strlen(s)); };
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--") break;
        if ((a == "-P" || a == "--pw" || a == "--legacy-api-key") && i + 1 < argc) {
            blank(argv[++i]);
        } else if (a.rfind("--pw=", 0) == 0) {
            blank(argv[i] + 5);
        } else if (a.rfind("--legacy-api-key=", 0) == 0) {
            blank(argv[i] + 17);
        } else if (a.size() > 2 && a.rfind("-P", 0) == 0) {
            blank(argv[i] + 2);
        } else if ((a == "-L" || a == "--url" || a == "--proxy") && i + 1 < argc) {
            // mqtt://user:password@host -> mqtt://user:********@host
            char* url = argv[++i];
            char* scheme = std::strstr(url, "://");
            char* at = scheme ? std::strchr(scheme + 3, '@') : nullptr;
            char* slash = scheme ? std::strchr(scheme + 3, '/') : nullptr;
            if (at && (!slash || at < slash)) {
                char* colon =
                    static_cast<char*>(std::memchr(scheme + 3, ':', static_cast<std::size_t>(at - scheme - 3)));
                if (colon) std::memset(colon + 1, '*', static_cast<std::size_t>(at - colon - 1));
            }
        }
    }
}

bool has_quiet(const std::vector<std::string>& args) {
    return has_flag(args, "--quiet");
}

bool has_flag(const std::vector<std::string>& args, std::string_view flag) {
    for (const auto& a : args) {
        if (a == "--") break;
        if (a == flag) return true;
    }
    return false;
}

std::vector<std::string> read_config_file(const tool_spec& spec, env_lookup env, std::vector<std::string>& warnings) {
    const std::string path = config_file_path(spec.name, env);
    if (path.empty()) return {};
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return {};
        throw error(exit_code::failure, fmt::format("cannot read config file {}: {}", path, std::strerror(errno)),
                    "fix it, or give --no-config");
    }
    struct stat st {};
    std::string text;
    bool ok = ::fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode);
    char buf[4096];
    for (ssize_t n = 0; ok && (n = ::read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0) {
            if (errno == EINTR) continue;
            ok = false;
            break;
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
    int err = errno;
    ::close(fd);
    if (!ok)
        throw error(exit_code::failure,
                    fmt::format("cannot read config file {}: {}", path,
                                S_ISDIR(st.st_mode) ? "it is a directory" : std::strerror(err)),
                    "fix it, or give --no-config");
    std::vector<std::string> args = config_file_args(spec, path, text);
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0 && args_hold_password(args))
        warnings.push_back(fmt::format("{} holds a password and can be read by other users; chmod 600 it", path));
    return args;
}

int report(std::string_view tool, const error& e, bool quiet) {
    std::fflush(stdout);
    if (!quiet) {
        std::string text = fmt::format("{}: error: {}\n", tool, e.what());
        if (!e.hint().empty()) text += fmt::format("{}: hint: {}\n", tool, e.hint());
        std::fputs(text.c_str(), stderr);
    }
    return e.status();
}

void warn(std::string_view tool, std::string_view message, bool quiet) {
    if (!quiet) std::fputs(fmt::format("{}: warning: {}\n", tool, message).c_str(), stderr);
}

namespace {

/// The version of the Paho C++ library this process runs on, from the file name the loader found
/// (libpaho-mqttpp3.so.1 -> libpaho-mqttpp3.so.1.2.0); Paho C++ has no run-time version call, so the
/// version of the headers mqkit was built with stands in when the file name tells nothing.
std::string paho_cpp_version() {
    std::string found;
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            if (!info->dlpi_name || !std::strstr(info->dlpi_name, "libpaho-mqttpp3.so")) return 0;
            char real[PATH_MAX];
            if (::realpath(info->dlpi_name, real)) *static_cast<std::string*>(data) = real;
            return 1;
        },
        &found);
    if (auto at = found.rfind(".so."); at != std::string::npos && found.find('.', at + 4) != std::string::npos)
        return found.substr(at + 4);
#if defined(PAHO_MQTTPP_VERSIONS)
    const std::uint32_t v = mqtt::PAHO_MQTTPP_VERSION;
#else
    const std::uint32_t v = mqtt::VERSION;
#endif
    return fmt::format("{}.{}.{}", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff);
}

}  // namespace

std::string version_text(std::string_view tool) {
    std::string paho_c = "unknown";
    for (MQTTAsync_nameValue* nv = MQTTAsync_getVersionInfo(); nv && nv->name; ++nv)
        if (std::strcmp(nv->name, "Version") == 0) paho_c = nv->value;
    return fmt::format("{} {} (libmqkit {}, Eclipse Paho MQTT C++ {}, Paho MQTT C {})\n", tool, MQKIT_VERSION,
                       MQKIT_VERSION, paho_cpp_version(), paho_c);
}

namespace {
std::atomic<int> signal_received{0};
int signal_event_fd = -1;
std::mutex signal_mutex;
std::vector<std::function<void()>> signal_callbacks;
}  // namespace

void stop_signal::install() {
    static std::once_flag once;
    std::call_once(once, [] {
        std::signal(SIGPIPE, SIG_IGN);  // a closed stdout shows up as EPIPE, handled as a quiet exit
        signal_event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        std::thread([set] {
            int sig = 0;
            while (sigwait(&set, &sig) == 0) {
                signal_received.store(sig);
                std::uint64_t one = 1;
                (void)!::write(signal_event_fd, &one, sizeof one);
                std::vector<std::function<void()>> callbacks;
                {
                    std::lock_guard<std::mutex> lock(signal_mutex);
                    callbacks = signal_callbacks;
                }
                for (auto& cb : callbacks) cb();
            }
        }).detach();
    });
}

int stop_signal::received() {
    return signal_received.load();
}
exit_code stop_signal::status() {
    return received() == SIGTERM ? exit_code::terminated : exit_code::interrupted;
}
const char* stop_signal::word() {
    return received() == SIGTERM ? "terminated" : "interrupted";
}
int stop_signal::wake_fd() {
    return signal_event_fd;
}
void stop_signal::on_signal(std::function<void()> callback) {
    std::lock_guard<std::mutex> lock(signal_mutex);
    signal_callbacks.push_back(std::move(callback));
}

void completion::finish(int status) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (done_) return;
        done_ = true;
        status_ = status;
    }
    cv_.notify_all();
}

bool completion::wait(double seconds) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (seconds < 0) {
        cv_.wait(lock, [&] { return done_; });
        return true;
    }
    return cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return done_; });
}

bool completion::done() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_;
}

int completion::status() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return status_;
}

}  // namespace detail
}  // namespace mqkit

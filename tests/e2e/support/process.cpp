// Child-process helpers for end-to-end tests: posix_spawn with clean fds and own process group, poll()-pumped pipes.
#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <stdexcept>

extern char** environ;

namespace mqkit::test {

namespace {

using clock_type = std::chrono::steady_clock;

// Ignore SIGPIPE as soon as the test executable starts, before any test spawns a child.
[[maybe_unused]] const bool sigpipe_ignored_at_startup = [] {
    ignore_sigpipe();
    return true;
}();

// The tools read $XDG_CONFIG_HOME/<tool> (else ~/.config/<tool>); a developer's own config file
// must not change what the tests see. Tests that want a config file pass XDG_CONFIG_HOME themselves.
[[maybe_unused]] const bool config_dir_isolated_at_startup = [] {
    ::setenv("XDG_CONFIG_HOME", "/nonexistent/mqkit-e2e-config", 1);
    return true;
}();

std::string errno_text(int error) {
    return std::strerror(error);
}

// Moves fd to a number >= 3 (so it can never clash with the child's 0/1/2 during dup2) and keeps FD_CLOEXEC.
int above_std_fds(int fd) {
    if (fd >= 3) {
        return fd;
    }
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    const int error = errno;
    ::close(fd);
    if (moved < 0) {
        throw std::runtime_error("fcntl(F_DUPFD_CLOEXEC) failed: " + errno_text(error));
    }
    return moved;
}

// A close-on-exec pipe whose ends are closed on destruction unless released.
struct pipe_pair {
    int read_fd = -1;
    int write_fd = -1;

    pipe_pair() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe2 failed: " + errno_text(errno));
        }
        read_fd = fds[0];
        write_fd = fds[1];
        try {
            read_fd = above_std_fds(read_fd);
            write_fd = above_std_fds(write_fd);
        } catch (...) {
            close_both();
            throw;
        }
    }
    ~pipe_pair() { close_both(); }
    pipe_pair(const pipe_pair&) = delete;
    pipe_pair& operator=(const pipe_pair&) = delete;

    int release_read() { return std::exchange(read_fd, -1); }
    int release_write() { return std::exchange(write_fd, -1); }

    void close_both() {
        if (read_fd >= 0) {
            ::close(read_fd);
        }
        if (write_fd >= 0) {
            ::close(write_fd);
        }
        read_fd = write_fd = -1;
    }
};

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        throw std::runtime_error("fcntl(O_NONBLOCK) failed: " + errno_text(errno));
    }
}

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

// The test process's environment with the given variables added or replaced.
std::vector<std::string> merged_environment(const env_list& env) {
    std::vector<std::string> result;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string text = *entry;
        const std::string name = text.substr(0, text.find('='));
        const bool overridden = std::any_of(env.begin(), env.end(), [&](const auto& var) { return var.first == name; });
        if (!overridden) {
            result.push_back(text);
        }
    }
    for (const auto& [name, value] : env) {
        result.push_back(name + "=" + value);
    }
    return result;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> result;
    result.reserve(strings.size() + 1);
    for (auto& s : strings) {
        result.push_back(s.data());
    }
    result.push_back(nullptr);
    return result;
}

// The last 16 KiB of a child's output, with a note of how much was left out.
std::string clip(const std::string& text) {
    constexpr std::size_t max_shown = 16 * 1024;
    if (text.size() <= max_shown) {
        return text;
    }
    return "[... " + std::to_string(text.size() - max_shown) + " bytes omitted ...]" +
           text.substr(text.size() - max_shown);
}

}  // namespace

void ignore_sigpipe() {
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

std::string describe(const run_result& result) {
    return "exit_code=" + std::to_string(result.exit_code) + " signal=" + std::to_string(result.signal) +
           " timed_out=" + (result.timed_out ? "true" : "false") + "\n--- stdout ---\n" + clip(result.out) +
           "\n--- stderr ---\n" + clip(result.err);
}

pid_t spawn_process(const std::string& exe, const std::vector<std::string>& args, int stdin_fd, int stdout_fd,
                    int stderr_fd, const env_list& env) {
    ignore_sigpipe();

    std::vector<std::string> argv_strings;
    argv_strings.reserve(args.size() + 1);
    argv_strings.push_back(exe);
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<std::string> env_strings = merged_environment(env);
    std::vector<char*> argv = c_strings(argv_strings);
    std::vector<char*> envp = c_strings(env_strings);

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);

    posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Close everything else, including descriptors some library opened without O_CLOEXEC.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif

    // Own process group (so a timeout can kill the whole tree), default signal handling (the test process ignores
    // SIGPIPE, and ignored dispositions survive exec), nothing blocked.
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int sig = 1; sig < 32; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            sigaddset(&defaults, sig);
        }
    }
    sigset_t mask;
    sigemptyset(&mask);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setsigmask(&attr, &mask);

    pid_t pid = -1;
    const int rc = exe.find('/') != std::string::npos
                       ? ::posix_spawn(&pid, exe.c_str(), &actions, &attr, argv.data(), envp.data())
                       : ::posix_spawnp(&pid, exe.c_str(), &actions, &attr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        throw std::runtime_error("cannot start " + exe + ": " + errno_text(rc));
    }
    return pid;
}

std::string tool(const std::string& name) {
    return std::string(MQKIT_BIN_DIR) + "/" + name;
}

run_result run_tool(const std::string& exe, const std::vector<std::string>& args, const std::string& stdin_data,
                    std::chrono::milliseconds timeout, const env_list& env) {
    const auto deadline = clock_type::now() + timeout;
    background_process child(exe, args, env);
    if (!stdin_data.empty()) {
        int error = 0;
        // A child that exits without reading all of its input (EPIPE) is not an error here; a child that
        // stops reading runs into the deadline and is handled as a timeout by wait().
        child.write_until(stdin_data, deadline, error);
    }
    child.close_stdin();
    const auto remaining = std::max(clock_type::duration::zero(), deadline - clock_type::now());
    // Rounded up: truncated, the wait could end a fraction of a millisecond before `timeout`.
    return child.wait(std::chrono::ceil<std::chrono::milliseconds>(remaining));
}

background_process::background_process(const std::string& exe, const std::vector<std::string>& args,
                                       const env_list& env) {
    pipe_pair in;
    pipe_pair out;
    pipe_pair err;
    pipe_pair wake;
    pid_ = spawn_process(exe, args, in.read_fd, out.write_fd, err.write_fd, env);
    // From here on the child exists: nothing may throw without killing it first.
    stdin_fd_ = in.release_write();
    stdout_fd_ = out.release_read();
    stderr_fd_ = err.release_read();
    wake_read_fd_ = wake.release_read();
    wake_write_fd_ = wake.release_write();
    in.close_both();
    out.close_both();
    err.close_both();
    try {
        set_nonblocking(stdin_fd_);
        set_nonblocking(stdout_fd_);
        set_nonblocking(stderr_fd_);
        reader_ = std::thread(&background_process::reader_loop, this);
    } catch (...) {
        ::kill(-pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        close_fd(stdin_fd_);
        close_fd(stdout_fd_);
        close_fd(stderr_fd_);
        close_fd(wake_read_fd_);
        close_fd(wake_write_fd_);
        throw;
    }
}

background_process::~background_process() {
    if (!reaped_) {
        // The leader is not reaped yet, so -pid_ still names its group.
        ::kill(-pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        reaped_ = true;
    }
    stop_reader();
    close_fd(stdin_fd_);
}

void background_process::reader_loop() {
    char buffer[64 * 1024];
    const auto drain = [&](int fd, std::string& sink, bool& closed) {
        // Reads what is available now; marks the stream closed on EOF or a hard error.
        for (;;) {
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n > 0) {
                std::lock_guard<std::mutex> lock(mutex_);
                sink.append(buffer, static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                return;
            }
            std::lock_guard<std::mutex> lock(mutex_);
            closed = true;
            return;
        }
    };

    bool out_done = false;
    bool err_done = false;
    for (;;) {
        pollfd fds[3];
        nfds_t count = 0;
        fds[count++] = pollfd{wake_read_fd_, POLLIN, 0};
        const nfds_t out_index = out_done ? 0 : count;
        if (!out_done) {
            fds[count++] = pollfd{stdout_fd_, POLLIN, 0};
        }
        const nfds_t err_index = err_done ? 0 : count;
        if (!err_done) {
            fds[count++] = pollfd{stderr_fd_, POLLIN, 0};
        }
        if (out_done && err_done) {
            break;
        }
        if (::poll(fds, count, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (fds[0].revents != 0) {
            // Asked to stop: take whatever is still buffered in the pipes, then leave.
            if (!out_done) {
                drain(stdout_fd_, out_, out_done);
            }
            if (!err_done) {
                drain(stderr_fd_, err_, err_done);
            }
            break;
        }
        if (out_index != 0 && fds[out_index].revents != 0) {
            drain(stdout_fd_, out_, out_done);
        }
        if (err_index != 0 && fds[err_index].revents != 0) {
            drain(stderr_fd_, err_, err_done);
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            out_closed_ = out_done;
            err_closed_ = err_done;
        }
        changed_.notify_all();
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        out_closed_ = true;
        err_closed_ = true;
    }
    changed_.notify_all();
}

void background_process::stop_reader() {
    if (reader_.joinable()) {
        const char byte = 0;
        while (::write(wake_write_fd_, &byte, 1) < 0 && errno == EINTR) {
        }
        reader_.join();
    }
    close_fd(stdout_fd_);
    close_fd(stderr_fd_);
    close_fd(wake_read_fd_);
    close_fd(wake_write_fd_);
}

bool background_process::wait_for(std::chrono::milliseconds timeout, bool on_stderr,
                                  const std::function<bool(const std::string&)>& done) {
    std::unique_lock<std::mutex> lock(mutex_);
    const std::string& text = on_stderr ? err_ : out_;
    const bool& closed = on_stderr ? err_closed_ : out_closed_;
    changed_.wait_for(lock, timeout, [&] { return done(text) || closed; });
    return done(text);
}

bool background_process::wait_for_output(const std::string& needle, std::chrono::milliseconds timeout, bool on_stderr) {
    return wait_for(timeout, on_stderr,
                    [&](const std::string& text) { return text.find(needle) != std::string::npos; });
}

bool background_process::wait_for_lines(std::size_t n, std::chrono::milliseconds timeout) {
    return wait_for(timeout, false, [&](const std::string& text) {
        return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) >= n;
    });
}

bool background_process::write_until(const std::string& data, clock_type::time_point deadline, int& error) {
    std::size_t written = 0;
    while (written < data.size()) {
        if (stdin_fd_ < 0) {
            error = EBADF;
            return false;
        }
        const ssize_t n = ::write(stdin_fd_, data.data() + written, data.size() - written);
        if (n > 0) {
            written += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            error = errno;
            return false;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
        if (left.count() <= 0) {
            error = ETIMEDOUT;
            return false;
        }
        pollfd fd{stdin_fd_, POLLOUT, 0};
        if (::poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 1000))) < 0 && errno != EINTR) {
            error = errno;
            return false;
        }
    }
    return true;
}

void background_process::write_stdin(const std::string& data) {
    int error = 0;
    if (write_until(data, clock_type::now() + std::chrono::seconds(10), error)) {
        return;
    }
    std::string what = "writing to stdin of pid " + std::to_string(pid_) + " failed: " + errno_text(error);
    if (error == EPIPE) {
        // The child closed its stdin, usually because it is ending: the test needs to know why, and the
        // exception would otherwise leave its exit status and output to the destructor, which discards them.
        what += "; the child: " + describe(wait(std::chrono::seconds(10)));
    } else if (!reaped_) {
        // Still running (not reading, or the test closed stdin): its output so far; the test decides.
        what += "; the child is still running\n--- stdout so far ---\n" + clip(out()) + "\n--- stderr so far ---\n" +
                clip(err());
    }
    throw std::runtime_error(what);
}

void background_process::close_stdin() {
    close_fd(stdin_fd_);
}

void background_process::signal(int sig) {
    if (!reaped_) {
        ::kill(pid_, sig);
    }
}

bool background_process::wait_exited_until(clock_type::time_point deadline) {
    auto interval = std::chrono::milliseconds(1);
    for (;;) {
        // WNOWAIT leaves the child a zombie, so its pid and process group id cannot be reused yet.
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_) {
            return true;
        }
        const auto now = clock_type::now();
        if (now >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::min<clock_type::duration>(interval, deadline - now));
        interval = std::min(interval * 2, std::chrono::milliseconds(20));
    }
}

bool background_process::wait_streams_closed_until(clock_type::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_until(lock, deadline, [&] { return out_closed_ && err_closed_; });
}

run_result background_process::wait(std::chrono::milliseconds timeout) {
    if (reaped_) {
        return result_;
    }
    close_stdin();
    bool timed_out = false;
    if (!wait_exited_until(clock_type::now() + timeout)) {
        timed_out = true;
        ::kill(-pid_, SIGTERM);
        if (!wait_exited_until(clock_type::now() + std::chrono::seconds(2))) {
            ::kill(-pid_, SIGKILL);
            wait_exited_until(clock_type::time_point::max());
        }
    }
    // Let the reader collect the rest of the output; descendants may still hold the pipes open.
    if (!wait_streams_closed_until(clock_type::now() + std::chrono::seconds(1))) {
        ::kill(-pid_, SIGKILL);
        wait_streams_closed_until(clock_type::now() + std::chrono::seconds(1));
    }
    // Leftovers in the child's group must not outlive the test; the unreaped leader keeps the group id ours.
    ::kill(-pid_, SIGKILL);
    stop_reader();

    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;

    run_result result;
    result.timed_out = timed_out;
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        result.out = out_;
        result.err = err_;
    }
    result_ = result;
    return result;
}

std::string background_process::out() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return out_;
}

std::string background_process::err() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return err_;
}

pid_t background_process::pid() const {
    return pid_;
}

}  // namespace mqkit::test

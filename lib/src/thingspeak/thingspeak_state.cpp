// tspub's per-channel rate-limit state file: read, check and reserve under flock(2), so concurrent runs serialise.
#include "thingspeak/thingspeak.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

namespace mqkit::thingspeak {
namespace {

error state_error(const std::string& path, const std::string& what) {
    return tspub_error(tspub_exit::failure, fmt::format("state file '{}': {}: {}", path, what, std::strerror(errno)),
                       "set XDG_STATE_HOME to a writable directory, or --min-interval 0 to turn the rate limit off");
}

// mkdir -p for the parent directories of `path`, new ones private (0700).
void make_parents(const std::string& path) {
    for (auto slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
        std::string dir = path.substr(0, slash);
        if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
            throw state_error(path, fmt::format("cannot create '{}'", dir));
    }
}

/// Holds the file's exclusive lock for one scope.
class lock_guard {
public:
    lock_guard(int fd, const std::string& path) : fd_(fd) {
        while (::flock(fd_, LOCK_EX) != 0)
            if (errno != EINTR) throw state_error(path, "cannot lock");
    }
    ~lock_guard() { ::flock(fd_, LOCK_UN); }
    lock_guard(const lock_guard&) = delete;
    lock_guard& operator=(const lock_guard&) = delete;

private:
    int fd_;
};

}  // namespace

rate_state::rate_state(std::string path) : path_(std::move(path)) {
    make_parents(path_);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw state_error(path_, "cannot open");
}

rate_state::~rate_state() {
    if (fd_ >= 0) ::close(fd_);
}

std::string rate_state::read_locked() {
    std::string text;
    char buf[256];
    off_t at = 0;
    while (true) {
        ssize_t n = ::pread(fd_, buf, sizeof buf, at);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw state_error(path_, "cannot read");
        if (n == 0 || text.size() > 4096) break;
        text.append(buf, static_cast<std::size_t>(n));
        at += n;
    }
    return text;
}

void rate_state::write_locked(const std::string& text) {
    if (::ftruncate(fd_, 0) != 0) throw state_error(path_, "cannot write");
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::pwrite(fd_, text.data() + done, text.size() - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw state_error(path_, "cannot write");
        done += static_cast<std::size_t>(n);
    }
}

rate_check rate_state::try_reserve(double now, double interval) {
    lock_guard lock(fd_, path_);
    std::string text = read_locked();
    rate_check check = check_rate(parse_state(text), now, interval);
    if (check.allowed) {
        previous_ = text;
        reservation_ = format_state(now);
        write_locked(reservation_);
    }
    return check;
}

void rate_state::commit(double sent_at) {
    lock_guard lock(fd_, path_);
    auto current = parse_state(read_locked());
    // Another run can only hold a later time here (it waited for ours); keep whichever is later.
    write_locked(format_state(current ? std::max(*current, sent_at) : sent_at));
    reservation_.clear();
}

void rate_state::rollback() {
    if (reservation_.empty()) return;
    lock_guard lock(fd_, path_);
    if (read_locked() == reservation_) write_locked(previous_);
    reservation_.clear();
}

}  // namespace mqkit::thingspeak

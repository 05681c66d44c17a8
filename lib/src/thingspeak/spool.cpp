// tspub --spool's files: entries written atomically (temporary file, fsync, rename, fsync of the
// directory), read back, removed once sent, set aside when damaged; one flock(2) lock per channel.
#include "thingspeak/spool.hpp"

#include "core/signals.hpp"

#include <fmt/format.h>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace mqkit::thingspeak {
namespace {

constexpr std::string_view magic = "tspub-spool 1";
constexpr std::string_view entry_suffix = ".entry";
constexpr std::size_t max_entry_bytes = 64 * 1024;

error spool_error(const std::string& what, const std::string& path, int err) {
    return tspub_error(tspub_exit::spool, fmt::format("spool: {} '{}': {}", what, path, std::strerror(err)));
}

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// mkdir -p, new directories private (0700).
void make_dirs(const std::string& dir) {
    for (auto slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
        std::string part = dir.substr(0, slash);
        if (!part.empty() && ::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
            throw spool_error("cannot create the directory", part, errno);
        if (slash == std::string::npos) break;
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) throw spool_error("cannot use the directory", dir, errno);
    if (!S_ISDIR(st.st_mode)) throw spool_error("cannot use the directory", dir, ENOTDIR);
}

// A whole small file; a spool error if it cannot be read.
std::string read_small_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw spool_error("cannot read", path, errno);
    std::string text;
    char buf[4096];
    while (text.size() <= max_entry_bytes) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            throw spool_error("cannot read", path, err);
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return text;
}

bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

// "key value" of one line of an entry, or a damage report.
std::string expect_line(std::string_view& text, std::string_view key) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) throw std::runtime_error(fmt::format("cut short before its '{}' line", key));
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line.substr(0, key.size()) != key || (line.size() > key.size() && line[key.size()] != ' '))
        throw std::runtime_error(fmt::format("expected its '{}' line, found '{}'", key, line.substr(0, 40)));
    return std::string(line.substr(std::min(line.size(), key.size() + 1)));
}

// Checks the values of an entry the way tspub checks its arguments; a damage report otherwise.
update checked_values(const std::string& text) {
    try {
        update values = parse_payload(text);
        check_update(values);
        return values;
    } catch (const error& e) {
        throw std::runtime_error(fmt::format("its values are not a valid update: {}", e.what()));
    }
}

}  // namespace

std::string format_spool_entry(const spool_entry& e) {
    return fmt::format("{}\nchannel {}\ncreated_at {}\nattempts {}\nvalues {}\nend\n", magic, e.channel,
                       iso_utc(e.taken), e.attempts, build_payload(e.values));
}

spool_entry parse_spool_entry(std::string_view text, const std::string& name) {
    spool_entry e;
    e.name = name;
    if (text.substr(0, magic.size() + 1) != fmt::format("{}\n", magic))
        throw std::runtime_error("not a tspub spool entry (no 'tspub-spool 1' line)");
    text.remove_prefix(magic.size() + 1);
    e.channel = expect_line(text, "channel");
    if (e.channel.empty() ||
        !std::all_of(e.channel.begin(), e.channel.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw std::runtime_error(fmt::format("bad channel '{}'", e.channel));
    if (name.rfind(e.channel + "-", 0) != 0)
        throw std::runtime_error(fmt::format("its channel {} is not the one its name says", e.channel));
    std::string taken = expect_line(text, "created_at");
    auto t = parse_iso_time(taken);
    if (!t) throw std::runtime_error(fmt::format("bad created_at '{}'", taken));
    e.taken = *t;
    std::string attempts = expect_line(text, "attempts");
    if (attempts.empty() || attempts.size() > 6 ||
        !std::all_of(attempts.begin(), attempts.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw std::runtime_error(fmt::format("bad attempts '{}'", attempts));
    e.attempts = std::stoi(attempts);
    e.values = checked_values(expect_line(text, "values"));
    expect_line(text, "end");
    if (!text.empty()) throw std::runtime_error("text after its 'end' line");
    return e;
}

update spooled_update(const spool_entry& e) {
    update out = e.values;
    if (!find_value(out, "created_at")) out.push_back({"created_at", iso_utc(e.taken)});
    return out;
}

std::string spool_entry_name(const std::string& channel, double unix_time, long pid, unsigned seq) {
    double whole = std::floor(unix_time);
    auto micros = static_cast<long>(std::lround((unix_time - whole) * 1e6));
    if (micros >= 1000000) micros = 999999;
    std::time_t t = static_cast<std::time_t>(whole);
    std::tm utc{};
    char stamp[32] = "00000000T000000";
    if (::gmtime_r(&t, &utc)) std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &utc);
    return fmt::format("{}-{}.{:06}Z-{}-{}{}", channel, stamp, micros, pid, seq, entry_suffix);
}

spool::spool(std::string dir, std::string channel) : dir_(std::move(dir)), channel_(std::move(channel)) {
    make_dirs(dir_);
}

spool::~spool() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

spool_entry spool::add(const update& values, double now, std::int64_t taken) {
    spool_entry e;
    e.channel = channel_;
    e.taken = taken;
    e.values = values;
    e.name = spool_entry_name(channel_, now, static_cast<long>(::getpid()), ++seq_);
    write_atomically(e.name, format_spool_entry(e));
    return e;
}

void spool::write_atomically(const std::string& name, const std::string& text) {
    const std::string tmp = fmt::format("{}/.tmp-{}", dir_, name);
    const std::string path = fmt::format("{}/{}", dir_, name);
    ::unlink(tmp.c_str());  // a leftover of a run that died while writing this very name
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw spool_error("cannot create", tmp, errno);
    bool ok = write_all(fd, text) && ::fsync(fd) == 0;
    int err = errno;
    if (::close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        ::unlink(tmp.c_str());
        throw spool_error("cannot write", path, err);
    }
    sync_dir();
}

void spool::sync_dir() {
    int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw spool_error("cannot open the directory", dir_, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0 && err != EINVAL) throw spool_error("cannot sync the directory", dir_, err);
}

std::vector<std::string> spool::waiting() const {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir_.c_str());
    if (!d) throw spool_error("cannot read the directory", dir_, errno);
    const std::string prefix = channel_ + "-";
    while (dirent* ent = ::readdir(d)) {
        std::string_view n = ent->d_name;
        if (n.substr(0, prefix.size()) == prefix && ends_with(n, entry_suffix)) names.emplace_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::int64_t> spool::newest_taken() const {
    std::vector<std::string> names = waiting();
    for (auto it = names.rbegin(); it != names.rend(); ++it) {
        try {
            return read(*it).taken;
        } catch (const std::runtime_error&) {
            // damaged: the one before it decides
        }
    }
    return std::nullopt;
}

spool_entry spool::read(const std::string& name) const {
    std::string text = read_small_file(fmt::format("{}/{}", dir_, name));
    if (text.size() > max_entry_bytes) throw std::runtime_error("larger than 64 KiB");
    spool_entry e = parse_spool_entry(text, name);
    if (e.channel != channel_) throw std::runtime_error(fmt::format("it is for channel {}", e.channel));
    return e;
}

void spool::rewrite(const spool_entry& e) {
    write_atomically(e.name, format_spool_entry(e));
}

void spool::remove(const std::string& name) {
    const std::string path = fmt::format("{}/{}", dir_, name);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw spool_error("cannot remove", path, errno);
    sync_dir();
}

std::string spool::set_aside(const std::string& name, std::string_view suffix) {
    std::string aside = fmt::format("{}.{}", name, suffix);
    const std::string from = fmt::format("{}/{}", dir_, name);
    if (::rename(from.c_str(), fmt::format("{}/{}", dir_, aside).c_str()) != 0)
        throw spool_error("cannot set aside", from, errno);
    sync_dir();
    return aside;
}

bool spool::lock(bool wait) {
    if (lock_fd_ < 0) {
        const std::string path = fmt::format("{}/.{}.lock", dir_, channel_);
        lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock_fd_ < 0) throw spool_error("cannot open the lock file", path, errno);
    }
    while (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) throw spool_error("cannot lock", fmt::format("{}/.{}.lock", dir_, channel_), errno);
        if (!wait) return false;
        // SIGINT/SIGTERM go to mqkit's signal thread, so a blocking flock() could not be interrupted.
        pollfd p{detail::stop_signal::wake_fd(), POLLIN, 0};
        if (::poll(&p, 1, 50) > 0 || detail::stop_signal::received()) return false;
    }
    return true;
}

void spool::unlock() {
    if (lock_fd_ >= 0) ::flock(lock_fd_, LOCK_UN);
}

namespace {

spool_item list_item(const std::string& dir, const std::string& name) {
    spool_item item;
    item.name = name;
    std::string entry_name = name;
    if (ends_with(name, ".unconfirmed")) {
        item.state = "unconfirmed";
        entry_name.resize(name.size() - 12);
    } else if (ends_with(name, ".bad")) {
        item.state = "damaged";
        entry_name.resize(name.size() - 4);
    } else {
        item.state = "waiting";
    }
    try {
        item.entry = parse_spool_entry(read_small_file(fmt::format("{}/{}", dir, name)), entry_name);
    } catch (const std::runtime_error& e) {
        item.state = "damaged";
        item.problem = e.what();
    }
    return item;
}

}  // namespace

std::vector<spool_item> list_spool(const std::string& dir, const std::string& channel) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
        if (errno == ENOENT) return {};
        throw spool_error("cannot read the directory", dir, errno);
    }
    while (dirent* ent = ::readdir(d)) {
        std::string n = ent->d_name;
        if (n.empty() || n[0] == '.') continue;
        if (!channel.empty() && n.rfind(channel + "-", 0) != 0) continue;
        if (ends_with(n, entry_suffix) || ends_with(n, ".entry.unconfirmed") || ends_with(n, ".entry.bad"))
            names.push_back(std::move(n));
    }
    ::closedir(d);
    std::vector<spool_item> items;
    for (const auto& n : names) items.push_back(list_item(dir, n));
    std::stable_sort(items.begin(), items.end(), [](const spool_item& a, const spool_item& b) {
        bool wa = ends_with(a.name, entry_suffix), wb = ends_with(b.name, entry_suffix);
        if (wa != wb) return wa;
        return a.name < b.name;
    });
    return items;
}

}  // namespace mqkit::thingspeak

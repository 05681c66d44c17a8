// A payload from a file (-f) or from all of standard input (-s), bounded by MQTT's maximum payload.
#include "core/payload_input.hpp"

#include "mqkit/error.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace mqkit::detail {
namespace {

void read_fd_all(int fd, std::string& out, const std::string& what) {
    char buf[65536];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) return;
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

}  // namespace

std::string read_payload_file(const std::string& path) {
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

std::string read_payload_stdin() {
    struct stat st {};
    if (::fstat(0, &st) == 0 && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_payload)
        throw error(exit_code::failure, fmt::format("standard input is {} bytes, more than MQTT's maximum payload "
                                                    "of {} bytes",
                                                    st.st_size, max_payload));
    std::string payload;
    read_fd_all(0, payload, "standard input");
    if (payload.empty())
        throw error(exit_code::failure, "-s/--stdin-file: standard input is empty, nothing to send",
                    "to send an empty message, use -n");
    return payload;
}

std::string read_payload(pub_source source, const std::string& message, const std::string& file) {
    switch (source) {
        case pub_source::message:
            if (message.size() > max_payload)
                throw error(exit_code::failure,
                            fmt::format("message is larger than MQTT's maximum payload of {} bytes", max_payload));
            return message;
        case pub_source::file:
            return read_payload_file(file);
        case pub_source::stdin_file:
            return read_payload_stdin();
        case pub_source::null_message:
        case pub_source::stdin_line:
            break;
    }
    return {};
}

}  // namespace mqkit::detail

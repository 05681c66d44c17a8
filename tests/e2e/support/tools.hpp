// Shorthands the end-to-end tests share: run mqkit's tools against a fixture broker.
#pragma once

#include "support/broker.hpp"
#include "support/process.hpp"

#include "catch_compat.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace mqkit::test {

/// `a` with "-h <broker host> -p <broker port>" in front.
inline std::vector<std::string> with_port(const broker& b, std::vector<std::string> a) {
    a.insert(a.begin(), {"-h", b.host(), "-p", std::to_string(b.port())});
    return a;
}

/// Runs mqpub against `b` with `a` (and `input` on its stdin) to completion.
inline run_result mqpub(const broker& b, std::vector<std::string> a, const std::string& input = {}) {
    return run_tool(tool("mqpub"), with_port(b, std::move(a)), input);
}

/// Starts a subscriber (mqsub, or `exe`) with client id `id` and returns once the broker has
/// acknowledged its subscription.
inline std::unique_ptr<background_process> start_sub(const broker& b, const std::string& id, std::vector<std::string> a,
                                                     const std::string& exe = tool("mqsub")) {
    a.insert(a.end(), {"-i", id});
    auto p = std::make_unique<background_process>(exe, with_port(b, std::move(a)));
    REQUIRE(b.wait_for_log("Sending SUBACK to " + id, std::chrono::seconds(10)));
    return p;
}

/// A temporary file that is removed again; `size` bytes, sparse (nothing written) unless `data`.
class temp_file {
public:
    explicit temp_file(long long size, const std::string& data = {}) {
        char name[] = "/tmp/mqkit-e2e-file-XXXXXX";
        int fd = ::mkstemp(name);
        REQUIRE(fd >= 0);
        path_ = name;
        if (!data.empty())
            REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
        else
            REQUIRE(::ftruncate(fd, static_cast<off_t>(size)) == 0);
        ::close(fd);
    }
    ~temp_file() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

/// How often `needle` occurs in `haystack`.
inline int count_of(const std::string& haystack, const std::string& needle) {
    int n = 0;
    for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace mqkit::test

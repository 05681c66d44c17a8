// One mqbench process's run: many lean Paho C clients, the publish pacing loop, and the coordination with a parent.
#pragma once

#include "bench/bench.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mqkit::bench::detail {

/// How a running process meets the others of the same run. The default does nothing: a
/// process alone (or one host of several, which are not coordinated) goes straight on.
class coordinator {
public:
    virtual ~coordinator() = default;
    /// Every client of this process is connected; `filters` are its subscribers' filters.
    virtual void ready(const std::vector<std::string>& /*filters*/) {}
    /// Waits until every process of the run is ready; false if the run was stopped meanwhile.
    virtual bool wait_go() { return true; }
    /// One finished second.
    virtual void tick(const second_sample&) {}
    /// This process has published everything and has its acks; `publishers` say how much.
    virtual void published(const std::vector<publisher_record>& /*publishers*/) {}
    /// Waits until every process has published; false if the run was stopped meanwhile.
    /// `expected` receives how many unique messages this process's subscribers should get, when
    /// the coordinator knows (every process's publishers reported).
    virtual bool wait_drain(std::optional<std::uint64_t>& /*expected*/) { return true; }
    /// True when this process holds every publisher and subscriber of the run, so it knows how
    /// many messages to expect.
    virtual bool sees_everything() const { return false; }
};

/// How a run stopped by a signal says so: "terminated" for SIGTERM's status (143), else
/// "interrupted" (SIGINT, 130), as mqpub and mqsub do.
const char* stopped_word(int exit_status);

/// The index range [first, last) of `total` clients that part `part` of `parts` runs.
std::pair<long, long> partition(long total, long part, long parts);

/// Runs the configured scenario in this process and returns its report; errors end up in the
/// report's exit_status and message (the caller writes the partial results). `stop` is set
/// from outside (signals, the parent) to end the run early.
report run_engine(const bench_config& config, coordinator& coord, std::atomic<int>& stop);

/// Raises RLIMIT_NOFILE so `needed` descriptors fit; throws mqkit::error if the hard limit is lower.
void ensure_fd_limit(long needed);

/// This process's resident memory in bytes.
std::int64_t resident_bytes();

/// Sets TCP_NODELAY on every TCP socket of this process connected to a peer on `port` (Paho C
/// offers no socket options).
void set_nodelay(int port);

}  // namespace mqkit::bench::detail

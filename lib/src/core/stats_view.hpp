// The live --stats view of mqsub and tssub: values collected into topic_stats on Paho's thread,
// drawn on the main thread every --interval (a table redrawn in place on a terminal, plain
// `stats ...` lines otherwise).
#pragma once

#include "core/output.hpp"
#include "core/signals.hpp"
#include "core/stats.hpp"

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace mqkit::detail {

/// Seconds on the steady clock.
double steady_seconds();

class stats_view {
public:
    /// The title line of the table, given the seconds since the view started.
    using title_maker = std::function<std::string(double elapsed)>;

    /// `window` and `field` as topic_stats takes them; clears the terminal when it draws in place.
    stats_view(double window, std::string field, stdout_writer& out, title_maker title);

    /// One value under `key` (a topic, or a ThingSpeak field). Thread-safe.
    void add(const std::string& key, std::string_view value);
    /// Draws one refresh; false once stdout is closed.
    bool draw();

private:
    stdout_writer& out_;
    title_maker title_;
    std::mutex mutex_;
    topic_stats stats_;
    double start_;
    bool terminal_ = false;
    bool ansi_ = false;
    table_style style_;
};

/// Redraws `view` every `interval` seconds until `done`, or until `deadline` (steady_seconds();
/// 0: none) passes; draws once more at the end. False if the deadline passed. A closed stdout
/// finishes `done` with 0: a quiet, clean end.
bool run_stats_view(stats_view& view, double interval, double deadline, completion& done);

}  // namespace mqkit::detail

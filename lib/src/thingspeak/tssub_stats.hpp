// tssub --stats: mqsub's live statistics (core/stats) over a channel's fields, one row per field.
#pragma once

#include "core/output.hpp"
#include "core/stats.hpp"
#include "thingspeak/thingspeak.hpp"

#include <mutex>
#include <string>
#include <string_view>

namespace mqkit::thingspeak {

/// Collects the values of field1..field8 (on Paho's thread) and draws them (on the main thread):
/// a table redrawn in place on a terminal, plain `stats ...` lines otherwise, exactly as mqsub
/// --stats does with the fields as its topics.
class feed_stats_view {
public:
    feed_stats_view(const tssub_config& c, detail::stdout_writer& out);

    /// One value of field N.
    void add_field(int field, std::string_view value);
    /// Draws one refresh; false once stdout is closed.
    bool draw();

private:
    std::string title(const stats_snapshot& snap) const;

    const tssub_config& config_;
    detail::stdout_writer& out_;
    std::mutex mutex_;
    topic_stats stats_;
    double start_;
    bool terminal_ = false;
    bool ansi_ = false;
    table_style style_;
};

}  // namespace mqkit::thingspeak

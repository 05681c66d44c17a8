// mqsub --stats: pure statistics over received messages (rolling window, min/mean/max, sparkline)
// and their rendering as a terminal table or as parseable plain lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqkit {

/// Why `path` is not a usable --field path ("sensor.temp", "values.0"); empty if it is.
std::string stats_field_problem(std::string_view path);

/// The number a payload carries, or nullopt. With an empty `field` the whole payload (ASCII white
/// space around it ignored) must be a plain decimal number such as 21.5, -3 or 1e3 (no hex, inf or
/// nan). With a `field`, the payload must be JSON and the dotted path (object member names; array
/// indexes as numbers) must lead to a number, or to a string holding a plain decimal number.
std::optional<double> numeric_value(std::string_view payload, std::string_view field);

/// Summary of one rolling window at one moment.
struct window_summary {
    std::uint64_t total = 0;               ///< messages since the start
    std::uint64_t total_text = 0;          ///< of those, messages without a number
    std::size_t in_window = 0;             ///< messages within the window
    double rate = 0;                       ///< messages per second over the window (see rolling_window)
    std::size_t numeric = 0;               ///< messages with a number within the window
    std::optional<double> min, mean, max;  ///< over the numbers within the window; unset if none
    std::vector<double> recent;            ///< the last numbers within the window, oldest first
};

/// Messages of the last `seconds` seconds, counted in buckets of one second (a tenth of the
/// window when it is shorter than 10 s, a 600th when it is longer than 10 minutes): a bucket's
/// messages leave the window together, once the bucket's start is more than `seconds` ago. Memory
/// is one bucket per bucket-time that had messages (at most ~600), plus the last 64 numbers (for
/// the sparkline), however many messages come. Times are seconds on any steady clock; they must
/// not go backwards between calls.
class rolling_window {
public:
    /// The most numbers summary() hands back as `recent`.
    static constexpr std::size_t max_recent = 64;
    /// Buckets a window of more than 10 minutes is cut into.
    static constexpr double max_buckets = 600;

    /// `seconds` > 0.
    explicit rolling_window(double seconds);

    /// Records a message at time `t`, with its number if it has one.
    void add(double t, std::optional<double> value);
    /// Drops messages older than `now - seconds`.
    void expire(double now);
    /// The window's statistics at `now` (call expire(now) first). `rate` is the window's count
    /// divided by the window length, or by the time since the first message when that is shorter
    /// (but at least 1 s, so a first message reads as 1/s rather than infinity). `recent` holds up
    /// to `recent_points` numbers (at most max_recent).
    window_summary summary(double now, std::size_t recent_points) const;
    /// Buckets held (for tests of the memory bound).
    std::size_t buckets() const { return buckets_.size(); }

private:
    struct bucket {
        std::int64_t slot;  // floor(t / width_)
        std::uint32_t count = 0;
        std::uint32_t numeric = 0;
        double sum = 0, min = 0, max = 0;
    };
    struct point {
        double t;
        double value;
    };
    double seconds_;
    double width_;
    std::deque<bucket> buckets_;  // oldest first; only those that had messages
    std::deque<point> recent_;    // the last max_recent numbers, oldest first
    std::uint64_t total_ = 0;
    std::uint64_t total_text_ = 0;
    std::optional<double> first_t_;
};

/// One row of the statistics: a topic, or (all = true) every topic together.
struct stats_row {
    bool all = false;   ///< the "all topics" row
    std::string topic;  ///< empty for the all row
    window_summary window;
    std::string last;                  ///< last payload as received (topic rows)
    std::optional<double> last_value;  ///< topic rows: its number; all row: mean of every topic's last number
    std::size_t topics = 0;            ///< all row: number of topics seen
};

/// Everything one refresh shows: one row per topic (sorted by topic) and the all row.
struct stats_snapshot {
    double elapsed = 0;  ///< seconds since the statistics started
    std::vector<stats_row> topics;
    stats_row all;
    /// Messages on topics beyond topic_stats::max_topics: in the all row, in no topic row.
    std::uint64_t untracked = 0;
};

/// Per-topic rolling windows plus one over every message. Not thread-safe.
class topic_stats {
public:
    /// Topics kept (and shown) at most; messages on further topics count in the all row only, and
    /// the view says how many there were.
    static constexpr std::size_t max_topics = 1000;

    /// `window` seconds > 0; `field` as for numeric_value().
    topic_stats(double window, std::string field);

    /// Records a message received at time `t` (seconds, steady clock).
    void add(const std::string& topic, std::string_view payload, double t);
    /// Expires old samples and summarizes. `start` is the time the statistics started.
    stats_snapshot snapshot(double start, double now, std::size_t recent_points);

private:
    struct topic_state {
        explicit topic_state(double window) : samples(window) {}
        rolling_window samples;
        std::string last;
        std::optional<double> last_value;
    };
    double window_;
    std::string field_;
    std::map<std::string, topic_state> topics_;
    rolling_window all_;
    std::uint64_t untracked_ = 0;
};

/// One character per value, scaled from the smallest (lowest block) to the largest (full block):
/// ▁▂▃▄▅▆▇█ with `unicode`, else the ASCII levels _.-=+*#@. Equal values draw a middle level.
std::string sparkline(const std::vector<double>& values, bool unicode);

/// A statistic as shown: whole numbers without a point, others with up to 6 significant digits
/// (%g), "-" when unset.
std::string format_stat(std::optional<double> value);

/// The plain-line format (stdout not a terminal), one line per topic then one "all" line:
///   stats t=<s> topic=<json string> count=<n> text=<n> window=<n> rate=<r> numeric=<n> min=<v> mean=<v> max=<v>
///   last=<json string> stats t=<s> all topics=<n> count=<n> text=<n> window=<n> rate=<r> numeric=<n> min=<v> mean=<v>
///   max=<v> last_mean=<v>
/// t: seconds since start (1 decimal); count/text: messages and non-numeric messages since the
/// start; window/numeric: messages and numeric messages in the window; rate: per second over the
/// window (2 decimals); min/mean/max: format_stat() over the window's numbers; last: the last
/// payload (its first 256 bytes) as a JSON string; last_mean: mean of every topic's last number.
std::string render_stats_lines(const stats_snapshot& snap);

/// How the terminal table is drawn.
struct table_style {
    std::size_t width = 80;  ///< terminal columns; the table never exceeds it
    bool unicode = true;     ///< UTF-8 sparkline and ellipsis; ASCII otherwise
    bool bold = false;       ///< bold header (ANSI), only when colours are allowed
};

/// The terminal table: a title line, a header, one line per topic, the all row, and a note on
/// non-numeric payloads when there are any. Each line ends with '\n' and is at most `width`
/// columns: first the trend shrinks (keeping its newest values), then the last-value and topic
/// columns (cut with an ellipsis), then the columns least needed (trend, min, max, rate, last,
/// count) are dropped.
std::string render_stats_table(const stats_snapshot& snap, const std::string& title, const table_style& style);

/// Display columns of UTF-8 text (one per code point; mqkit draws no wide characters).
std::size_t display_width(std::string_view text);

/// True if the locale variables say UTF-8: the first set of LC_ALL, LC_CTYPE, LANG names a UTF-8
/// codeset. `env` returns nullptr for unset variables.
bool locale_is_utf8(const char* (*env)(const char*));

}  // namespace mqkit

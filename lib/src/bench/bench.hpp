// mqbench's pure parts: configuration, latency histogram, rate pacing, topic templates, payload
// stamps, sequence tracking, and the report with its JSON form, merge and text/CSV/SVG renderings.
#pragma once

#include "core/json.hpp"
#include "mqkit/cli.hpp"
#include "mqkit/options.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqkit::bench {

/// What a run does.
enum class mode {
    conn,    ///< open connections and keep them idle
    pub,     ///< publishers only
    sub,     ///< subscribers only
    pubsub,  ///< publishers and subscribers in one run, end-to-end latency and loss
    merge,   ///< combine reports written with --json
};

/// "conn", "pub", "sub", "pubsub".
std::string_view mode_name(mode m);

/// Everything one mqbench process needs; produced by parse_bench (cli.hpp).
struct bench_config {
    mode kind = mode::pubsub;
    connection_config conn;                ///< host, port, auth, version, keepalive (client_id unused)
    std::string prefix;                    ///< client ids are <prefix>-<role><global index>; --prefix
    long clients = 10;                     ///< -c: connections (conn), publishers (pub, pubsub), subscribers (sub)
    long subscribers = 1;                  ///< --subscribers: subscribers in pubsub
    int qos = 0;                           ///< -q: publish QoS and subscription QoS
    long size = 256;                       ///< -s: payload bytes (pubsub: at least payload_stamp_size)
    bool retain = false;                   ///< -r
    std::string topic = "mqbench/%i";      ///< -t: publish topic template (sub mode: filter template)
    std::string filter;                    ///< --filter: pubsub subscription filter template (default from topic)
    long count = 0;                        ///< -n: messages per publisher (sub: per subscriber); 0 = no limit
    double duration = 0;                   ///< --duration seconds; 0 = no limit
    double rate = 0;                       ///< --rate: total msg/s (conn mode: connections/s); 0 = as fast as possible
    double interval_ms = 0;                ///< -I: per-publisher interval in ms (sets rate = clients*1000/I)
    double connect_rate = 0;               ///< --connect-rate: connections/s; 0 = as fast as possible
    double ramp_up = 0;                    ///< --ramp-up seconds: the message rate rises linearly to --rate
    double warmup = 0;                     ///< --warmup seconds: messages sent earlier are left out of latency
    double drain = 10;                     ///< --drain seconds to wait for the last messages and acks
    bool nodelay = false;                  ///< --nodelay: TCP_NODELAY on every client socket
    long inflight = 64;                    ///< --inflight: unfinished publishes per publisher
    long workers = 0;                      ///< --workers: local processes; 0 = one per core
    long worker_index = 0;                 ///< --worker-index: this host's part, 0-based
    long worker_count = 1;                 ///< --worker-count: parts in all
    bool worker_pipe = false;              ///< internal: a child of a local parent, talking JSON lines
    std::string json_file;                 ///< --json FILE
    std::string csv_file;                  ///< --csv FILE
    std::string plot_file;                 ///< --plot FILE.svg
    std::vector<std::string> merge_files;  ///< `mqbench merge a.json b.json`
    bool no_progress = false;              ///< --no-progress
    std::vector<std::string> args;         ///< the arguments as given (a local parent passes them on)

    /// The settings as JSON for the report (never the password).
    json to_json() const;
};

/// Parses mqbench's arguments (args excludes argv[0]); the first word may name the scenario.
/// Throws usage_error on any bad input.
parse_result<bench_config> parse_bench(const std::vector<std::string>& args, env_lookup env = nullptr,
                                       const process_identity& who = {});

/// A log-linear latency histogram (HDR style): exact below 128, then 64 buckets per power of two,
/// so any recorded value is known within 1/64 (1.6 %). Values are whole units (microseconds).
class histogram {
public:
    /// Values above this (about 73 minutes in microseconds) are recorded as this.
    static constexpr std::uint64_t max_value = (std::uint64_t{1} << 32) - 1;

    void record(std::uint64_t value, std::uint64_t times = 1);
    void merge(const histogram& other);
    void clear();

    std::uint64_t count() const noexcept { return count_; }
    std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
    /// The value at percentile q (0-100): the upper bound of the bucket that holds the
    /// ceil(q/100*count)-th smallest value, clamped to [min, max]. 0 when empty.
    std::uint64_t percentile(double q) const;

    /// Bucket index of a value, and the smallest/largest value of a bucket.
    static std::size_t index_of(std::uint64_t value);
    static std::uint64_t lowest_of(std::size_t index);
    static std::uint64_t highest_of(std::size_t index);

    /// Non-empty buckets as (lowest value, count), ascending.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets() const;

    /// {"count","min","max","sum","buckets":[[lowest,count],...]}.
    json to_json() const;
    /// Inverse of to_json; throws mqkit::error on a malformed value.
    static histogram from_json(const json& j);

private:
    /// The count of bucket `index`, the range held widened to include it.
    std::uint64_t& slot(std::size_t index);

    /// Buckets first_ .. first_ + size - 1 only: a run's samples of one second (one histogram each,
    /// kept for the whole run) hold the few hundred buckets their latencies span, not every bucket
    /// from 0 up to their largest value.
    std::vector<std::uint64_t> counts_;
    std::size_t first_ = 0;
    std::uint64_t count_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
    double sum_ = 0;
};

/// When the n-th event (0-based) of a paced stream is due, in seconds from the start: `rate` events
/// per second, reached by a linear rise from 0 over `ramp_up` seconds. rate <= 0: always 0.
class pacer {
public:
    pacer(double rate, double ramp_up) : rate_(rate), ramp_(ramp_up > 0 ? ramp_up : 0) {}
    double due(std::uint64_t n) const;
    /// Events due by `seconds` after the start (the inverse of due).
    std::uint64_t due_by(double seconds) const;
    bool unlimited() const noexcept { return rate_ <= 0; }

private:
    double rate_;
    double ramp_;
};

/// Checks a topic template: only %i, %c and %% are allowed. Returns the problem, or empty.
std::string template_problem(std::string_view tmpl);
/// Expands %i (client index), %c (client id) and %% in a topic template.
std::string expand_template(std::string_view tmpl, long index, std::string_view client_id);
/// The filter pubsub subscribes to when --filter is not given: the levels of `tmpl` before the
/// first one holding a %, then "#" ("mqbench/%i" -> "mqbench/#").
std::string default_filter(std::string_view tmpl);

/// First bytes of every mqbench payload in pubsub mode: "MQB", a flag byte, the publisher's global
/// index (u32), its sequence number (u64) and the send time (u64, microseconds since the Unix
/// epoch), little-endian.
inline constexpr std::size_t payload_stamp_size = 24;

/// What a stamp says.
struct stamp {
    std::uint32_t publisher = 0;
    std::uint64_t seq = 0;
    std::uint64_t sent_us = 0;
    bool warmup = false;  ///< sent during --warmup: not in the latency figures
};

/// Writes a stamp into the first payload_stamp_size bytes of `payload` (which must be that long).
void write_stamp(std::string& payload, const stamp& s);
/// Reads a stamp; nullopt if the payload is not an mqbench payload.
std::optional<stamp> read_stamp(std::string_view payload);

/// Which sequence numbers one subscriber has seen from one publisher (they start at 0).
class seq_tracker {
public:
    enum class verdict { fresh, out_of_order, duplicate };
    verdict see(std::uint64_t seq);
    std::uint64_t unique() const noexcept { return unique_; }

private:
    std::uint64_t next_ = 0;                       ///< one past the highest seq seen
    std::map<std::uint64_t, std::uint64_t> gaps_;  ///< unseen ranges below next_: [first, last)
    std::uint64_t unique_ = 0;
};

/// Per delivered QoS (0, 1, 2): the message counts of the loss accounting.
struct delivery_counts {
    std::uint64_t unique[3] = {0, 0, 0};
    std::uint64_t duplicated[3] = {0, 0, 0};
    std::uint64_t out_of_order[3] = {0, 0, 0};
};

/// A publisher as the loss accounting needs it.
struct publisher_record {
    long index = 0;
    std::string topic;
    int qos = 0;
    std::uint64_t sent = 0;  ///< publishes that completed (QoS 0: written; QoS 1/2: acknowledged)
};

/// A subscriber as the loss accounting needs it.
struct subscriber_record {
    long index = 0;
    std::string filter;
    int qos = 0;
    delivery_counts counts;
};

/// Loss figures for one delivered QoS.
struct loss_figures {
    std::uint64_t expected = 0;
    std::uint64_t received = 0;  ///< unique messages
    std::uint64_t lost = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t out_of_order = 0;
};

/// One second of a run (absolute, so reports from different processes line up).
struct second_sample {
    std::int64_t unix_s = 0;
    std::int64_t connections = 0;  ///< open at the end of the second (summed over workers)
    std::uint64_t connects = 0;
    std::uint64_t connect_failures = 0;
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    std::uint64_t received = 0;
    std::uint64_t errors = 0;
    histogram latency;  ///< end-to-end (pubsub, sub) or publish->ack (pub) latency this second

    /// Adds `other`'s counts and latencies (another process's sample of the same second).
    void merge(const second_sample& other);
};

/// The outcome of a run, one process's or merged. Everything merges exactly: counts add,
/// histograms merge, rates are recomputed from totals and the merged time span.
struct report {
    json config;                        ///< the run's settings (echo)
    long processes = 1;                 ///< reports merged into this one
    std::int64_t start_us = 0;          ///< first connect attempt, Unix microseconds
    std::int64_t measure_start_us = 0;  ///< publishing (sub mode: receiving) began
    std::int64_t measure_end_us = 0;    ///< publishing ended (sub mode: the run ended)
    std::int64_t end_us = 0;
    std::vector<second_sample> series;
    std::uint64_t connect_attempts = 0;
    std::uint64_t connects = 0;
    std::map<std::string, std::uint64_t> connect_failures;  ///< by reason
    std::uint64_t connection_lost = 0;
    std::int64_t connect_span_us = 0;  ///< first connect attempt to last CONNACK (for conn/s)
    std::uint64_t sent = 0;            ///< publishes handed to the client library
    std::uint64_t acked = 0;           ///< completed (QoS 0: written)
    std::uint64_t publish_failures = 0;
    std::uint64_t received = 0;  ///< every message delivered to a subscriber
    std::uint64_t retained_received = 0;
    std::uint64_t foreign_received = 0;           ///< messages without an mqbench stamp (pubsub)
    std::map<std::string, std::uint64_t> errors;  ///< by reason, besides connect failures
    std::int64_t rss_delta_bytes = 0;             ///< resident memory growth while connecting
    std::int64_t rss_bytes = 0;                   ///< resident memory at the end
    double target_rate = 0;                       ///< msg/s asked for (0: as fast as possible)
    histogram connect_latency;
    histogram ack_latency;
    histogram e2e_latency;
    std::vector<publisher_record> publishers;
    std::vector<subscriber_record> subscribers;
    int exit_status = 0;
    std::string message;  ///< why the run failed, if it did

    /// Loss per delivered QoS, from the publisher and subscriber records (pairs whose filter
    /// matches the topic). Empty without subscribers or publishers.
    std::map<int, loss_figures> loss() const;
    double duration_s() const;
    /// Seconds of the measured window (publish start to end); message rates are over it.
    double measure_duration_s() const;

    json to_json() const;
    /// Throws mqkit::error naming what is wrong.
    static report from_json(const json& j);

private:
    json totals_json() const;              ///< to_json()'s "totals"
    void add_clients_json(json& j) const;  ///< to_json()'s "publishers" and "subscribers"
};

/// Combines reports from several processes or hosts into one.
report merge(const std::vector<report>& parts);

/// The per-second series as CSV with a header line.
std::string series_csv(const report& r);
/// The end-of-run summary table for a person.
std::string summary_text(const report& r);
/// A latency histogram drawn with text bars, `width` columns wide.
std::string histogram_text(const histogram& h, std::string_view title, int width = 50);
/// A stand-alone SVG: throughput per second and p99 latency over time, and the latency distribution.
std::string plot_svg(const report& r);

/// One second as JSON (also the tick a local worker sends its parent), and back.
json sample_to_json(const second_sample& s, std::int64_t first_unix_s);
second_sample sample_from_json(const json& j);

/// One live progress line: "  3s  conn 100  sent/s 5,000  recv/s 5,000  p99 1.2ms  err 0".
std::string progress_line(const second_sample& s, double t_s);

/// Microseconds as a short human figure: "850us", "1.25ms", "2.50s".
std::string human_us(double us);

}  // namespace mqkit::bench

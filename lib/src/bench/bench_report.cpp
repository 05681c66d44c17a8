// mqbench reports: JSON form, merge of several processes' reports, loss accounting, CSV, text summary and SVG plot.
#include "bench/bench.hpp"

#include "mqkit/error.hpp"
#include "mqkit/topic.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

namespace mqkit::bench {
namespace {

json num(double v) {
    return json::number(v);
}
// Any integer type: int, long, int64_t and uint64_t are not the same set of types on 32-bit ARM
// (int64_t is long long there), so overloads for some of them are ambiguous for the others.
template <typename T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
json num(T v) {
    return json::number(static_cast<double>(v));
}

double rate(double count, double seconds) {
    return seconds > 0 ? count / seconds : 0.0;
}

[[noreturn]] void bad(const std::string& what) {
    throw error(exit_code::failure, "not an mqbench report: " + what);
}

const json& need(const json& j, std::string_view key, json::kind k) {
    const json* v = j.find(key);
    if (!v || v->type() != k) bad(fmt::format("\"{}\" is missing or of the wrong type", key));
    return *v;
}

std::uint64_t count_of(const json& j, std::string_view key) {
    double v = need(j, key, json::kind::number).as_number();
    if (v < 0) bad(fmt::format("\"{}\" is negative", key));
    return static_cast<std::uint64_t>(v);
}

std::int64_t int_of(const json& j, std::string_view key) {
    return static_cast<std::int64_t>(need(j, key, json::kind::number).as_number());
}

json reasons_json(const std::map<std::string, std::uint64_t>& m) {
    json o = json::object();
    for (const auto& [k, v] : m) o.add(k, num(v));
    return o;
}

std::map<std::string, std::uint64_t> reasons_from(const json& j) {
    std::map<std::string, std::uint64_t> m;
    for (const auto& [k, v] : j.members()) {
        if (v.type() != json::kind::number) bad("a count by reason is not a number");
        m[k] += static_cast<std::uint64_t>(v.as_number());
    }
    return m;
}

json triple(const std::uint64_t (&v)[3]) {
    json a = json::array();
    for (auto x : v) a.push(num(x));
    return a;
}

void read_triple(const json& j, std::uint64_t (&v)[3]) {
    if (j.type() != json::kind::array || j.items().size() != 3) bad("a subscriber's counts are not [q0, q1, q2]");
    for (std::size_t i = 0; i < 3; ++i) v[i] = static_cast<std::uint64_t>(j.items()[i].as_number());
}

json percentiles_json(const histogram& h) {
    json o = json::object();
    o.add("count", num(h.count()));
    o.add("min", num(h.min()));
    o.add("mean", num(std::round(h.mean() * 10) / 10));
    o.add("p50", num(h.percentile(50)));
    o.add("p90", num(h.percentile(90)));
    o.add("p99", num(h.percentile(99)));
    o.add("p99_9", num(h.percentile(99.9)));
    o.add("max", num(h.max()));
    return o;
}

std::string grouped(std::uint64_t v) {
    std::string digits = std::to_string(v);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string grouped_rate(double v) {
    return v >= 100 ? grouped(static_cast<std::uint64_t>(std::llround(v))) : fmt::format("{:.1f}", v);
}

}  // namespace

json sample_to_json(const second_sample& s, std::int64_t first_unix_s) {
    json o = json::object();
    o.add("t_s", num(s.unix_s - first_unix_s));
    o.add("unix_s", num(s.unix_s));
    o.add("connections", num(s.connections));
    o.add("connects", num(s.connects));
    o.add("connect_failures", num(s.connect_failures));
    o.add("sent_msg", num(s.sent));
    o.add("acked_msg", num(s.acked));
    o.add("received_msg", num(s.received));
    o.add("errors", num(s.errors));
    o.add("latency_p50_us", num(s.latency.percentile(50)));
    o.add("latency_p99_us", num(s.latency.percentile(99)));
    o.add("latency_hist_us", s.latency.to_json());
    return o;
}

second_sample sample_from_json(const json& o) {
    if (o.type() != json::kind::object) bad("a second of the series is not an object");
    second_sample s;
    s.unix_s = int_of(o, "unix_s");
    s.connections = int_of(o, "connections");
    s.connects = count_of(o, "connects");
    s.connect_failures = count_of(o, "connect_failures");
    s.sent = count_of(o, "sent_msg");
    s.acked = count_of(o, "acked_msg");
    s.received = count_of(o, "received_msg");
    s.errors = count_of(o, "errors");
    s.latency = histogram::from_json(need(o, "latency_hist_us", json::kind::object));
    return s;
}

std::string human_us(double us) {
    if (us < 1000) return fmt::format("{:.0f}us", us);
    if (us < 1e6) return fmt::format("{:.2f}ms", us / 1000);
    return fmt::format("{:.2f}s", us / 1e6);
}

double report::duration_s() const {
    return end_us > start_us ? static_cast<double>(end_us - start_us) / 1e6 : 0.0;
}

double report::measure_duration_s() const {
    return measure_end_us > measure_start_us && measure_start_us > 0
               ? static_cast<double>(measure_end_us - measure_start_us) / 1e6
               : 0.0;
}

std::map<int, loss_figures> report::loss() const {
    std::map<int, loss_figures> out;
    if (publishers.empty() || subscribers.empty()) return out;
    for (const auto& s : subscribers) {
        for (const auto& p : publishers) {
            if (!topic_matches(s.filter, p.topic)) continue;
            out[std::min(p.qos, s.qos)].expected += p.sent;
        }
        for (int q = 0; q < 3; ++q) {
            if (s.counts.unique[q] == 0 && s.counts.duplicated[q] == 0 && s.counts.out_of_order[q] == 0) continue;
            auto& f = out[q];
            f.received += s.counts.unique[q];
            f.duplicated += s.counts.duplicated[q];
            f.out_of_order += s.counts.out_of_order[q];
        }
    }
    for (auto& [q, f] : out) f.lost = f.expected > f.received ? f.expected - f.received : 0;
    return out;
}

void second_sample::merge(const second_sample& other) {
    unix_s = other.unix_s;
    connections += other.connections;
    connects += other.connects;
    connect_failures += other.connect_failures;
    sent += other.sent;
    acked += other.acked;
    received += other.received;
    errors += other.errors;
    latency.merge(other.latency);
}

json report::to_json() const {
    json j = json::object();
    j.add("mqbench_report", num(1));
    j.add("config", config);
    j.add("processes", num(processes));
    json status = json::object();
    status.add("exit_code", num(exit_status));
    status.add("message", json::string(message));
    j.add("status", std::move(status));
    j.add("start_unix_us", num(start_us));
    j.add("measure_start_unix_us", num(measure_start_us));
    j.add("measure_end_unix_us", num(measure_end_us));
    j.add("end_unix_us", num(end_us));
    j.add("totals", totals_json());
    json l = json::object();
    for (const auto& [q, f] : loss()) {
        json o = json::object();
        o.add("expected", num(f.expected));
        o.add("received", num(f.received));
        o.add("lost", num(f.lost));
        o.add("duplicated", num(f.duplicated));
        o.add("out_of_order", num(f.out_of_order));
        l.add(fmt::format("qos{}", q), std::move(o));
    }
    j.add("loss", std::move(l));
    json lat = json::object();
    lat.add("connect_latency_us", percentiles_json(connect_latency));
    lat.add("ack_latency_us", percentiles_json(ack_latency));
    lat.add("e2e_latency_us", percentiles_json(e2e_latency));
    j.add("latency", std::move(lat));
    json h = json::object();
    h.add("connect_latency_us", connect_latency.to_json());
    h.add("ack_latency_us", ack_latency.to_json());
    h.add("e2e_latency_us", e2e_latency.to_json());
    j.add("histograms", std::move(h));
    json series_j = json::array();
    const std::int64_t first = series.empty() ? 0 : series.front().unix_s;
    for (const auto& s : series) series_j.push(sample_to_json(s, first));
    j.add("series", std::move(series_j));
    add_clients_json(j);
    return j;
}

json report::totals_json() const {
    const double window = measure_duration_s();
    std::uint64_t failures = 0;
    for (const auto& [k, v] : connect_failures) failures += v;
    json t = json::object();
    t.add("duration_s", num(duration_s()));
    t.add("measure_duration_s", num(window));
    t.add("connect_attempts", num(connect_attempts));
    t.add("connections", num(connects));
    t.add("connect_failures", num(failures));
    t.add("connect_failures_by_reason", reasons_json(connect_failures));
    t.add("connection_lost", num(connection_lost));
    const double connect_span = connect_latency.count() ? static_cast<double>(connect_span_us) / 1e6 : 0.0;
    t.add("connect_span_us", num(connect_span_us));
    t.add("connect_rate_conn_per_s", num(rate(static_cast<double>(connects), connect_span)));
    t.add("sent", num(sent));
    t.add("acked", num(acked));
    t.add("publish_failures", num(publish_failures));
    t.add("received", num(received));
    t.add("retained_received", num(retained_received));
    t.add("foreign_received", num(foreign_received));
    t.add("target_rate_msg_per_s", num(target_rate));
    t.add("sent_rate_msg_per_s", num(rate(static_cast<double>(sent), window)));
    t.add("acked_rate_msg_per_s", num(rate(static_cast<double>(acked), window)));
    t.add("received_rate_msg_per_s", num(rate(static_cast<double>(received), window)));
    t.add("errors_by_reason", reasons_json(errors));
    t.add("rss_bytes", num(rss_bytes));
    t.add("rss_delta_bytes", num(rss_delta_bytes));
    t.add("rss_per_connection_bytes",
          num(connects ? std::round(static_cast<double>(rss_delta_bytes) / static_cast<double>(connects)) : 0.0));
    return t;
}

void report::add_clients_json(json& j) const {
    json pubs = json::array();
    for (const auto& p : publishers) {
        json a = json::array();
        a.push(num(p.index));
        a.push(json::string(p.topic));
        a.push(num(p.qos));
        a.push(num(p.sent));
        pubs.push(std::move(a));
    }
    j.add("publishers", std::move(pubs));
    json subs = json::array();
    for (const auto& s : subscribers) {
        json a = json::array();
        a.push(num(s.index));
        a.push(json::string(s.filter));
        a.push(num(s.qos));
        a.push(triple(s.counts.unique));
        a.push(triple(s.counts.duplicated));
        a.push(triple(s.counts.out_of_order));
        subs.push(std::move(a));
    }
    j.add("subscribers", std::move(subs));
}

report report::from_json(const json& j) {
    if (j.type() != json::kind::object || j.number_or("mqbench_report", 0) != 1) bad("no \"mqbench_report\": 1 member");
    report r;
    if (const json* c = j.find("config")) r.config = *c;
    r.processes = static_cast<long>(int_of(j, "processes"));
    const json& status = need(j, "status", json::kind::object);
    r.exit_status = static_cast<int>(int_of(status, "exit_code"));
    r.message = need(status, "message", json::kind::string).as_string();
    r.start_us = int_of(j, "start_unix_us");
    r.measure_start_us = int_of(j, "measure_start_unix_us");
    r.measure_end_us = int_of(j, "measure_end_unix_us");
    r.end_us = int_of(j, "end_unix_us");
    const json& t = need(j, "totals", json::kind::object);
    r.connect_attempts = count_of(t, "connect_attempts");
    r.connects = count_of(t, "connections");
    r.connect_failures = reasons_from(need(t, "connect_failures_by_reason", json::kind::object));
    r.connection_lost = count_of(t, "connection_lost");
    r.sent = count_of(t, "sent");
    r.acked = count_of(t, "acked");
    r.publish_failures = count_of(t, "publish_failures");
    r.received = count_of(t, "received");
    r.retained_received = count_of(t, "retained_received");
    r.foreign_received = count_of(t, "foreign_received");
    r.target_rate = need(t, "target_rate_msg_per_s", json::kind::number).as_number();
    r.errors = reasons_from(need(t, "errors_by_reason", json::kind::object));
    r.rss_bytes = int_of(t, "rss_bytes");
    r.rss_delta_bytes = int_of(t, "rss_delta_bytes");
    r.connect_span_us = int_of(t, "connect_span_us");
    const json& h = need(j, "histograms", json::kind::object);
    r.connect_latency = histogram::from_json(need(h, "connect_latency_us", json::kind::object));
    r.ack_latency = histogram::from_json(need(h, "ack_latency_us", json::kind::object));
    r.e2e_latency = histogram::from_json(need(h, "e2e_latency_us", json::kind::object));
    for (const auto& o : need(j, "series", json::kind::array).items()) r.series.push_back(sample_from_json(o));
    for (const auto& a : need(j, "publishers", json::kind::array).items()) {
        if (a.type() != json::kind::array || a.items().size() != 4) bad("a publisher is not [index, topic, qos, sent]");
        publisher_record p;
        p.index = static_cast<long>(a.items()[0].as_number());
        p.topic = a.items()[1].as_string();
        p.qos = static_cast<int>(a.items()[2].as_number());
        p.sent = static_cast<std::uint64_t>(a.items()[3].as_number());
        r.publishers.push_back(std::move(p));
    }
    for (const auto& a : need(j, "subscribers", json::kind::array).items()) {
        if (a.type() != json::kind::array || a.items().size() != 6)
            bad("a subscriber is not [index, filter, qos, unique, duplicated, out_of_order]");
        subscriber_record s;
        s.index = static_cast<long>(a.items()[0].as_number());
        s.filter = a.items()[1].as_string();
        s.qos = static_cast<int>(a.items()[2].as_number());
        read_triple(a.items()[3], s.counts.unique);
        read_triple(a.items()[4], s.counts.duplicated);
        read_triple(a.items()[5], s.counts.out_of_order);
        r.subscribers.push_back(std::move(s));
    }
    return r;
}

report merge(const std::vector<report>& parts) {
    report out;
    if (parts.empty()) return out;
    out.config = parts.front().config;
    out.processes = 0;
    std::map<std::int64_t, second_sample> seconds;
    auto earliest = [](std::int64_t a, std::int64_t b) { return a == 0 ? b : b == 0 ? a : std::min(a, b); };
    std::int64_t connect_first = 0, connect_last = 0;
    for (const auto& p : parts) {
        out.processes += p.processes;
        out.start_us = earliest(out.start_us, p.start_us);
        out.measure_start_us = earliest(out.measure_start_us, p.measure_start_us);
        out.measure_end_us = std::max(out.measure_end_us, p.measure_end_us);
        out.end_us = std::max(out.end_us, p.end_us);
        // Connections of all parts together: from the first part's start to the last one's end.
        if (p.connect_span_us > 0) {
            connect_first = earliest(connect_first, p.start_us);
            connect_last = std::max(connect_last, p.start_us + p.connect_span_us);
        }
        out.connect_attempts += p.connect_attempts;
        out.connects += p.connects;
        for (const auto& [k, v] : p.connect_failures) out.connect_failures[k] += v;
        out.connection_lost += p.connection_lost;
        out.sent += p.sent;
        out.acked += p.acked;
        out.publish_failures += p.publish_failures;
        out.received += p.received;
        out.retained_received += p.retained_received;
        out.foreign_received += p.foreign_received;
        for (const auto& [k, v] : p.errors) out.errors[k] += v;
        out.rss_delta_bytes += p.rss_delta_bytes;
        out.rss_bytes += p.rss_bytes;
        out.target_rate += p.target_rate;
        out.connect_latency.merge(p.connect_latency);
        out.ack_latency.merge(p.ack_latency);
        out.e2e_latency.merge(p.e2e_latency);
        out.publishers.insert(out.publishers.end(), p.publishers.begin(), p.publishers.end());
        out.subscribers.insert(out.subscribers.end(), p.subscribers.begin(), p.subscribers.end());
        for (const auto& s : p.series) seconds[s.unix_s].merge(s);
        if (p.exit_status != 0 && (out.exit_status == 0 || out.exit_status == 1)) {
            out.exit_status = p.exit_status;
            out.message = p.message;
        }
    }
    out.connect_span_us = connect_last - connect_first;
    for (auto& [t, s] : seconds) out.series.push_back(std::move(s));
    std::sort(out.publishers.begin(), out.publishers.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    std::sort(out.subscribers.begin(), out.subscribers.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    return out;
}

std::string series_csv(const report& r) {
    std::string out =
        "t_s,unix_s,connections,connects,connect_failures,sent_msg,acked_msg,received_msg,errors,latency_p50_us,"
        "latency_p99_us\n";
    std::int64_t first = r.series.empty() ? 0 : r.series.front().unix_s;
    for (const auto& s : r.series)
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", s.unix_s - first, s.unix_s, s.connections, s.connects,
                           s.connect_failures, s.sent, s.acked, s.received, s.errors, s.latency.percentile(50),
                           s.latency.percentile(99));
    return out;
}

std::string progress_line(const second_sample& s, double t_s) {
    return fmt::format("{:>5.0f}s  conn {:>6}  sent/s {:>9}  recv/s {:>9}  p99 {:>8}  err {}", t_s,
                       grouped(static_cast<std::uint64_t>(std::max<std::int64_t>(s.connections, 0))), grouped(s.sent),
                       grouped(s.received),
                       s.latency.count() ? human_us(static_cast<double>(s.latency.percentile(99))) : "-",
                       s.errors + s.connect_failures);
}

std::string summary_text(const report& r) {
    std::string out;
    double window = r.measure_duration_s();
    std::uint64_t failures = 0;
    for (const auto& [k, v] : r.connect_failures) failures += v;
    out += fmt::format("mqbench {}: {:.1f} s in {} process{}\n",
                       r.config.find("mode") ? r.config.find("mode")->as_string() : "run", r.duration_s(), r.processes,
                       r.processes == 1 ? "" : "es");
    out += fmt::format("  {:<22}{:>14}  {}\n", "connections", grouped(r.connects),
                       fmt::format("of {} attempted, {} failed, {} lost", grouped(r.connect_attempts),
                                   grouped(failures), grouped(r.connection_lost)));
    for (const auto& [k, v] : r.connect_failures) out += fmt::format("    failed: {} x {}\n", grouped(v), k);
    if (r.connect_span_us > 0)
        out += fmt::format(
            "  {:<22}{:>14}\n", "connect rate",
            grouped_rate(rate(static_cast<double>(r.connects), static_cast<double>(r.connect_span_us) / 1e6)) +
                " conn/s");
    if (r.connects > 0 && r.rss_delta_bytes > 0)
        out += fmt::format(
            "  {:<22}{:>14}  (resident memory growth / connections)\n", "memory per connection",
            fmt::format("{:.1f} KiB", static_cast<double>(r.rss_delta_bytes) / static_cast<double>(r.connects) / 1024));
    auto line = [&](const char* what, std::uint64_t n) {
        out += fmt::format("  {:<22}{:>14}  {} msg/s\n", what, grouped(n),
                           grouped_rate(rate(static_cast<double>(n), window)));
    };
    if (r.sent || !r.publishers.empty()) {
        line("sent", r.sent);
        line("acked", r.acked);
        if (r.publish_failures) out += fmt::format("  {:<22}{:>14}\n", "publish failures", grouped(r.publish_failures));
        if (r.target_rate > 0)
            out += fmt::format("  {:<22}{:>14}  msg/s\n", "target rate", grouped_rate(r.target_rate));
    }
    if (r.received || !r.subscribers.empty()) {
        line("received", r.received);
        if (r.retained_received)
            out += fmt::format("  {:<22}{:>14}\n", "retained received", grouped(r.retained_received));
        if (r.foreign_received) out += fmt::format("  {:<22}{:>14}\n", "not from mqbench", grouped(r.foreign_received));
    }
    for (const auto& [q, f] : r.loss())
        out += fmt::format("  {:<22}{:>14}  expected {}, duplicated {}, out of order {}\n",
                           fmt::format("lost (QoS {})", q), grouped(f.lost), grouped(f.expected), grouped(f.duplicated),
                           grouped(f.out_of_order));
    for (const auto& [k, v] : r.errors) out += fmt::format("  error: {} x {}\n", grouped(v), k);
    out += fmt::format("\n  {:<22}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>12}\n", "latency", "min", "p50", "p90", "p99",
                       "p99.9", "max", "samples");
    auto lat = [&](const char* what, const histogram& h) {
        if (!h.count()) return;
        auto f = [](std::uint64_t v) { return human_us(static_cast<double>(v)); };
        out += fmt::format("  {:<22}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}{:>12}\n", what, f(h.min()), f(h.percentile(50)),
                           f(h.percentile(90)), f(h.percentile(99)), f(h.percentile(99.9)), f(h.max()),
                           grouped(h.count()));
    };
    lat("end to end", r.e2e_latency);
    lat("publish -> ack", r.ack_latency);
    lat("connect", r.connect_latency);
    return out;
}

std::string histogram_text(const histogram& h, std::string_view title, int width) {
    if (h.count() == 0) return {};
    // Twelve rows between the smallest and largest value, spaced evenly on a log scale.
    constexpr int rows = 12;
    double lo = std::max<double>(1, static_cast<double>(h.min()));
    double hi = std::max<double>(lo + 1, static_cast<double>(h.max()) + 1);
    double step = std::pow(hi / lo, 1.0 / rows);
    std::vector<std::uint64_t> counts(rows, 0);
    for (auto [low, n] : h.buckets()) {
        double v = std::max<double>(1, static_cast<double>(low));
        int row = v <= lo ? 0 : static_cast<int>(std::log(v / lo) / std::log(step));
        counts[static_cast<std::size_t>(std::clamp(row, 0, rows - 1))] += n;
    }
    std::uint64_t most = *std::max_element(counts.begin(), counts.end());
    std::string out = fmt::format("  {} ({} samples)\n", title, grouped(h.count()));
    for (int i = 0; i < rows; ++i) {
        double from = lo * std::pow(step, i);
        auto bar = static_cast<int>(
            std::llround(static_cast<double>(counts[static_cast<std::size_t>(i)]) / static_cast<double>(most) * width));
        if (counts[static_cast<std::size_t>(i)] && bar == 0) bar = 1;
        out += fmt::format("  {:>11} | {:<{}} {}\n", ">= " + human_us(from),
                           std::string(static_cast<std::size_t>(bar), '#'), width,
                           grouped(counts[static_cast<std::size_t>(i)]));
    }
    return out;
}

namespace {

std::string svg_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else if (c == '&')
            out += "&amp;";
        else if (c == '"')
            out += "&quot;";
        else
            out += c;
    }
    return out;
}

// One line chart: x = seconds, several series sharing one y axis, drawn into a box at (x0, y0).
void svg_chart(std::string& out, double x0, double y0, double w, double h, std::string_view title,
               std::string_view unit, const std::vector<std::pair<std::string, std::vector<double>>>& lines,
               const char* const* colours) {
    double ymax = 0;
    std::size_t n = 0;
    for (const auto& [name, v] : lines) {
        n = std::max(n, v.size());
        for (double x : v) ymax = std::max(ymax, x);
    }
    if (ymax <= 0) ymax = 1;
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\">{}</text>\n", x0, y0 - 8,
                       svg_escape(title));
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n", x0, y0,
                       w, h);
    for (int i = 0; i <= 4; ++i) {
        double y = y0 + h - h * i / 4;
        out +=
            fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#eee\"/>\n", x0, y, x0 + w, y);
        double value = ymax * i / 4;
        std::string label = unit == "us" ? human_us(value) : grouped_rate(value);
        out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n", x0 - 4,
                           y + 4, svg_escape(label));
    }
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">seconds (0-{})</text>\n",
                       x0 + w / 2, y0 + h + 16, n ? n - 1 : 0);
    for (std::size_t k = 0; k < lines.size(); ++k) {
        const auto& [name, v] = lines[k];
        std::string points;
        for (std::size_t i = 0; i < v.size(); ++i) {
            double x = x0 + (n > 1 ? w * static_cast<double>(i) / static_cast<double>(n - 1) : w / 2);
            double y = y0 + h - h * v[i] / ymax;
            points += fmt::format("{:.1f},{:.1f} ", x, y);
        }
        out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", colours[k],
                           points);
        out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{}\">{}</text>\n", x0 + w + 8,
                           y0 + 14 + 16 * static_cast<double>(k), colours[k], svg_escape(name));
    }
}

}  // namespace

std::string plot_svg(const report& r) {
    static const char* const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
    constexpr double width = 900, chart_w = 700, chart_h = 200, left = 80;
    std::vector<double> sent, received, p50, p99;
    for (const auto& s : r.series) {
        sent.push_back(static_cast<double>(s.sent));
        received.push_back(static_cast<double>(s.received));
        p50.push_back(static_cast<double>(s.latency.percentile(50)));
        p99.push_back(static_cast<double>(s.latency.percentile(99)));
    }
    const histogram& h = r.e2e_latency.count()   ? r.e2e_latency
                         : r.ack_latency.count() ? r.ack_latency
                                                 : r.connect_latency;
    const char* h_title = r.e2e_latency.count()   ? "end-to-end latency distribution"
                          : r.ack_latency.count() ? "publish -> ack latency distribution"
                                                  : "connect latency distribution";
    double height = 3 * (chart_h + 70) + 40;
    std::string out = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\">\n"
        "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        width, height);
    out += fmt::format("<text x=\"{}\" y=\"22\" font-size=\"16\">{}</text>\n", left,
                       svg_escape(fmt::format("mqbench {}: {:.1f} s, {} sent, {} received",
                                              r.config.find("mode") ? r.config.find("mode")->as_string() : "run",
                                              r.duration_s(), grouped(r.sent), grouped(r.received))));
    double y = 60;
    svg_chart(out, left, y, chart_w, chart_h, "messages per second", "msg/s",
              {{"sent/s", sent}, {"received/s", received}}, colours);
    y += chart_h + 70;
    svg_chart(out, left, y, chart_w, chart_h, "latency per second", "us", {{"p50", p50}, {"p99", p99}}, colours + 2);
    y += chart_h + 70;
    // Distribution: one bar per histogram bucket group, on a log-spaced x axis.
    out +=
        fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\">{}</text>\n", left, y - 8, h_title);
    out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n", left, y,
                       chart_w, chart_h);
    if (h.count()) {
        constexpr int bars = 40;
        double lo = std::max<double>(1, static_cast<double>(h.min()));
        double hi = std::max<double>(lo * 1.01, static_cast<double>(h.max()) + 1);
        double step = std::pow(hi / lo, 1.0 / bars);
        std::vector<double> counts(bars, 0);
        for (auto [low, n] : h.buckets()) {
            double v = std::max<double>(1, static_cast<double>(low));
            int b = v <= lo ? 0 : static_cast<int>(std::log(v / lo) / std::log(step));
            counts[static_cast<std::size_t>(std::clamp(b, 0, bars - 1))] += static_cast<double>(n);
        }
        double most = *std::max_element(counts.begin(), counts.end());
        double bw = chart_w / bars;
        for (int b = 0; b < bars; ++b) {
            double bh = chart_h * counts[static_cast<std::size_t>(b)] / most;
            out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>\n",
                               left + b * bw + 1, y + chart_h - bh, bw - 2, bh, colours[0]);
        }
        for (int b = 0; b <= bars; b += 10)
            out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
                               left + b * bw, y + chart_h + 16, svg_escape(human_us(lo * std::pow(step, b))));
        const std::pair<const char*, std::uint64_t> marks[] = {
            {"p50", h.percentile(50)}, {"p99", h.percentile(99)}, {"p99.9", h.percentile(99.9)}, {"max", h.max()}};
        for (std::size_t m = 0; m < std::size(marks); ++m)
            out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\">{} {}</text>\n", left + chart_w + 8,
                               y + 14 + 16 * static_cast<double>(m), marks[m].first,
                               human_us(static_cast<double>(marks[m].second)));
    }
    out += "</svg>\n";
    return out;
}

}  // namespace mqkit::bench

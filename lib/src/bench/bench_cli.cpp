// mqbench's command line: the scenario word, then flags from mqbench_spec(), to a checked bench_config.
#include "bench/bench.hpp"

#include "cli/parser.hpp"
#include "mqkit/error.hpp"
#include "mqkit/topic.hpp"

#include <fmt/format.h>

namespace mqkit::bench {

using namespace mqkit::detail;

namespace {

std::optional<mode> mode_of(std::string_view word) {
    if (word == "conn") return mode::conn;
    if (word == "pub") return mode::pub;
    if (word == "sub") return mode::sub;
    if (word == "pubsub") return mode::pubsub;
    if (word == "merge") return mode::merge;
    return std::nullopt;
}

// `merge` takes report files as words among its flags; split them off before tokenizing.
std::vector<std::string> take_files(const tool_spec& spec, const std::vector<std::string>& args,
                                    std::vector<std::string>& files) {
    std::vector<std::string> flags;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() < 2 || a[0] != '-') {
            files.push_back(a);
            continue;
        }
        flags.push_back(a);
        const flag* f = nullptr;
        if (a[1] == '-' && a.find('=') == std::string::npos)
            f = spec.find(std::string_view(a).substr(2));
        else if (a[1] != '-' && a.size() == 2)
            f = spec.find_short(a[1]);
        if (f && f->kind != value_kind::none && i + 1 < args.size()) flags.push_back(args[++i]);
    }
    return flags;
}

double seconds_flag(const raw_args& raw, std::string_view name, double fallback) {
    const auto* v = raw.last(name);
    return v ? parse_number(*v, 0, 31536000, fmt::format("--{}", name)) : fallback;
}

long count_flag(const raw_args& raw, const tool_spec& spec, std::string_view name, long min, long max, long fallback) {
    const auto* v = raw.last(name);
    return v ? static_cast<long>(parse_integer(*v, min, max, flag_label(spec, name))) : fallback;
}

}  // namespace

json bench_config::to_json() const {
    json j = json::object();
    auto num = [](double v) { return json::number(v); };
    j.add("mode", json::string(std::string(mode_name(kind))));
    j.add("host", json::string(conn.host));
    j.add("port", num(conn.port));
    j.add("mqtt_version", num(static_cast<int>(conn.version)));
    j.add("tls", json::boolean(conn.tls.enabled));
    j.add("username", conn.username ? json::string(*conn.username) : json());
    j.add("clients", num(static_cast<double>(clients)));
    j.add("subscribers", num(kind == mode::pubsub ? static_cast<double>(subscribers) : 0));
    j.add("qos", num(qos));
    j.add("size_bytes", num(static_cast<double>(size)));
    j.add("retain", json::boolean(retain));
    j.add("topic", json::string(topic));
    j.add("filter", json::string(filter));
    j.add("count_per_client", num(static_cast<double>(count)));
    j.add("duration_s", num(duration));
    j.add("rate_msg_per_s", num(rate));
    j.add("interval_ms", num(interval_ms));
    j.add("connect_rate_conn_per_s", num(connect_rate));
    j.add("ramp_up_s", num(ramp_up));
    j.add("warmup_s", num(warmup));
    j.add("drain_s", num(drain));
    j.add("inflight", num(static_cast<double>(inflight)));
    j.add("nodelay", json::boolean(nodelay));
    j.add("workers", num(static_cast<double>(workers)));
    j.add("worker_index", num(static_cast<double>(worker_index)));
    j.add("worker_count", num(static_cast<double>(worker_count)));
    j.add("prefix", json::string(prefix));
    return j;
}

namespace {

/// The connection flags, less what mqbench's clients do not do.
void parse_connection(bench_config& c, const tool_spec& spec, const raw_args& raw, env_lookup env,
                      const process_identity& who) {
    std::optional<broker_url> url;
    // mqbench's table leaves out what its lean clients (mqkit/lean_client.hpp) do not do:
    // WebSockets, --tls-alpn, --tls-use-os-certs, will, -D.
    c.conn = build_connection(spec, raw, env, who, url);
    if (c.conn.proxy.rfind("socks", 0) == 0)
        throw usage_error("--proxy: mqbench tunnels through HTTP CONNECT proxies only (http://...)");
    c.prefix = raw.last("prefix") ? *raw.last("prefix") : fmt::format("mqbench-{}", who.pid);
    if (c.prefix.empty()) throw usage_error("--prefix: empty client id prefix");
}

/// -c, --subscribers, -q, -s, -r.
void parse_clients(bench_config& c, const tool_spec& spec, const raw_args& raw) {
    c.clients = count_flag(raw, spec, "clients", 1, 1000000, 10);
    c.subscribers = count_flag(raw, spec, "subscribers", 1, 1000000, 1);
    if (raw.has("subscribers") && c.kind != mode::pubsub)
        throw usage_error("--subscribers is for pubsub; in sub mode -c is the number of subscribers");
    if (const auto* q = raw.last("qos")) c.qos = parse_qos(*q, "-q/--qos");
    c.size = count_flag(raw, spec, "size", 0, 268435455L, 256);
    if (c.kind == mode::pubsub && c.size < static_cast<long>(payload_stamp_size))
        throw usage_error(
            fmt::format("-s/--size: pubsub needs at least {} bytes for the publisher, sequence "
                        "number and send time",
                        payload_stamp_size));
    c.retain = raw.has("retain");
}

/// -t and --filter: templates whose expansions must be valid topics (sub: filters).
void parse_topics(bench_config& c, const raw_args& raw) {
    if (const auto* t = raw.last("topic")) c.topic = *t;
    if (auto why = template_problem(c.topic); !why.empty())
        throw usage_error(fmt::format("-t/--topic: '{}': {}", c.topic, why));
    const std::string sample = expand_template(c.topic, 0, c.prefix + "-p0");
    if (c.kind == mode::sub) {
        if (!raw.has("topic"))
            c.topic = default_filter(c.topic);
        else if (auto why = topic_filter_problem(sample); !why.empty())
            throw usage_error(fmt::format("-t/--topic: invalid topic filter '{}': {}", c.topic, why));
    } else if (auto why = topic_name_problem(sample); !why.empty()) {
        throw usage_error(fmt::format("-t/--topic: invalid topic '{}': {}", c.topic, why));
    }
    c.filter = raw.last("filter") ? *raw.last("filter") : default_filter(c.topic);
    if (raw.has("filter") && c.kind != mode::pubsub) throw usage_error("--filter is for pubsub (sub mode takes -t)");
    if (auto why = template_problem(c.filter); !why.empty())
        throw usage_error(fmt::format("--filter: '{}': {}", c.filter, why));
    if (auto why = topic_filter_problem(expand_template(c.filter, 0, c.prefix + "-s0")); !why.empty())
        throw usage_error(fmt::format("--filter: invalid topic filter '{}': {}", c.filter, why));
}

/// -n, --duration, -I, --rate, --connect-rate, --ramp-up, --warmup, --drain, --inflight, --nagle.
void parse_pacing(bench_config& c, const tool_spec& spec, const raw_args& raw) {
    c.count = count_flag(raw, spec, "count", 0, std::numeric_limits<long>::max(), 0);
    c.duration = seconds_flag(raw, "duration", 0);
    if ((c.kind == mode::pub || c.kind == mode::pubsub) && c.count == 0 && c.duration == 0) c.duration = 10;
    if (raw.has("interval") && raw.has("rate"))
        throw usage_error("-I/--interval and --rate both set the publish rate: give one");
    if (const auto* v = raw.last("interval")) {
        c.interval_ms = parse_number(*v, 0.001, 86400000, "-I/--interval");
        c.rate = static_cast<double>(c.clients) * 1000.0 / c.interval_ms;
    }
    if (const auto* v = raw.last("rate")) c.rate = parse_number(*v, 0, 1e9, "--rate");
    if (const auto* v = raw.last("connect-rate")) c.connect_rate = parse_number(*v, 0, 1e9, "--connect-rate");
    if (c.kind == mode::conn && raw.has("rate")) c.connect_rate = c.rate;
    c.ramp_up = seconds_flag(raw, "ramp-up", 0);
    if (c.ramp_up > 0 && c.rate <= 0) throw usage_error("--ramp-up needs a rate to rise to: give --rate or -I");
    c.warmup = seconds_flag(raw, "warmup", 0);
    c.drain = seconds_flag(raw, "drain", 10);
    c.inflight = count_flag(raw, spec, "inflight", 1, 65535, 64);
    c.nodelay = !raw.has("nagle");
}

/// --workers, --worker-count, --worker-index, --worker-pipe.
void parse_workers(bench_config& c, const tool_spec& spec, const raw_args& raw) {
    c.workers = count_flag(raw, spec, "workers", 1, 256, 0);
    c.worker_count = count_flag(raw, spec, "worker-count", 1, 1000000, 1);
    c.worker_index = count_flag(raw, spec, "worker-index", 0, 999999, 0);
    if (c.worker_index >= c.worker_count)
        throw usage_error(
            fmt::format("--worker-index: {} is not below --worker-count {}", c.worker_index, c.worker_count));
    c.worker_pipe = raw.has("worker-pipe");
    if (c.worker_pipe) c.workers = 1;
}

}  // namespace

parse_result<bench_config> parse_bench(const std::vector<std::string>& args, env_lookup env,
                                       const process_identity& who) {
    const tool_spec& spec = mqbench_spec();
    parse_result<bench_config> result;
    bench_config& c = result.config;
    c.args = args;
    std::vector<std::string> rest = args;
    if (!rest.empty() && !rest.front().empty() && rest.front()[0] != '-') {
        auto m = mode_of(rest.front());
        if (!m)
            throw usage_error(fmt::format("unknown scenario '{}'", rest.front()),
                              "use pubsub, pub, sub, conn or merge as the first word");
        c.kind = *m;
        rest.erase(rest.begin());
    }
    if (c.kind == mode::merge) rest = take_files(spec, rest, c.merge_files);
    raw_args raw = tokenize(spec, rest);
    result.action = early_action(raw);
    if (result.action != cli_action::run) return result;

    if (const auto* v = raw.last("json")) c.json_file = *v;
    if (const auto* v = raw.last("csv")) c.csv_file = *v;
    if (const auto* v = raw.last("plot")) c.plot_file = *v;
    c.no_progress = raw.has("no-progress");
    if (c.kind == mode::merge) {
        if (c.merge_files.empty()) throw usage_error("merge: no report files given", "mqbench merge a.json b.json ...");
        return result;
    }
    parse_connection(c, spec, raw, env, who);
    parse_clients(c, spec, raw);
    parse_topics(c, raw);
    parse_pacing(c, spec, raw);
    parse_workers(c, spec, raw);
    return result;
}

}  // namespace mqkit::bench

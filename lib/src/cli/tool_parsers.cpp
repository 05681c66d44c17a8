// Each tool's parser on top of the shared building blocks (cli/parser.hpp): mqpub, mqsub and mqrr.
// Every flag's value is checked first, in the table's terms; what flags need of each other (a topic,
// a message) comes after, so a bad value is reported before a missing flag, as mosquitto does.
#include "mqkit/cli.hpp"

#include "cli/parser.hpp"
#include "core/stats.hpp"
#include "core/template.hpp"
#include "mqkit/error.hpp"
#include "mqkit/topic.hpp"

#include <fmt/format.h>

#include <limits>

namespace mqkit {

using namespace detail;

namespace {

/// mosquitto's clients send receive-maximum 20 under MQTT v5 (libmosquitto's window).
constexpr std::uint16_t default_receive_maximum = 20;

/// The message source flags (-m -f -l -s -n) a tool has, and the one given.
struct message_choice {
    pub_source source = pub_source::message;
    std::string message;  ///< -m
    std::string file;     ///< -f
    bool given = false;
};

message_choice message_source(const tool_spec& spec, const raw_args& raw) {
    static constexpr std::pair<std::string_view, pub_source> sources[] = {{"message", pub_source::message},
                                                                          {"file", pub_source::file},
                                                                          {"stdin-line", pub_source::stdin_line},
                                                                          {"stdin-file", pub_source::stdin_file},
                                                                          {"null-message", pub_source::null_message}};
    message_choice out;
    std::string names;  // "-m, -f, -s, -n"
    int count = 0;
    for (const auto& [name, source] : sources) {
        const flag* f = spec.find(name);
        if (!f) continue;
        names += fmt::format("{}-{}", names.empty() ? "" : ", ", f->short_name);
        auto it = raw.values.find(name);
        if (it == raw.values.end()) continue;
        if (it->second.size() > 1)
            throw usage_error(fmt::format("{} given more than once; {} sends one kind of message at a time",
                                          display_name(*f), spec.name));
        out.source = source;
        if (source == pub_source::message) out.message = it->second.back();
        if (source == pub_source::file) out.file = it->second.back();
        ++count;
    }
    if (count > 1) throw usage_error(fmt::format("give only one of {}: each is a different message source", names));
    out.given = count == 1;
    return out;
}

/// One -t (or the -L URL's topic): a topic to publish to, checked. Empty if neither was given.
std::string publish_topic(const tool_spec& spec, const raw_args& raw, const std::optional<broker_url>& url,
                          std::string_view name, std::string_view what) {
    std::string topic = url && name == "topic" ? url->topic : std::string{};
    auto it = raw.values.find(name);
    if (it != raw.values.end()) {
        if (it->second.size() > 1)
            throw usage_error(fmt::format("{} given more than once; {} {}", flag_label(spec, name), spec.name, what));
        topic = it->second.back();
    }
    if (it != raw.values.end() || !topic.empty()) {
        if (auto why = topic_name_problem(topic); !why.empty())
            throw usage_error(fmt::format("{}: {}", flag_label(spec, name), invalid_topic("topic", topic, why)));
    }
    return topic;
}

/// --retain-handling always|new|never (MQTT v5 only).
retain_handling parse_retain_handling(const raw_args& raw, const connection_config& conn) {
    const std::string* v = raw.last("retain-handling");
    if (!v)
        return raw.has("no-stale") && conn.version == mqtt_version::v5 ? retain_handling::never
                                                                       : retain_handling::always;
    retain_handling out = retain_handling::always;
    if (*v == "new")
        out = retain_handling::new_only;
    else if (*v == "never")
        out = retain_handling::never;
    else if (*v != "always")
        throw usage_error(fmt::format("--retain-handling: unknown value '{}' (use always, new or never)", *v));
    if (conn.version != mqtt_version::v5)
        throw usage_error("--retain-handling is MQTT v5 only", "add -V 5 (MQTT 3.x brokers always send them)");
    return out;
}

/// -v -N -F --pretty.
output_options parse_output(const raw_args& raw) {
    output_options out;
    out.verbose = raw.has("verbose");
    out.eol = !raw.has("no-eol");
    out.pretty = raw.has("pretty");
    if (const auto* f = raw.last("format")) {
        validate_format(*f);
        out.format = *f;
    }
    return out;
}

int parse_max_inflight(const raw_args& raw) {
    const auto* m = raw.last("max-inflight");
    return m ? static_cast<int>(parse_integer(*m, 1, 65535, "-M/--max-inflight")) : 20;
}

// mqpub's own flags besides the topic and the message source.
void pub_values(const raw_args& raw, pub_config& c) {
    if (const auto* q = raw.last("qos")) c.qos = parse_qos(*q, "-q/--qos");
    c.retain = raw.has("retain");
    c.max_inflight = parse_max_inflight(raw);
    c.topic_per_line = raw.has("topic-per-line");
    if (const auto* r = raw.last("repeat"))
        c.repeat = static_cast<long>(parse_integer(*r, 0, std::numeric_limits<int>::max(), "--repeat"));
    if (const auto* d = raw.last("repeat-delay"))
        c.repeat_delay = parse_number(*d, 0.0, 86400.0 * 365, "--repeat-delay");
    c.use_template = raw.has("template");
    if (const auto* s = raw.last("seed"))
        c.seed = static_cast<std::uint64_t>(parse_integer(*s, 0, std::numeric_limits<std::int64_t>::max(), "--seed"));
    if (const auto* w = raw.last("max-reconnect-wait"))
        c.max_reconnect_wait = static_cast<int>(parse_integer(*w, 1, 3600, "--max-reconnect-wait"));
    if (const auto* t = raw.last("reconnect-timeout"))
        c.reconnect_timeout = static_cast<int>(parse_integer(*t, 0, 86400, "--reconnect-timeout"));
}

// What mqpub's flags need of each other.
void pub_rules(const raw_args& raw, bool source_given, pub_config& c) {
    if (c.topic_per_line) {
        if (c.source != pub_source::stdin_line || !source_given)
            throw usage_error("--topic-per-line needs -l: it reads 'topic payload' lines from standard input");
        if (!c.topic.empty()) throw usage_error("--topic-per-line takes each line's topic: leave out -t");
    } else if (c.topic.empty() && !raw.has("topic")) {
        throw usage_error(raw.has("url") ? "no topic: the -L URL has none; give -t <topic> or mqtt://host/topic"
                                         : "no topic: give -t <topic> (or -L mqtt://host/topic)");
    }
    if (!source_given) throw usage_error("no message: give one of -m <message>, -f <file>, -l, -s or -n");
    if (raw.has("repeat") && c.source == pub_source::stdin_line) throw usage_error("--repeat cannot be used with -l");
    if (c.seed && !c.use_template) throw usage_error("--seed needs --template: only templates draw random values");
    if (c.use_template) {
        if (c.source == pub_source::null_message)
            throw usage_error("--template needs a payload: -m, -f, -s or -l (-n sends an empty message)");
        if (c.source == pub_source::message) payload_template::parse(c.message);  // refuse it now, not at run time
    }
}

// mqsub's flags besides the filters and the output.
void sub_values(const tool_spec& spec, const raw_args& raw, sub_config& c) {
    if (const auto* q = raw.last("qos")) c.qos = parse_qos(*q, "-q/--qos");
    if (const auto* v = raw.last("count"))
        c.count = static_cast<long>(parse_integer(*v, 1, std::numeric_limits<long>::max(), "-C/--count"));
    if (const auto* v = raw.last("timeout"))
        c.timeout = static_cast<long>(parse_integer(*v, 1, 31536000L, "-W/--timeout"));
    c.no_stale = raw.has("no-stale");
    c.exit_after_sub = raw.has("exit-after-sub");
    c.retained_only = raw.has("retained-only");
    c.remove_retained = raw.has("remove-retained");
    c.retain_as_published = raw.has("retain-as-published");
    c.retained = parse_retain_handling(raw, c.conn);
    c.max_inflight = parse_max_inflight(raw);
    c.message_rate = raw.has("message-rate");
    c.watch = raw.has("watch");
    if (const auto* v = raw.last("random-filter")) c.random_filter = parse_number(*v, 0.1, 100.0, "--random-filter");
    auto filters = [&](std::string_view name, std::vector<std::string>& into) {
        auto it = raw.values.find(name);
        if (it == raw.values.end()) return;
        for (const auto& f : it->second) {
            if (auto why = topic_filter_problem(f); !why.empty())
                throw usage_error(fmt::format("{}: {}", flag_label(spec, name), invalid_topic("topic filter", f, why)));
            into.push_back(f);
        }
    };
    filters("topic", c.topics);
    filters("filter-out", c.filter_out);
    filters("unsubscribe", c.unsubscribe);
    c.output = parse_output(raw);
}

// --stats and its settings.
void sub_stats(const tool_spec& spec, const raw_args& raw, sub_config& c) {
    stats_options& st = c.stats;
    st.enabled = raw.has("stats");
    for (const char* name : {"field", "window", "interval"})
        if (!st.enabled && raw.has(name)) throw usage_error(fmt::format("--{} needs --stats", name));
    if (!st.enabled) return;
    for (const char* name : {"verbose", "no-eol", "format", "pretty", "debug", "watch", "message-rate"})
        if (raw.has(name))
            throw usage_error(fmt::format("{} cannot be used with --stats: the statistics replace the message output",
                                          flag_label(spec, name)));
    if (const auto* f = raw.last("field")) {
        if (auto why = stats_field_problem(*f); !why.empty())
            throw usage_error(fmt::format("--field: invalid path '{}': {}", *f, why));
        st.field = *f;
    }
    if (const auto* w = raw.last("window")) {
        st.window = parse_number(*w, 0.0, 86400.0, "--window");
        if (st.window <= 0)
            throw usage_error(fmt::format("--window: {} is out of range (more than 0, at most 86400)", *w));
    }
    if (const auto* i = raw.last("interval")) st.interval = parse_number(*i, 0.1, 3600.0, "--interval");
}

// What mqsub's flags need of each other.
void sub_rules(const raw_args& raw, sub_config& c) {
    if (c.topics.empty() && c.unsubscribe.empty())
        throw usage_error(raw.has("url") ? "no topic: the -L URL has none; give -t <filter> or mqtt://host/filter"
                                         : "no topic: give -t <filter> to subscribe to, or -U <filter> to "
                                           "unsubscribe from (or -L mqtt://host/filter)");
    if (c.retained_only && c.no_stale)
        throw usage_error(
            "--retained-only and -R/--no-stale contradict each other: one prints only retained "
            "messages, the other none");
    if (c.retain_as_published && c.conn.version != mqtt_version::v5)
        throw usage_error("--retain-as-published needs MQTT v5 (-V 5)");
    if (c.conn.version == mqtt_version::v5 && !c.conn.receive_maximum) {
        c.conn.receive_maximum = default_receive_maximum;
        if (c.count > 0 && c.count < default_receive_maximum)
            c.conn.receive_maximum = static_cast<std::uint16_t>(c.count);
    }
}

// mqrr's flags besides the topics and the message source.
void rr_values(const tool_spec& spec, const raw_args& raw, rr_config& c) {
    if (const auto* q = raw.last("qos")) c.qos = parse_qos(*q, "-q/--qos");
    if (const auto* v = raw.last("timeout"))
        c.timeout = static_cast<long>(parse_integer(*v, 1, 31536000L, flag_label(spec, "timeout")));
    c.latency = raw.has("latency");
    c.no_stale = raw.has("no-stale");
    c.retain_as_published = raw.has("retain-as-published");
    c.retained = parse_retain_handling(raw, c.conn);
    c.max_inflight = parse_max_inflight(raw);
    c.output = parse_output(raw);
}

// What mqrr's flags need of each other.
void rr_rules(bool source_given, rr_config& c) {
    if (c.topic.empty()) throw usage_error("no request topic: give -t <topic>");
    if (c.response_topic.empty())
        throw usage_error("no response topic: give -e <topic>", "mqrr prints the first message that arrives there");
    if (!source_given) throw usage_error("no request: give one of -m <message>, -f <file>, -s or -n");
    if (c.retain_as_published && c.conn.version != mqtt_version::v5)
        throw usage_error("--retain-as-published needs MQTT v5 (-V 5)");
    for (const auto& p : c.conn.properties)
        if (p.command == "publish" && p.identifier == "response-topic")
            throw usage_error("-D publish response-topic: mqrr sends -e as the request's response topic",
                              "leave out the -D");
    if (c.conn.version == mqtt_version::v5 && !c.conn.receive_maximum) c.conn.receive_maximum = 1;  // one response
}

}  // namespace

parse_result<pub_config> parse_pub(const std::vector<std::string>& args, env_lookup env, const process_identity& who) {
    const tool_spec& spec = mqpub_spec();
    raw_args raw = tokenize(spec, args);
    parse_result<pub_config> result;
    result.action = early_action(raw);
    if (result.action != cli_action::run) return result;

    std::optional<broker_url> url;
    pub_config& c = result.config;
    c.conn = build_connection(spec, raw, env, who, url, connection_defaults{});
    result.warnings = connection_warnings(c.conn);
    c.topic = publish_topic(spec, raw, url, "topic", "publishes to one topic");
    message_choice m = message_source(spec, raw);
    c.source = m.source;
    c.message = std::move(m.message);
    c.file = std::move(m.file);
    pub_values(raw, c);
    pub_rules(raw, m.given, c);
    if (c.conn.version == mqtt_version::v5 && !c.conn.receive_maximum) c.conn.receive_maximum = default_receive_maximum;
    // A stream at QoS 1/2 resumes its session after a reconnect: that needs a client id of its own.
    const bool stream = c.source == pub_source::stdin_line || c.repeat != 1;
    if (c.conn.client_id.empty() && stream && c.qos > 0 && c.reconnect_timeout > 0)
        c.conn.client_id = default_client_id(spec.name, who);
    return result;
}

parse_result<sub_config> parse_sub(const std::vector<std::string>& args, env_lookup env, const process_identity& who) {
    const tool_spec& spec = mqsub_spec();
    raw_args raw = tokenize(spec, args);
    parse_result<sub_config> result;
    result.action = early_action(raw);
    if (result.action != cli_action::run) return result;

    std::optional<broker_url> url;
    sub_config& c = result.config;
    c.conn = build_connection(spec, raw, env, who, url, connection_defaults{});
    result.warnings = connection_warnings(c.conn);
    if (url && !url->topic.empty()) {
        if (auto why = topic_filter_problem(url->topic); !why.empty())
            throw usage_error("-L/--url: " + invalid_topic("topic filter", url->topic, why));
        c.topics.push_back(url->topic);
    }
    sub_values(spec, raw, c);
    sub_stats(spec, raw, c);
    sub_rules(raw, c);
    return result;
}

parse_result<rr_config> parse_rr(const std::vector<std::string>& args, env_lookup env, const process_identity& who) {
    const tool_spec& spec = mqrr_spec();
    raw_args raw = tokenize(spec, args);
    parse_result<rr_config> result;
    result.action = early_action(raw);
    if (result.action != cli_action::run) return result;

    std::optional<broker_url> url;
    rr_config& c = result.config;
    c.conn = build_connection(spec, raw, env, who, url, connection_defaults{mqtt_version::v5, true});
    result.warnings = connection_warnings(c.conn);
    c.topic = publish_topic(spec, raw, url, "topic", "sends one request");
    c.response_topic = publish_topic(spec, raw, std::nullopt, "response-topic", "waits on one response topic");
    message_choice m = message_source(spec, raw);
    c.source = m.source;
    c.message = std::move(m.message);
    c.file = std::move(m.file);
    rr_values(spec, raw, c);
    rr_rules(m.given, c);
    return result;
}

}  // namespace mqkit

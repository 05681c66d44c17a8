// tspub's argument parser: argv (name=value words, -1..-8, --field N VALUE, --confirm[=S], flags) and env ->
// tspub_config.
#include "thingspeak/device.hpp"
#include "thingspeak/thingspeak.hpp"

#include "cli/parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace mqkit {
namespace {

using namespace thingspeak;

error usage(const std::string& message, std::string hint = {}) {
    return tspub_error(tspub_exit::usage, message, std::move(hint));
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/// argv split into what the shared tokenizer understands and what it does not: name=value words,
/// -N VALUE (kept in order with the words; a VALUE may start with '-', e.g. a negative reading),
/// --field N VALUE (two words) and --confirm[=SECONDS] (an optional value, which the tokenizer
/// cannot express).
struct split_args {
    std::vector<std::string> flags;
    update values;
    std::vector<std::pair<std::string, std::string>> singles;  // --field N VALUE
    std::optional<std::string> stray;                          // the first word without '='
    std::optional<std::string> confirm;                        // --confirm: "" or its =SECONDS
};

class splitter {
public:
    splitter(const tool_spec& spec, const std::vector<std::string>& args) : spec_(spec), args_(args) {}

    split_args run() {
        bool words_only = false;
        for (i_ = 0; i_ < args_.size(); ++i_) {
            const std::string& a = args_[i_];
            if (words_only || a.empty() || a[0] != '-' || a == "-")
                word(a);
            else if (a == "--")
                words_only = true;
            else if (!special_flag(a))
                pass_flag(a);
        }
        return std::move(out_);
    }

private:
    std::string next(const std::string& flag_shown, std::string_view what) {
        if (i_ + 1 >= args_.size()) throw usage(fmt::format("{}: missing argument <{}>", flag_shown, what));
        return args_[++i_];
    }

    void word(const std::string& a) {
        auto eq = a.find('=');
        if (eq != std::string::npos)
            out_.values.push_back({a.substr(0, eq), a.substr(eq + 1)});
        else if (!out_.stray)
            out_.stray = a;  // reported after the flags: an unknown flag explains it better
    }

    // --field N VALUE, -1 VALUE, --field1 VALUE, --field1=VALUE, --confirm[=S]; false for others.
    bool special_flag(const std::string& a) {
        if (a == "--confirm" || a.rfind("--confirm=", 0) == 0) {
            out_.confirm = a.size() > 9 ? a.substr(10) : std::string();
            return true;
        }
        if (a == "--field" || a.rfind("--field=", 0) == 0) {
            std::string n = a == "--field" ? next("--field", "N") : a.substr(8);
            std::string value = next("--field", "value");
            out_.singles.emplace_back(std::move(n), std::move(value));
            return true;
        }
        bool short_field = a.size() >= 2 && a[1] != '-' && is_digit(a[1]);
        bool long_field =
            a.size() >= 8 && a.rfind("--field", 0) == 0 && is_digit(a[7]) && (a.size() == 8 || a[8] == '=');
        if (!short_field && !long_field) return false;
        char digit = short_field ? a[1] : a[7];
        std::string shown = short_field ? std::string(a, 0, 2) : std::string(a, 0, 8);
        if (short_field && a.size() > 2)
            throw usage(fmt::format("'{}': put a space between -{} and its value", a, digit),
                        fmt::format("e.g. -{} {}", digit, a.substr(2)));
        int n = parse_field_number(std::string(1, digit), shown);
        std::string value = long_field && a.size() > 8 ? a.substr(9) : next(shown, "value");
        out_.values.push_back({fmt::format("field{}", n), std::move(value)});
        return true;
    }

    // Any other flag, with its value word if it takes one.
    void pass_flag(const std::string& a) {
        out_.flags.push_back(a);
        if (a.rfind("--", 0) == 0) {
            if (a.find('=') != std::string::npos) return;
            const flag* f = spec_.find(std::string_view(a).substr(2));
            if (f && f->kind != value_kind::none && i_ + 1 < args_.size()) out_.flags.push_back(args_[++i_]);
            return;
        }
        for (std::size_t k = 1; k < a.size(); ++k) {
            const flag* f = spec_.find_short(a[k]);
            if (!f || f->kind == value_kind::none) continue;
            if (k + 1 == a.size() && i_ + 1 < args_.size()) out_.flags.push_back(args_[++i_]);
            break;  // the rest of the group is this flag's value
        }
    }

    const tool_spec& spec_;
    const std::vector<std::string>& args_;
    std::size_t i_ = 0;
    split_args out_;
};

void refuse_qos(const detail::raw_args& raw) {
    const auto* q = raw.last("qos");
    if (!q || *q == "0") return;
    if (*q == "1" || *q == "2")
        throw usage(fmt::format("-q/--qos {}: ThingSpeak supports only QoS 0 (it never acknowledges QoS 1 or 2)", *q),
                    "leave out -q; tspub publishes at QoS 0");
    throw usage(fmt::format("-q/--qos: invalid QoS '{}' (ThingSpeak supports only 0)", *q));
}

/// The update's values: the ordered ones from split(), plus any -N the tokenizer saw inside a
/// group like -d1; or --field N VALUE; or --stdin. Exactly one of them.
void parse_values(split_args& parts, const detail::raw_args& raw, tspub_config& c) {
    c.values = std::move(parts.values);
    for (int n = 1; n <= 8; ++n) {
        std::string name = fmt::format("field{}", n);
        auto it = raw.values.find(name);
        if (it != raw.values.end())
            for (const auto& v : it->second) c.values.push_back({name, v});
    }
    c.from_stdin = raw.has("stdin");
    if (parts.singles.size() > 1) throw usage("--field given more than once; it publishes one value alone");
    if (!parts.singles.empty()) {
        if (!c.values.empty() || c.from_stdin)
            throw usage("--field publishes one value alone; it cannot be combined with name=value, -1..-8 or --stdin");
        c.single_field = parse_field_number(parts.singles[0].first, "--field");
        c.single_value = parts.singles[0].second;
        check_value(fmt::format("field{}", c.single_field), c.single_value);
    } else if (c.from_stdin) {
        if (!c.values.empty())
            throw usage("--stdin reads the values from standard input; give no name=value or -1..-8 values as well");
    } else {
        if (c.values.empty())
            throw usage(
                "no values: give name=value arguments (e.g. field1=23.5), -1..-8 VALUE, --field N VALUE or "
                "--stdin");
        check_update(c.values);
    }
}

void parse_legacy_key(const detail::raw_args& raw, env_lookup env, tspub_config& c) {
    std::optional<std::string> key = non_empty_flag(tspub_spec(), raw, "legacy-api-key", "key");
    if (!key) key = env_value(env, "THINGSPEAK_API_KEY");
    if (!key) return;
    bool plain = std::all_of(key->begin(), key->end(), [](unsigned char ch) { return std::isalnum(ch); });
    if (!plain) throw usage("--legacy-api-key: a write API key has only letters and digits");
    c.legacy_key = key;
}

/// --confirm[=S], --spool DIR, --list, -v and how they go with the rest.
void parse_cron_options(const split_args& parts, const detail::raw_args& raw, tspub_config& c) {
    if (parts.confirm) {
        c.confirm = parts.confirm->empty() ? default_confirm_seconds
                                           : detail::parse_number(*parts.confirm, 1.0, 3600.0, "--confirm");
        if (c.legacy_key)
            throw usage("--confirm needs a ThingSpeak MQTT device (mqtt3); it cannot be used with the legacy API key",
                        "leave out --legacy-api-key (and THINGSPEAK_API_KEY)");
    }
    if (auto d = non_empty_flag(tspub_spec(), raw, "spool", "directory")) c.spool_dir = *d;
    c.list = raw.has("list");
    c.verbose = raw.has("verbose");
    if (c.list && c.spool_dir.empty()) throw usage("--list shows what waits in a spool: give --spool DIR");
    if (!c.spool_dir.empty() && c.legacy_key)
        throw usage("--spool cannot be used with the legacy API key", "leave out --legacy-api-key");
}

parse_result<tspub_config> parse(const std::vector<std::string>& args, env_lookup env, const process_identity& who) {
    const tool_spec& spec = tspub_spec();
    split_args parts = splitter(spec, args).run();
    detail::raw_args raw = detail::tokenize(spec, parts.flags);
    parse_result<tspub_config> result;
    result.action = detail::early_action(raw);
    if (result.action != cli_action::run) return result;
    if (parts.stray)
        throw usage(fmt::format("unexpected argument '{}'", *parts.stray), "values are name=value, e.g. field1=23.5");
    tspub_config& c = result.config;
    result.warnings = parse_device(spec, raw, env, who, c);
    refuse_qos(raw);
    parse_legacy_key(raw, env, c);
    parse_cron_options(parts, raw, c);
    if (auto ch = parse_channel(raw, env)) c.channel = *ch;
    if (c.list) {
        if (!parts.values.empty() || !parts.singles.empty() || raw.has("stdin"))
            throw usage("--list shows the spool and sends nothing: give it no values");
        return result;
    }
    if (c.channel.empty()) throw usage("no channel: give --channel ID or set THINGSPEAK_CHANNEL_ID");
    parse_values(parts, raw, c);
    if (const auto* m = raw.last("min-interval"))
        c.min_interval = detail::parse_number(*m, 0.0, 86400.0, "--min-interval");
    c.wait = raw.has("wait");
    c.dry_run = raw.has("dry-run");
    c.state_dir = state_directory(env);
    return result;
}

}  // namespace

parse_result<tspub_config> parse_tspub(const std::vector<std::string>& args, env_lookup env,
                                       const process_identity& who) {
    return thingspeak::with_usage_status([&] { return parse(args, env, who); });
}

}  // namespace mqkit

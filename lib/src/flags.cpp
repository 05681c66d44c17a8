// The flag tables of mqpub and mqsub, and the --help text rendered from them.
#include "mqkit/flags.hpp"

#include "flag_groups.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mqkit {
namespace detail {
namespace {

using vk = value_kind;

const std::vector<std::string_view> version_choices{"5", "311", "31", "mqttv5", "mqttv311", "mqttv31"};

}  // namespace

const std::vector<std::string_view>& qos_choices() {
    static const std::vector<std::string_view> choices{"0", "1", "2"};
    return choices;
}

flag_group connection_group() {
    return {"Connection",
            {
                {'h', "host", "host", vk::host, "broker host name or address (default: localhost)"},
                {'p', "port", "port", vk::integer, "broker port, 1-65535 (default: 1883)"},
                {'L', "url", "url", vk::url,
                 "connect to mqtt://[user[:password]@]host[:port]/topic instead of -h -p -u -P -t",
                 "The topic part may be empty for mqsub when -t is given. A password in the URL is "
                 "visible in the process list; prefer MQKIT_PASSWORD."},
                {'i', "id", "id", vk::text, "client id (default: <tool>|<pid>-<hostname>, at most 23 bytes)"},
                {'I', "id-prefix", "prefix", vk::text, "client id is <prefix><pid>"},
                {'k', "keepalive", "seconds", vk::integer, "keep-alive interval, 0-65535 (default: 60)",
                 "0 turns keep-alive off. Unlike mosquitto 2.0, values below 5 are accepted."},
                {'V', "protocol-version", "version", vk::choice,
                 "MQTT version: 5, 311 or 31 (also mqttv5, mqttv311, mqttv31; default: 311)", {},
                 version_choices},
                {'c', "disable-clean-session", "", vk::none,
                 "persistent session: the broker keeps subscriptions and queued messages (needs -i)"},
                {'x', "session-expiry-interval", "seconds", vk::text,
                 "MQTT v5 session expiry in seconds; -1 or inf: never (default: -1 with -c, else 0)"},
                {0, "unix", "path", vk::file, "connect through a unix domain socket", {}, {}, false, true},
                {'A', "bind-address", "address", vk::host, "bind the outgoing socket to this address", {}, {},
                 false, true},
                {0, "nodelay", "", vk::none, "disable Nagle's algorithm", {}, {}, false, true},
                {0, "proxy", "url", vk::url, "SOCKS5 proxy URL", {}, {}, false, true},
            }};
}

flag_group auth_group() {
    return {"Authentication",
            {
                {'u', "username", "user", vk::text, "user name (env: MQKIT_USERNAME)"},
                {'P', "pw", "password", vk::text,
                 "password (env: MQKIT_PASSWORD keeps it out of the process list)",
                 "A password given on the command line is overwritten in the process's argument list "
                 "once read, but it can still be seen briefly; MQKIT_PASSWORD avoids that."},
            }};
}

flag_group will_group() {
    return {"Will (last message the broker sends if this client dies)",
            {
                {0, "will-topic", "topic", vk::topic, "topic of the will message"},
                {0, "will-payload", "payload", vk::text, "payload of the will message (default: empty)"},
                {0, "will-qos", "qos", vk::choice, "QoS of the will message (default: 0)", {}, qos_choices()},
                {0, "will-retain", "", vk::none, "retain the will message"},
            }};
}

flag_group general_group() {
    return {"General",
            {
                {'D', "property", "command identifier value", vk::property,
                 "MQTT v5 property, e.g. -D publish user-property key value (repeatable)",
                 "command is one of connect, publish, subscribe, unsubscribe, disconnect, will. "
                 "identifier is a property name such as user-property (which takes a name and a "
                 "value), content-type, correlation-data, message-expiry-interval, "
                 "payload-format-indicator, response-topic, topic-alias, receive-maximum, "
                 "maximum-packet-size, topic-alias-maximum, request-problem-information, "
                 "request-response-information, session-expiry-interval, will-delay-interval, "
                 "subscription-identifier. Needs -V 5.",
                 {}, true},
                {'d', "debug", "", vk::none, "print each MQTT packet sent and received, as mosquitto -d does"},
                {0, "quiet", "", vk::none, "print no error messages"},
                {0, "help", "", vk::none, "show this help and exit"},
                {0, "version", "", vk::none, "show version information and exit"},
            }};
}

}  // namespace detail

namespace {

using vk = value_kind;
using detail::auth_group;
using detail::connection_group;
using detail::general_group;
using detail::qos_choices;
using detail::will_group;

tool_spec make_mqpub() {
    tool_spec s{
        "mqpub",
        "publish MQTT messages (a drop-in for mosquitto_pub)",
        "{-t topic | -L url} {-m message | -f file | -l | -s | -n} [options]",
        "mqpub connects to an MQTT broker, publishes one message (or one per line of standard input "
        "with -l) and disconnects once every message has been acknowledged. It takes the same flags "
        "as mosquitto_pub and prints the same -d trace.",
        {},
    };
    s.groups.push_back(
        {"Publishing",
         {
             {'t', "topic", "topic", vk::topic, "topic to publish to (no + or # wildcards)"},
             {'m', "message", "message", vk::text, "message payload"},
             {'f', "file", "file", vk::file, "send the contents of a file as the message"},
             {'l', "stdin-line", "", vk::none,
              "send each line of standard input as a message (blank lines are skipped)",
              "mqpub stays connected and publishes lines as they arrive, keeping up to -M messages in "
              "flight; at end of input it waits until every QoS 1/2 message is acknowledged. Unlike "
              "mosquitto_pub, blank lines are not sent (an empty retained message would delete the "
              "retained value)."},
             {'s', "stdin-file", "", vk::none, "send all of standard input as one message"},
             {'n', "null-message", "", vk::none, "send a zero-length message (with -r: clear the retained message)"},
             {'q', "qos", "qos", vk::choice, "quality of service: 0, 1 or 2 (default: 0)", {}, qos_choices()},
             {'r', "retain", "", vk::none, "ask the broker to retain the message"},
             {'M', "max-inflight", "count", vk::integer,
              "messages in flight at once with -l or --repeat, 1-65535 (default: 20)"},
             {0, "repeat", "count", vk::integer, "publish the message this many times (default: 1)"},
             {0, "repeat-delay", "seconds", vk::number, "seconds to wait between repeats (default: 0)"},
         }});
    s.groups.push_back(
        {"Reconnecting (with -l or --repeat)",
         {
             {0, "max-reconnect-wait", "seconds", vk::integer,
              "longest pause between reconnect attempts, 1-3600 (default: 30)",
              "After a lost link mqpub tries again after 1 s, then doubles the pause up to this many "
              "seconds."},
             {0, "reconnect-timeout", "seconds", vk::integer,
              "give up when the link stays down this long, 0-86400; 0: no reconnect (default: 60)",
              "While the link is down mqpub reads no more input. At QoS 1/2 it keeps its session on "
              "the broker, so messages not yet acknowledged are sent again after the reconnect; the "
              "session is deleted at the end unless -c was given. If the link does not come back in "
              "time, mqpub says how many messages were not acknowledged and exits 7. A single message "
              "(-m, -f, -s, -n without --repeat) never reconnects: it fails at once, as mosquitto_pub "
              "does."},
         }});
    s.groups.push_back(connection_group());
    s.groups.push_back(auth_group());
    s.groups.push_back(will_group());
    s.groups.push_back(general_group());
    return s;
}

tool_spec make_mqsub() {
    tool_spec s{
        "mqsub",
        "subscribe to MQTT topics and print messages (a drop-in for mosquitto_sub)",
        "{-t filter ... | -L url} [options]",
        "mqsub connects to an MQTT broker, subscribes to one or more topic filters and prints every "
        "message it receives, in the same format as mosquitto_sub. If the connection is lost it "
        "reconnects and subscribes again by itself.",
        {},
    };
    s.groups.push_back(
        {"Subscribing",
         {
             {'t', "topic", "filter", vk::topic, "topic filter to subscribe to; + and # allowed (repeatable)", {},
              {}, true},
             {'T', "filter-out", "filter", vk::topic, "do not print messages whose topic matches this filter (repeatable)",
              {}, {}, true},
             {'q', "qos", "qos", vk::choice, "maximum QoS of the subscription: 0, 1 or 2 (default: 0)", {},
              qos_choices()},
             {'C', "count", "count", vk::integer, "exit after printing this many messages"},
             {'W', "timeout", "seconds", vk::integer,
              "exit with status 27 if no message arrives within this many seconds"},
             {'R', "no-stale", "", vk::none, "do not print retained (stale) messages"},
             {'E', "exit-after-sub", "", vk::none, "exit once the subscriptions are acknowledged"},
             {'U', "unsubscribe", "filter", vk::topic, "unsubscribe from this filter (repeatable)", {}, {},
              true},
             {0, "retained-only", "", vk::none, "print only retained messages; exit at the first live one"},
             {0, "remove-retained", "", vk::none, "clear every retained message that is received"},
             {0, "retain-as-published", "", vk::none, "MQTT v5: keep the retain flag as published"},
         }});
    s.groups.push_back(
        {"Output",
         {
             {'v', "verbose", "", vk::none, "print \"topic payload\""},
             {'N', "no-eol", "", vk::none, "do not print a newline after each message"},
             {'F', "format", "format", vk::format,
              "output format: %t topic, %p payload, %q qos, %r retain, %l length, %m mid, %x hex, "
              "%I/%U time, %j/%J JSON, @ strftime",
              "The specifiers and escapes are those of mosquitto_sub's OUTPUT FORMAT: %% %t %p %q %r %l "
              "%m %x %X %I %U %j %J, the MQTT v5 ones %A %C %D %E %F %P %R %S, strftime via @, field "
              "width and precision, and the escapes \\\\ \\0 \\a \\e \\n \\r \\t \\v."},
             {0, "pretty", "", vk::none, "print %j/%J JSON over several lines"},
         }});
    s.groups.push_back(connection_group());
    s.groups.push_back(auth_group());
    s.groups.push_back(will_group());
    s.groups.push_back(general_group());
    return s;
}

}  // namespace

const flag* tool_spec::find(std::string_view long_name) const {
    for (const auto& g : groups)
        for (const auto& f : g.flags)
            if (f.name == long_name) return &f;
    return nullptr;
}

const flag* tool_spec::find_short(char short_name) const {
    for (const auto& g : groups)
        for (const auto& f : g.flags)
            if (short_name != 0 && f.short_name == short_name) return &f;
    return nullptr;
}

const tool_spec& mqpub_spec() {
    static const tool_spec spec = make_mqpub();
    return spec;
}

const tool_spec& mqsub_spec() {
    static const tool_spec spec = make_mqsub();
    return spec;
}

const std::vector<const tool_spec*>& all_tool_specs() {
    static const std::vector<const tool_spec*> specs{&mqpub_spec(), &mqsub_spec()};
    return specs;
}

std::string display_name(const flag& f) {
    if (f.short_name != 0) return fmt::format("-{}/--{}", f.short_name, f.name);
    return fmt::format("--{}", f.name);
}

std::string render_help(const tool_spec& spec) {
    std::string out = fmt::format("{} - {}\n\nUsage: {} {}\n", spec.name, spec.summary, spec.name, spec.usage);
    for (const auto& g : spec.groups) {
        out += fmt::format("\n{}:\n", g.title);
        for (const auto& f : g.flags) {
            if (f.unsupported) continue;
            std::string left = f.short_name != 0 ? fmt::format("  -{}, --{}", f.short_name, f.name)
                                                  : fmt::format("      --{}", f.name);
            if (!f.arg.empty()) left += fmt::format(" <{}>", f.arg);
            if (left.size() < 32)
                out += fmt::format("{:<32}{}\n", left, f.help);
            else
                out += fmt::format("{}\n{:<32}{}\n", left, "", f.help);
        }
    }
    out += fmt::format("\nExit status, environment and examples: man {}\n", spec.name);
    return out;
}

}  // namespace mqkit

// The flag tables of mqpub, mqsub, mqrr and mqbench, and the --help text rendered from them.
#include "mqkit/flags.hpp"

#include "cli/flag_groups.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>

namespace mqkit {
namespace detail {
namespace {

using vk = value_kind;

const std::vector<std::string_view> version_choices{"5", "311", "31", "mqttv5", "mqttv311", "mqttv31"};
const std::vector<std::string_view> keyform_choices{"pem", "engine"};
const std::vector<std::string_view> tls_version_choices{"tlsv1.3", "tlsv1.2", "tlsv1.1"};

}  // namespace

const std::vector<std::string_view>& retain_handling_choices() {
    static const std::vector<std::string_view> choices{"always", "new", "never"};
    return choices;
}

const std::vector<std::string_view>& qos_choices() {
    static const std::vector<std::string_view> choices{"0", "1", "2"};
    return choices;
}

flag_group connection_group() {
    return {
        "Connection",
        {
            {'h', "host", "host", vk::host, "broker host name or address (default: localhost)"},
            {'p', "port", "port", vk::integer, "broker port, 1-65535 (default: 1883)"},
            {'L', "url", "url", vk::url,
             "broker URL {mqtt,mqtts,ws,wss}://[user[:password]@]host[:port]/topic (instead of -h -p -t)",
             "The topic part may be empty for mqsub when -t is given. mqtts and wss use TLS, ws and wss "
             "WebSockets; the default port follows the scheme (1883, 8883, 80, 443). The path is the "
             "topic for every scheme, as in mosquitto; the WebSocket endpoint is --ws-path. A password "
             "in the URL is visible in the process list for a moment; prefer --pw-file or "
             "MQKIT_PASSWORD."},
            {'i', "id", "id", vk::text, "client id (default: none, the broker assigns one)",
             "Without -i or -I the CONNECT carries an empty client id and the broker assigns one, as with "
             "mosquitto's clients. mqkit picks <tool>|<pid>-<hostname> (at most 23 bytes) itself where an "
             "empty one cannot work: MQTT 3.1 (-V 31), and mqpub streams at QoS 1 or 2 that resume their "
             "session after a reconnect."},
            {'I', "id-prefix", "prefix", vk::text, "client id is <prefix><pid>"},
            {'k', "keepalive", "seconds", vk::integer, "keep-alive interval, 0-65535 (default: 60)",
             "0 turns keep-alive off. Unlike mosquitto (2.0 and 2.1), values below 5 are accepted."},
            {'V',
             "protocol-version",
             "version",
             vk::choice,
             "MQTT version: 5, 311 or 31 (also mqttv5, mqttv311, mqttv31; default: 311)",
             {},
             version_choices},
            {'c', "disable-clean-session", "", vk::none,
             "persistent session: the broker keeps subscriptions and queued messages (needs -i)"},
            {'x', "session-expiry-interval", "seconds", vk::text,
             "session expiry in seconds, -1 or inf: never; implies MQTT v5 (default: -1 with -c, else 0)",
             "As in mosquitto 2.1, -x switches to MQTT v5 (2.0 needed -V 5); so does -D. With -V 31 or -V 311 "
             "it is an error. 0 sends no session-expiry-interval property. An infinite expiry needs a client "
             "id (-i)."},
            {0, "ws", "", vk::none,
             "connect over WebSockets (as with -L ws:// or wss://; default port 80, 443 with TLS)"},
            {0, "ws-path", "path", vk::text, "HTTP path of the broker's WebSocket endpoint (default: /mqtt)",
             "The path of a -L ws:// URL is the topic, as for mqtt:// URLs, so the endpoint's path is "
             "given here. Needs --ws or a ws:// or wss:// URL."},
            {0, "proxy", "url", vk::url, "SOCKS5 or HTTP proxy: socks5h://[user[:password]@]host[:port] or http://...",
             "socks5h:// is mosquitto's SOCKS5 proxy (default port 1080; the proxy resolves the broker's name; "
             "%XX escapes in the user name and password, %40 for @); mqkit speaks SOCKS5 itself. http:// is an "
             "HTTP CONNECT proxy (default port 8080), which mosquitto has not, for every transport. The "
             "http_proxy and https_proxy environment variables are ignored, as by mosquitto's clients."},
            {0, "no-tls", "", vk::none,
             "no TLS, even with port 8883, mqtts:// or TLS options (e.g. from a config file)",
             "As in mosquitto 2.1: the TLS options are then left unused, and port 8883 or an mqtts:// or wss:// "
             "URL no longer turn TLS on."},
            {0, "unix", "path", vk::file, "connect through a unix domain socket", {}, {}, false, true},
            {'A', "bind-address", "address", vk::host, "bind the outgoing socket to this address", {}, {}, false, true},
            {0, "nodelay", "", vk::none, "disable Nagle's algorithm", {}, {}, false, true},
        }};
}

flag_group tls_group() {
    return {
        "TLS",
        {
            {0, "cafile", "file", vk::file, "trust the CA certificates in this PEM file; enables TLS",
             "Enables TLS; without -p the port becomes 8883 (443 with --ws)."},
            {0, "capath", "dir", vk::dir, "trust the CA certificates in this directory (openssl rehash); enables TLS"},
            {0, "cert", "file", vk::file, "client certificate (PEM) for brokers that require one; needs --key"},
            {0, "key", "file", vk::file, "private key (PEM) of --cert",
             "An encrypted key needs its passphrase from --key-pw-file or MQKIT_KEY_PASSWORD."},
            {0, "key-pw-file", "file", vk::file,
             "read the passphrase of --key from this file (env: MQKIT_KEY_PASSWORD)"},
            {0, "keyform", "form", vk::choice, "format of --key: pem (engine is not supported)", {}, keyform_choices},
            {0, "ciphers", "list", vk::text, "OpenSSL cipher list for TLS 1.2 (default: OpenSSL's)"},
            {0, "tls-version", "version", vk::choice,
             "oldest TLS version to accept: tlsv1.2, the default (tlsv1.3, tlsv1.1: not supported)",
             "Eclipse Paho with OpenSSL 3 negotiates TLS 1.3 when the broker offers it and refuses "
             "anything older than TLS 1.2; it cannot be made to refuse TLS 1.2.",
             tls_version_choices},
            {0, "tls-alpn", "protocol", vk::text, "ALPN protocol to ask the broker for"},
            {0, "insecure", "", vk::none, "do not verify the broker's certificate at all (chain and host name)",
             "As mosquitto 2.1 documents it (2.0 skipped only the host name check; 2.1.2 itself still checks "
             "the chain unless --tls-version or --ciphers is given too). The connection is encrypted but not "
             "authenticated: anyone who can redirect your traffic can impersonate the broker; mqkit prints "
             "a warning."},
            {0, "tls-keylog", "file", vk::file, "append the TLS session secrets to this file (for Wireshark)",
             "Each connection's secrets are appended in the NSS key log format (SSLKEYLOGFILE), so a capture "
             "of the traffic can be decrypted. The file holds what decrypts the session: keep it private. "
             "A file that cannot be opened for appending is an error (mosquitto 2.1 ignores it silently). Needs "
             "TLS. mqkit makes such a TLS connection itself, with OpenSSL, as it does for --psk."},
            {0, "tls-use-os-certs", "", vk::none,
             "trust the system's CA certificates (also with --cafile/--capath); enables TLS",
             "Implied by mqtts:// and wss:// URLs and by port 8883 when neither --cafile nor --capath "
             "is given."},
            {0, "psk", "key", vk::text, "TLS with this pre-shared key (hexadecimal) instead of certificates",
             "TLS-PSK, as mosquitto does it: TLS 1.2 with the PSK cipher suites (or --ciphers), no certificates "
             "(not with --cafile or --capath); needs --psk-identity. Without -p the port becomes 8883. mqkit "
             "makes this TLS connection itself, with OpenSSL (Paho MQTT C++ 1.2 cannot use a pre-shared key "
             "safely)."},
            {0, "psk-identity", "identity", vk::text, "the client's identity for --psk"},
            {0, "tls-engine", "engine", vk::text, "OpenSSL engine", {}, {}, false, true},
            {0, "tls-engine-kpass-sha1", "sha1", vk::text, "SHA1 of the engine key password", {}, {}, false, true},
        }};
}

flag_group auth_group() {
    return {"Authentication",
            {
                {'u', "username", "user", vk::text, "user name (env: MQKIT_USERNAME)"},
                {'P', "pw", "password", vk::text, "password (env: MQKIT_PASSWORD keeps it out of the process list)",
                 "A password given on the command line is overwritten in the process's argument list "
                 "once read, but it can still be seen briefly; --pw-file or MQKIT_PASSWORD avoid that."},
                {0, "pw-file", "file", vk::file, "read the password from the first line of this file",
                 "The file is read when connecting; one trailing newline is dropped. Cannot be combined "
                 "with -P."},
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
                {'D',
                 "property",
                 "command identifier value",
                 vk::property,
                 "MQTT v5 property, e.g. -D publish user-property key value (repeatable)",
                 "command is one of connect, publish, subscribe, unsubscribe, disconnect, will. "
                 "identifier is a property name such as user-property (which takes a name and a "
                 "value), content-type, correlation-data, message-expiry-interval, "
                 "payload-format-indicator, response-topic, topic-alias, receive-maximum, "
                 "maximum-packet-size, topic-alias-maximum, request-problem-information, "
                 "request-response-information, session-expiry-interval, will-delay-interval, "
                 "subscription-identifier. Needs -V 5.",
                 {},
                 true},
                {'d', "debug", "", vk::none, "print each MQTT packet sent and received, as mosquitto -d does"},
                {0, "quiet", "", vk::none, "print no error messages"},
                {'o', "options-file", "file", vk::file, "read options from this file instead of the config file",
                 "One option per line, as in the config file; they go before the command line's. With -o the "
                 "config file is not read. A file that cannot be read is an error (mosquitto 2.1 ignores it)."},
                {0, "no-config", "", vk::none, "do not read the config file ($XDG_CONFIG_HOME/<tool>)",
                 "Without it, each line of $XDG_CONFIG_HOME/<tool> (or ~/.config/<tool>; if that does not "
                 "exist, the file of the same place named after mosquitto's client, e.g. mosquitto_sub) is "
                 "read as options placed before the command line's, so the command line wins."},
                {0, "help", "", vk::none, "show this help and exit"},
                {0, "version", "", vk::none, "show version information and exit"},
            }};
}

std::vector<doc_entry> connack_exit_status() {
    return {
        {"1-5",
         "MQTT 3.x broker refused the connection: 4 bad user name or password, 5 not authorised (any "
         "other code a broker sends is the exit status too)"},
        {"128-162",
         "MQTT v5 broker's reason code: it refused the connection (134 bad user name or password, 135 not "
         "authorised), or (mqpub) a QoS 1/2 publish, or (mqpub, mqrr) sent DISCONNECT with it while messages "
         "or the response were outstanding"},
    };
}

doc_entry signal_exit_status() {
    return {"130, 143", "interrupted by SIGINT or SIGTERM, after a clean DISCONNECT"};
}

std::vector<doc_entry> auth_environment() {
    return {
        {"MQKIT_USERNAME", "user name when -u is not given"},
        {"MQKIT_PASSWORD", "password when -P is not given; keeps it out of the process list and shell history"},
    };
}

}  // namespace detail

namespace {

using vk = value_kind;
using detail::auth_environment;
using detail::auth_group;
using detail::connack_exit_status;
using detail::connection_group;
using detail::general_group;
using detail::qos_choices;
using detail::signal_exit_status;
using detail::tls_group;
using detail::will_group;

/// -R, --retain-as-published and --retain-handling: what mqsub and mqrr do with retained messages.
std::vector<flag> retained_flags() {
    return {
        {'R', "no-stale", "", vk::none, "ignore retained (stale) messages",
         "Under MQTT v5 the broker is also asked not to send them (retain handling never), as mosquitto's "
         "clients do, unless --retain-handling says otherwise."},
        {0, "retain-as-published", "", vk::none, "MQTT v5: keep the retain flag as published"},
        {0, "retain-handling", "when", vk::choice,
         "MQTT v5: retained messages at subscribe: always, new (only for a new subscription), never",
         "The subscription option of MQTT v5 (default: always). Under MQTT 3.x the broker always sends "
         "them, as with mosquitto's clients.",
         detail::retain_handling_choices()},
    };
}

/// -v -N -F --pretty: how mqsub and mqrr print a message.
flag_group output_group() {
    return {"Output",
            {
                {'v', "verbose", "", vk::none, "print \"topic payload\""},
                {'N', "no-eol", "", vk::none, "do not print a newline after each message"},
                {'F', "format", "format", vk::format,
                 "output format: %t topic, %p payload, %q qos, %r retain, %l length, %m mid, %x hex, "
                 "%I/%U time, %j/%J JSON, @ strftime",
                 "The sequences are those of mosquitto_sub 2.1; OUTPUT FORMAT below lists them all."},
                {0, "pretty", "", vk::none, "print %j/%J JSON over several lines"},
            }};
}

/// The entries of several lists, in order.
std::vector<doc_entry> join(std::initializer_list<std::vector<doc_entry>> parts) {
    std::vector<doc_entry> out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

tool_spec make_mqpub() {
    tool_spec s{
        "mqpub",
        "publish MQTT messages (a drop-in for mosquitto_pub)",
        "{-t topic | -L url} {-m message | -f file | -l | -s | -n} [options]\n"
        "       mqpub -l --topic-per-line [options]",
        "mqpub connects to an MQTT broker, publishes one message (or one per line of standard input "
        "with -l) and disconnects once every message has been acknowledged. It takes the same flags "
        "as mosquitto_pub of mosquitto 2.1.2, its reference, and prints the same -d trace; README's "
        "'Where mqkit differs' lists the deliberate differences.",
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
             {0, "topic-per-line", "", vk::none,
              "with -l: each line is 'topic payload', as mqsub -v prints it (replays a recording)",
              "The topic is everything before the first space, the payload everything after it (a line "
              "'topic (null)' or without a space sends an empty message, as mqsub -v prints one). So "
              "'mqsub -v -t \"lab/#\" > log' records a session and 'mqpub -l --topic-per-line < log' replays it; "
              "-q and -r apply to every line. A line whose topic is not a valid topic name stops mqpub (exit 1) "
              "after the lines before it. -t is not needed."},
             {'s', "stdin-file", "", vk::none, "send all of standard input as one message",
              "Empty input is an error, as with mosquitto_pub: it is more likely a broken pipeline than a wish to "
              "send nothing, and with -r an empty message would delete the retained value (-n sends one on "
              "purpose)."},
             {'n', "null-message", "", vk::none, "send a zero-length message (with -r: clear the retained message)"},
             {'q', "qos", "qos", vk::choice, "quality of service: 0, 1 or 2 (default: 0)", {}, qos_choices()},
             {'r', "retain", "", vk::none, "ask the broker to retain the message"},
             {'M', "max-inflight", "count", vk::integer,
              "messages in flight at once with -l or --repeat, 1-65535 (default: 20)"},
             {0, "repeat", "count", vk::integer, "publish the message this many times; 0: until Ctrl-C (default: 1)",
              "With 0, mqpub publishes until it receives SIGINT or SIGTERM, then waits for the "
              "acknowledgements, disconnects and exits 130 or 143."},
             {0, "repeat-delay", "seconds", vk::number, "seconds to wait between repeats (default: 0)"},
             {0, "template", "", vk::none,
              "fresh values per message: {rand:A:B} {randf:A:B:D} {seq} {time} {iso} {hostname}",
              "Each message gets fresh values: {rand:A:B} a whole number from A to B inclusive, "
              "{randf:A:B:D} a decimal number from A to B with D decimals (default 2), {seq} 1, 2, 3..., "
              "{time} unix seconds, {iso} UTC time in ISO 8601, {hostname} this host's name; {{ and }} are "
              "literal braces. Applies to -m, -f and -s, and with -l to each input line. A malformed "
              "template is refused with the byte position of the problem (for -l, the line stops mqpub "
              "with exit status 1). Without --template the payload is sent byte for byte."},
             {0, "seed", "number", vk::integer,
              "random seed for --template, for reproducible runs (default: a random seed)"},
         }});
    s.groups.push_back({"Reconnecting (with -l or --repeat)",
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
    s.groups.push_back(tls_group());
    s.groups.push_back(auth_group());
    s.groups.push_back(will_group());
    s.groups.push_back(general_group());
    s.exit_status = join({
        {{"0", "every message published (and acknowledged at QoS 1 and 2); also --help and --version"},
         {"1", "bad arguments, cannot resolve or connect to the broker, or any other error"}},
        connack_exit_status(),
        {{"2",
          "the broker broke the MQTT protocol: answered a QoS 2 PUBLISH with PUBACK, sent a malformed packet, "
          "a packet before CONNACK, ... (as mosquitto_pub)"},
         {"7",
          "the broker closed the connection before its CONNACK or did not send it within 10 s, or the "
          "connection was lost with messages not yet acknowledged"},
         signal_exit_status()},
    });
    s.environment = auth_environment();
    s.examples = {
        {"Publish one message to the broker on this machine (run the mqsub example first, in another terminal, "
         "to see it arrive):",
         "mqpub -t i/LOVE/Python -m \"Very well!\""},
        {"Publish at QoS 2 and watch the four-packet handshake (PUBLISH, PUBREC, PUBREL, PUBCOMP) with -d:",
         "mqpub -t i/LOVE/Python -m testing -q 2 -d"},
        {"Set a retained message, which the broker hands to every later subscriber, then clear it again:",
         "mqpub -t lab/led -m red -r\nmqpub -t lab/led -r -n"},
        {"Publish each line a program prints as its own message, every one acknowledged:",
         "sensor-script | mqpub -t lab/readings -l -q 1"},
        {"Authenticate without showing the password in the process list:",
         "MQKIT_PASSWORD=secret mqpub -u alice -t lab/led -m green"},
    };
    s.see_also = {"mosquitto_pub(1)", "mosquitto(8)", "mqtt(7)"};
    return s;
}

tool_spec make_mqsub() {
    tool_spec s{
        "mqsub",
        "subscribe to MQTT topics and print messages (a drop-in for mosquitto_sub)",
        "{-t filter ... | -U filter ... | -L url} [options]",
        "mqsub connects to an MQTT broker, subscribes to one or more topic filters and prints every "
        "message it receives, in the same format as mosquitto_sub of mosquitto 2.1.2, its reference. "
        "If the connection is lost it reconnects and subscribes again by itself.",
        {},
    };
    s.groups.push_back(
        {"Subscribing",
         {
             {'t',
              "topic",
              "filter",
              vk::topic,
              "topic filter to subscribe to; + and # allowed (repeatable)",
              {},
              {},
              true},
             {'T',
              "filter-out",
              "filter",
              vk::topic,
              "do not print messages whose topic matches this filter (repeatable)",
              {},
              {},
              true},
             {'q',
              "qos",
              "qos",
              vk::choice,
              "maximum QoS of the subscription: 0, 1 or 2 (default: 0)",
              {},
              qos_choices()},
             {'C', "count", "count", vk::integer, "exit after printing this many messages"},
             {'W', "timeout", "seconds", vk::integer,
              "stop after this many seconds with exit status 27, unless -C or -E ended it first",
              "As in mosquitto_sub, this is a limit on the whole run, not on the gap between messages. It "
              "counts from the connection, so a broker that never answers CONNECT or SUBSCRIBE cannot hold mqsub "
              "past it either."},
             {'E', "exit-after-sub", "", vk::none, "exit once the subscriptions are acknowledged"},
             {'U',
              "unsubscribe",
              "filter",
              vk::topic,
              "unsubscribe from this filter (repeatable)",
              "Each filter goes in its own UNSUBSCRIBE, after the subscriptions are acknowledged. Useful with a "
              "persistent session (-c and a fixed -i); without -t it only unsubscribes. Under MQTT v5 a broker's "
              "'no subscription existed' is not an error, and a refusal is a warning.",
              {},
              true},
             {0, "retained-only", "", vk::none, "print only retained messages; exit at the first live one"},
             {0, "remove-retained", "", vk::none, "clear every retained message that is received"},
             {'M', "max-inflight", "count", vk::integer, "accepted for mosquitto_sub's sake, 1-65535 (default: 20)",
              "mosquitto_sub's -M limits its own unacknowledged publishes (only --remove-retained makes any); "
              "mqsub checks the value and sends the clearing messages of --remove-retained without a limit."},
             {0, "random-filter", "percent", vk::number,
              "print only this percentage (0.1-100) of the messages, chosen at random",
              "Messages filtered out still count towards -C. mosquitto_sub (2.0 and 2.1.2) prints a tenth of "
              "the percentage it is given (a bug); mqkit prints the percentage asked for."},
         }});
    const std::vector<flag> retained = retained_flags();
    std::vector<flag>& subscribing = s.groups.back().flags;
    subscribing.insert(subscribing.begin() + 5, retained.begin(), retained.end());  // after -W
    s.groups.push_back(output_group());
    s.groups.back().flags.push_back({'w', "watch", "", vk::none,
                                     "on a terminal, print each topic's latest message on a line of its own",
                                     "The screen is cleared and each topic keeps its line, overwritten by its next "
                                     "message (mosquitto 2.1's --watch). When stdout is not a terminal (or TERM is "
                                     "dumb) the messages are printed as without -w."});
    s.groups.back().flags.push_back({0, "message-rate", "", vk::none,
                                     "print the number of messages received each second instead of the messages",
                                     "Every second one line 'N msgs/s' (every message counts, also those -R, -T or "
                                     "--random-filter leave out), until Ctrl-C or -W. The messages themselves, -C, "
                                     "-v, -F, -N and -w are left aside, as in mosquitto_sub 2.1."});
    s.groups.push_back(
        {"Statistics",
         {
             {0, "stats", "", vk::none,
              "live per-topic count, rate, last value, min/mean/max and trend instead of messages",
              "On a terminal the table is redrawn in place every --interval seconds; otherwise mqsub prints "
              "one line per topic and one 'all' line per refresh (the format is in README, 'The lab with "
              "mqkit'). Numeric payloads (a plain number, or the JSON field chosen with --field) feed "
              "min/mean/max over the --window; other payloads are counted only. -C and -W still apply."},
             {0, "field", "path", vk::text,
              "with --stats: the JSON field holding the value, e.g. temperature or sensor.temp"},
             {0, "window", "seconds", vk::number,
              "with --stats: rolling window for rate and min/mean/max (default: 60)"},
             {0, "interval", "seconds", vk::number, "with --stats: seconds between refreshes, 0.1-3600 (default: 1)"},
         }});
    s.groups.push_back(connection_group());
    s.groups.push_back(tls_group());
    s.groups.push_back(auth_group());
    s.groups.push_back(will_group());
    s.groups.push_back(general_group());
    s.exit_status = join({
        {{"0", "success; also --help, --version, and ending because the output pipe was closed"},
         {"1", "bad arguments, cannot connect to the broker, every subscription refused, or any other error"}},
        connack_exit_status(),
        {{"2",
          "the broker broke the MQTT protocol (a malformed packet, a SUBACK short of codes, ...): mqsub "
          "does not reconnect then (as mosquitto_sub)"},
         {"7", "the broker closed the connection before its CONNACK, or did not send it within 10 s"},
         {"27", "-W: no message arrived within the time limit (as mosquitto_sub)"},
         signal_exit_status()},
    });
    s.environment = auth_environment();
    s.examples = {
        {"Print every message published to a topic on the broker on this machine:", "mqsub -t i/LOVE/Python"},
        {"Subscribe at QoS 2 and watch each packet with -d:", "mqsub -t i/LOVE/Python -q 2 -d"},
        {"Print \"topic payload\" for every room's temperature:", "mqsub -t 'home/+/temp' -v"},
        {"Read the retained message of a topic and exit; after it has been cleared (mqpub -t lab/led -r -n), "
         "wait at most 5 seconds and exit with status 27:",
         "mqsub -t lab/led -C 1 -v\nmqsub -t lab/led -C 1 -W 5"},
        {"Timestamp every message below sensors/ except the debug ones:",
         "mqsub -t 'sensors/#' -T 'sensors/debug/#' -F '%I %t %p'"},
    };
    s.see_also = {"mosquitto_sub(1)", "mosquitto(8)", "mqtt(7)"};
    return s;
}

/// `g` with the help line of its flag `name` replaced (mqrr's -V has another default).
flag_group with_help(flag_group g, std::string_view name, std::string_view help) {
    for (auto& f : g.flags)
        if (f.name == name) f.help = help;
    return g;
}

tool_spec make_mqrr() {
    tool_spec s{
        "mqrr",
        "send an MQTT request and print the response (a drop-in for mosquitto_rr)",
        "-t topic -e response-topic {-m message | -f file | -s | -n} [options]",
        "mqrr subscribes to the response topic (-e), publishes one request to -t and prints the first "
        "message that arrives on the response topic, formatted as mqsub prints messages (-v, -N, -F), "
        "then disconnects. Under MQTT v5 (the default, as for mosquitto_rr) the request carries the "
        "response topic as its response-topic property, so a responder knows where to answer; "
        "correlation data is sent only when given with -D publish correlation-data, and the response is "
        "not matched against it: as with mosquitto_rr, the first message on the response topic is the "
        "response. Under MQTT 3.1.1 the responder must know the response topic by itself. The "
        "reference is mosquitto_rr of mosquitto 2.1.2.",
        {},
    };
    s.groups.push_back(
        {"Request and response",
         {
             {'t', "topic", "topic", vk::topic, "topic the request is published to (no + or # wildcards)"},
             {'e', "response-topic", "topic", vk::topic, "topic the response is expected on (no wildcards)",
              "mqrr subscribes to it before it publishes the request, so a response cannot be missed; under "
              "MQTT v5 it is also the request's response-topic property. A retained message on it counts as "
              "the response, unless -R."},
             {'m', "message", "message", vk::text, "request payload"},
             {'f', "file", "file", vk::file, "send the contents of a file as the request"},
             {'s', "stdin-file", "", vk::none, "send all of standard input as the request"},
             {'n', "null-message", "", vk::none, "send a zero-length request"},
             {'q',
              "qos",
              "qos",
              vk::choice,
              "QoS of the request and of the subscription: 0, 1 or 2 (default: 0)",
              {},
              qos_choices()},
             {'W', "timeout", "seconds", vk::integer,
              "give up after this many seconds without a response, with exit status 27",
              "Counted from the start of the connection, as mosquitto_rr counts it."},
             {0, "latency", "", vk::none, "print the time from sending the request to the response",
              "After the response, a line 'Latency: ...' on stdout: seconds and nanoseconds from 1 s on "
              "(Latency: 1.250000000), else ms, µs or ns (Latency: 26.190000µs), as mosquitto_rr prints it."},
             {'M', "max-inflight", "count", vk::integer, "accepted for mosquitto_rr's sake, 1-65535 (default: 20)"},
         }});
    for (const flag& f : retained_flags()) s.groups.back().flags.push_back(f);
    s.groups.push_back(output_group());
    s.groups.push_back(with_help(connection_group(), "protocol-version",
                                 "MQTT version: 5, 311 or 31 (also mqttv5, mqttv311, mqttv31; default: 5)"));
    s.groups.push_back(tls_group());
    s.groups.push_back(auth_group());
    s.groups.push_back(will_group());
    s.groups.push_back(general_group());
    s.exit_status = join({
        {{"0", "a response arrived and was printed; also --help and --version"},
         {"1", "bad arguments, cannot connect to the broker, the subscription to -e refused, or any other error"}},
        connack_exit_status(),
        {{"2", "the broker broke the MQTT protocol"},
         {"7", "the broker closed the connection before its CONNACK, or the connection was lost before the response"},
         {"27", "-W: no response within the time limit (as mosquitto_rr)"},
         signal_exit_status()},
    });
    s.environment = auth_environment();
    s.examples = {
        {"Ask a responder listening on lab/led/get for the LED's colour and print its answer:",
         "mqrr -t lab/led/get -e lab/led/colour -m ?"},
        {"The same, giving up after 5 seconds (exit status 27) and printing how long the answer took:",
         "mqrr -t lab/led/get -e lab/led/colour -m ? -W 5 --latency"},
        {"A responder for it, made of mqsub and mqpub (under MQTT v5 %R is the request's response topic):",
         "mqsub -V 5 -t lab/led/get -F %R | while read -r topic; do mqpub -t \"$topic\" -m red; done"},
    };
    s.see_also = {"mosquitto_rr(1)", "mosquitto(8)", "mqtt(7)"};
    return s;
}

// mqbench shares the connection and auth groups but not their flags whose letters it needs for
// emqtt-bench's meanings (-c clients, -I interval) or that make no sense for many clients.
flag_group without(flag_group g, std::initializer_list<std::string_view> names) {
    std::vector<flag> kept;
    for (auto& f : g.flags)
        if (std::find(names.begin(), names.end(), f.name) == names.end()) kept.push_back(f);
    g.flags = std::move(kept);
    return g;
}

tool_spec make_mqbench() {
    tool_spec s{
        "mqbench",
        "MQTT load generator: throughput, latency and loss of a broker",
        "[pubsub|pub|sub|conn] [options]\n       mqbench merge [--json file] report.json...",
        "mqbench opens many MQTT connections and measures what the broker does with them. The first "
        "word picks the scenario: pubsub (the default) runs publishers and subscribers together and "
        "reports end-to-end latency and lost, duplicated and out-of-order messages per QoS; pub runs "
        "publishers only (publish->ack latency at QoS 1/2); sub runs subscribers only; conn opens "
        "connections and reports connections/s, connect latency and memory per connection. Clients are "
        "spread over --workers processes; --worker-index/--worker-count split one run over many hosts, "
        "and 'mqbench merge' combines their --json reports. Unlike mosquitto's clients, -c is the number "
        "of clients and -I the publish interval (as in emqtt-bench); there is no -i, -L, -c "
        "(persistent session) or will.",
        {},
    };
    s.groups.push_back(
        {"Scenario",
         {
             {'c', "clients", "count", vk::integer,
              "connections (conn), publishers (pub, pubsub) or subscribers (sub), 1-1000000 (default: 10)"},
             {0, "subscribers", "count", vk::integer, "subscribers in pubsub, 1-1000000 (default: 1)"},
             {'q',
              "qos",
              "qos",
              vk::choice,
              "QoS of publishes and subscriptions: 0, 1 or 2 (default: 0)",
              {},
              qos_choices()},
             {'s', "size", "bytes", vk::integer, "payload size in bytes (default: 256; pubsub: at least 24)",
              "The first 24 bytes carry the publisher, a sequence number and the send time (pub mode adds "
              "them when -s is at least 24, so a separate 'mqbench sub' can measure latency)."},
             {'r', "retain", "", vk::none, "publish with the retain flag"},
             {'t', "topic", "template", vk::topic,
              "topic template, %i client index, %c client id (default: mqbench/%i; sub: the filter)"},
             {0, "filter", "template", vk::topic,
              "pubsub subscription filter, %i subscriber index (default: -t up to its first %, then #)"},
             {'n', "count", "count", vk::integer, "messages per publisher (sub: per subscriber); 0: no limit"},
             {0, "duration", "seconds", vk::number,
              "stop after this many seconds (pub/pubsub default: 10 when -n is not given)"},
             {'I', "interval", "ms", vk::number, "each publisher publishes every <ms> milliseconds"},
             {0, "rate", "per-second", vk::number,
              "total messages/s of all publishers (conn: connections/s; default: as fast as possible)"},
             {0, "connect-rate", "per-second", vk::number,
              "connections opened per second (default: as fast as possible)"},
             {0, "ramp-up", "seconds", vk::number, "raise the message rate linearly from 0 to --rate over this time"},
             {0, "warmup", "seconds", vk::number,
              "leave messages sent in the first seconds out of the latency figures"},
             {0, "drain", "seconds", vk::number,
              "after publishing, wait at most this long for acks and messages in flight (default: 10)"},
             {0, "inflight", "count", vk::integer, "unfinished publishes per publisher, 1-65535 (default: 64)"},
             {0, "nagle", "", vk::none, "keep Nagle's algorithm on client sockets (default: TCP_NODELAY)",
              "By default mqbench sets TCP_NODELAY on its sockets: with Nagle's algorithm a small QoS 0 "
              "publish waits for the broker's delayed ACK, adding milliseconds that are not the broker's."},
             {0, "prefix", "prefix", vk::text,
              "client id prefix: ids are <prefix>-<p|s|c><index> (default: mqbench-<pid>)"},
         }});
    s.groups.push_back(
        {"Scale",
         {
             {0, "workers", "count", vk::integer, "local worker processes, 1-256 (default: one per core)"},
             {0, "worker-index", "index", vk::integer, "this host's part of the clients, 0 to --worker-count - 1"},
             {0, "worker-count", "count", vk::integer, "number of hosts running the same command (default: 1)"},
             {0, "worker-pipe", "", vk::none, "internal: run as a local worker of a parent mqbench"},
         }});
    s.groups.push_back(
        {"Output",
         {
             {0, "json", "file", vk::file, "write the report (config, per-second series, totals, histograms) as JSON"},
             {0, "csv", "file", vk::file, "write the per-second series as CSV"},
             {0, "plot", "file", vk::file, "write a throughput and latency chart as SVG"},
             {0, "no-progress", "", vk::none, "no live progress line on a terminal"},
         }});
    s.groups.push_back(without(connection_group(), {"url", "id", "id-prefix", "disable-clean-session",
                                                    "session-expiry-interval", "ws", "ws-path", "nodelay", "no-tls"}));
    s.groups.push_back(without(tls_group(), {"tls-alpn", "tls-use-os-certs", "tls-keylog", "psk", "psk-identity"}));
    s.groups.push_back(auth_group());
    s.groups.push_back(without(general_group(), {"property", "debug", "options-file"}));
    s.exit_status = {
        {"0", "the run finished and nothing went wrong; also --help and --version"},
        {"1",
         "bad arguments, no connection at all (broker unreachable, refusing, or breaking the protocol before "
         "its CONNACK), fd limit too low"},
        {"2", "messages were lost at QoS 1 or 2 (at QoS 0 loss is reported but does not fail the run)"},
        {"3",
         "the run was degraded: connections failed or were lost (a protocol error too), publishes failed, a "
         "subscription was refused, or the rate asked for was not reached within 10%"},
        {"130", "interrupted by SIGINT (the partial report is still written)"},
        {"143", "terminated by SIGTERM (the partial report is still written)"},
    };
    s.environment = auth_environment();
    s.examples = {
        {"Ten publishers and one subscriber at QoS 1, 1,000 messages per second in all, for 10 seconds against the "
         "local broker, with a JSON report:",
         "mqbench pubsub -h 127.0.0.1 -c 10 -q 1 --rate 1000 --duration 10 --json run.json"},
        {"1,000 messages per second in total from 100 publishers of 256-byte payloads:",
         "mqbench pub -h 127.0.0.1 -c 100 --rate 1000 -s 256 --duration 30"},
        {"Open 5,000 idle connections at 500 per second and report the memory each costs:",
         "mqbench conn -h 127.0.0.1 -c 5000 --rate 500"},
        {"Run part 0 of 2 on this host and merge the parts' reports afterwards:",
         "mqbench pubsub -h 127.0.0.1 -c 100 --worker-index 0 --worker-count 2 --json part-0.json\n"
         "mqbench merge part-0.json part-1.json --json total.json"},
    };
    s.see_also = {"mosquitto(8)"};
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

const tool_spec& mqrr_spec() {
    static const tool_spec spec = make_mqrr();
    return spec;
}

const tool_spec& mqbench_spec() {
    static const tool_spec spec = make_mqbench();
    return spec;
}

const std::vector<const tool_spec*>& all_tool_specs() {
    static const std::vector<const tool_spec*> specs{&mqpub_spec(),   &mqsub_spec(), &mqrr_spec(),
                                                     &mqbench_spec(), &tspub_spec(), &tssub_spec()};
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
    if (!spec.exit_status.empty()) {
        std::size_t width = 0;
        for (const auto& e : spec.exit_status) width = std::max(width, e.name.size());
        out += "\nExit status:\n";
        for (const auto& e : spec.exit_status) out += fmt::format("  {:<{}}  {}\n", e.name, width, e.meaning);
    }
    if (!spec.environment.empty()) {
        std::string names;
        for (const auto& e : spec.environment) names += fmt::format("{}{}", names.empty() ? "" : ", ", e.name);
        out += fmt::format("\nEnvironment: {}\n", names);
    }
    out += fmt::format("\nThe full manual, with examples: man {}\n", spec.name);
    return out;
}

}  // namespace mqkit

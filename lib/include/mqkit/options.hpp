// Typed configuration of mqpub, mqsub and mqrr, produced by the command-line parser.
#pragma once

#include "mqkit/format.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mqkit {

/// MQTT protocol level as sent in CONNECT.
enum class mqtt_version { v31 = 3, v311 = 4, v5 = 5 };

/// One -D/--property: `command identifier value [value2]`, already checked against the MQTT v5
/// property table (name known, allowed for the command, value of the right type).
struct v5_property {
    std::string command;     ///< connect, publish, subscribe, unsubscribe, disconnect, will
    std::string identifier;  ///< e.g. "user-property", "content-type"
    std::string value;       ///< the value, or the name for user-property
    std::string value2;      ///< the value of a user-property, else empty
};

/// The will message the broker publishes if the client goes away without DISCONNECT.
struct will_config {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retain = false;
};

/// TLS as mosquitto's clients take it. Enabled by --cafile, --capath, --tls-use-os-certs, an
/// mqtts:// or wss:// URL, or port 8883 (then the system's CA store is trusted).
struct tls_config {
    bool enabled = false;           ///< use TLS at all
    std::string cafile;             ///< --cafile: PEM file of trusted CA certificates
    std::string capath;             ///< --capath: directory of hashed CA certificates
    std::string certfile;           ///< --cert: client certificate (PEM), with keyfile
    std::string keyfile;            ///< --key: client private key (PEM)
    std::string key_password;       ///< passphrase of keyfile (MQKIT_KEY_PASSWORD); never printed
    std::string key_password_file;  ///< --key-pw-file: file whose first line is the passphrase
    std::string ciphers;            ///< --ciphers: OpenSSL cipher list (TLS 1.2); empty = library default
    std::string version;            ///< --tls-version: empty or tlsv1.2 (the minimum either way)
    std::string alpn;               ///< --tls-alpn: protocol to negotiate; empty = none
    /// --insecure: do not verify the server's certificate at all (neither its chain nor its host
    /// name), as mosquitto 2.1 documents it
    bool insecure = false;
    bool use_os_certs = false;  ///< --tls-use-os-certs (or implied): trust the system CA store
    std::string keylog_file;    ///< --tls-keylog: append the TLS secrets (NSS key log format) here
    std::string psk;            ///< --psk: pre-shared key in hex (TLS-PSK instead of certificates)
    std::string psk_identity;   ///< --psk-identity: the client's PSK identity
};

/// How the MQTT packets travel.
enum class transport { tcp, websocket };

/// How to reach and log in to the broker; shared by all tools.
struct connection_config {
    std::string host = "localhost";             ///< broker host
    int port = 1883;                            ///< 1-65535
    transport transport_kind = transport::tcp;  ///< plain TCP, or WebSockets (ws:// / wss://)
    std::string ws_path = "/mqtt";              ///< HTTP path of the WebSocket endpoint
    tls_config tls;                             ///< TLS settings; tls.enabled = false for plain TCP/ws
    /// Empty (the broker assigns one, as mosquitto's clients do) unless -i or -I gave one, or the
    /// client needs a fixed one (MQTT 3.1; a session kept across reconnects).
    std::string client_id;
    bool clean_session = true;  ///< false with -c
    int keepalive = 60;         ///< seconds, 0-65535
    mqtt_version version = mqtt_version::v311;
    std::optional<std::uint32_t> session_expiry;  ///< v5 only; UINT32_MAX = never
    std::optional<std::string> username;
    std::optional<std::string> password;  ///< never printed
    std::string password_file;            ///< --pw-file: read at connect time; empty = none
    /// --proxy: http://[user:pass@]host:port or socks5h://[user[:pass]@]host[:port]; never printed
    std::string proxy;
    std::optional<will_config> will;
    std::vector<v5_property> properties;  ///< all -D, any command
    /// MQTT v5 CONNECT receive-maximum, unless -D connect receive-maximum gives one (mosquitto's
    /// clients send 20; mosquitto_sub -C N sends N below that, mosquitto_rr 1); unset: none.
    std::optional<std::uint16_t> receive_maximum;
    bool debug = false;  ///< -d
    bool quiet = false;  ///< --quiet

    /// Properties given with -D for one command ("connect", "publish", ...).
    std::vector<v5_property> properties_for(const std::string& command) const;
};

/// What a subscription does with the retained messages of the filters it matches (MQTT v5's
/// retain handling; mosquitto's --retain-handling always, new, never). Under MQTT 3.x: always.
enum class retain_handling { always = 0, new_only = 1, never = 2 };

/// Where mqpub's (and mqrr's) payload comes from.
enum class pub_source { message, file, stdin_line, stdin_file, null_message };

/// Everything mqpub needs to run.
struct pub_config {
    connection_config conn;
    std::string topic;
    pub_source source = pub_source::message;
    std::string message;  ///< -m text, or -f file contents (read at run time)
    std::string file;     ///< -f path
    int qos = 0;
    bool retain = false;
    int max_inflight = 20;              ///< -M, 1-65535
    bool topic_per_line = false;        ///< --topic-per-line: each -l line is "topic payload"
    long repeat = 1;                    ///< --repeat, >= 0; 0 = until interrupted (Ctrl-C)
    double repeat_delay = 0.0;          ///< --repeat-delay, seconds >= 0
    bool use_template = false;          ///< --template: the payload (or each -l line) is a payload_template
    std::optional<std::uint64_t> seed;  ///< --seed: fixed random seed for --template; unset = random
    /// --max-reconnect-wait: longest pause between reconnect attempts with -l/--repeat, 1-3600 s.
    int max_reconnect_wait = 30;
    /// --reconnect-timeout: with -l/--repeat, give up once the link has been down this many
    /// seconds, 0-86400; 0: do not reconnect (fail at the first lost link, like mosquitto_pub).
    int reconnect_timeout = 60;
};

/// mqsub --stats: a live per-topic summary instead of one line per message.
struct stats_options {
    bool enabled = false;   ///< --stats
    std::string field;      ///< --field: dotted JSON path of the value; empty = whole payload
    double window = 60.0;   ///< --window: rolling window in seconds, > 0
    double interval = 1.0;  ///< --interval: seconds between refreshes, 0.1-3600
};

/// Everything mqsub needs to run.
struct sub_config {
    connection_config conn;
    std::vector<std::string> topics;       ///< -t filters, at least one unless -U only
    std::vector<std::string> filter_out;   ///< -T
    std::vector<std::string> unsubscribe;  ///< -U
    int qos = 0;
    long count = 0;               ///< -C, 0 = unlimited
    std::optional<long> timeout;  ///< -W seconds
    bool no_stale = false;        ///< -R
    bool exit_after_sub = false;  ///< -E
    bool retained_only = false;
    bool remove_retained = false;
    bool retain_as_published = false;
    /// --retain-handling; -R alone makes it never (MQTT v5), as in mosquitto_sub.
    retain_handling retained = retain_handling::always;
    double random_filter = 100.0;  ///< --random-filter: percentage of messages printed, 0.1-100
    int max_inflight = 20;         ///< -M: unacknowledged publishes (--remove-retained), 1-65535
    bool message_rate = false;     ///< --message-rate: print "N msgs/s" every second instead of messages
    bool watch = false;            ///< -w/--watch: on a terminal, one fixed line per topic
    output_options output;
    stats_options stats;  ///< --stats and its settings
};

/// Everything mqrr needs to run: one request with a response topic, one response printed.
struct rr_config {
    connection_config conn;
    std::string topic;                        ///< -t: where the request goes
    std::string response_topic;               ///< -e: subscribed to, and the request's v5 response-topic
    pub_source source = pub_source::message;  ///< -m, -f, -s or -n (never -l)
    std::string message;                      ///< -m text
    std::string file;                         ///< -f path
    int qos = 0;                              ///< QoS of the request and of the subscription
    std::optional<long> timeout;              ///< -W seconds
    bool latency = false;                     ///< --latency: print the time from request to response
    bool no_stale = false;                    ///< -R: a retained message is not the response
    bool retain_as_published = false;
    retain_handling retained = retain_handling::always;  ///< --retain-handling (-R: never)
    int max_inflight = 20;                               ///< -M, accepted as mosquitto_rr does
    output_options output;
};

}  // namespace mqkit

// Every flag of every tool, from one table: a valid use that parses, and invalid uses that give
// the documented error line and exit status when the real tool runs. A flag added to a tool's
// table (lib/src/cli/flags.cpp, tspub_flags.cpp) without rows here fails the first test case.
#include "bench/bench.hpp"
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/flags.hpp"
#include "support/process.hpp"
#include "thingspeak/thingspeak.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

using namespace mqkit::test;
using args = std::vector<std::string>;

namespace {

struct flag_case {
    const char* tool;
    const char* flag;   ///< long name
    args valid;         ///< a use that parses (empty: none in this row, or the flag has none)
    args invalid;       ///< a use that does not
    int exit_code;      ///< what the tool exits with for `invalid`
    const char* error;  ///< everything it prints on stderr for `invalid`
};

// clang-format off
const std::vector<flag_case> cases = {
    {"mqpub", "topic", {"-m", "m", "--topic", "a/b"}, {"-m", "m", "--topic"}, 1, "mqpub: error: -t/--topic: missing argument <topic>\n"},
    {"mqpub", "topic", {}, {"-m", "m", "--topic", "a/#/b"}, 1, "mqpub: error: -t/--topic: invalid topic 'a/#/b': a topic to publish to cannot contain the wildcards + or #\n"},
    {"mqpub", "message", {"-t", "t", "--message", "abc"}, {"-t", "t", "--message"}, 1, "mqpub: error: -m/--message: missing argument <message>\n"},
    {"mqpub", "file", {"-t", "t", "--file", "/etc/hostname"}, {"-t", "t", "--file"}, 1, "mqpub: error: -f/--file: missing argument <file>\n"},
    {"mqpub", "stdin-line", {"-t", "t", "--stdin-line"}, {"-t", "t", "--stdin-line=1"}, 1, "mqpub: error: -l/--stdin-line takes no value (given '--stdin-line=1')\n"},
    {"mqpub", "stdin-file", {"-t", "t", "--stdin-file"}, {"-t", "t", "--stdin-file=1"}, 1, "mqpub: error: -s/--stdin-file takes no value (given '--stdin-file=1')\n"},
    {"mqpub", "null-message", {"-t", "t", "--null-message"}, {"-t", "t", "--null-message=1"}, 1, "mqpub: error: -n/--null-message takes no value (given '--null-message=1')\n"},
    {"mqpub", "qos", {"-t", "t", "-m", "m", "--qos", "1"}, {"-t", "t", "-m", "m", "--qos"}, 1, "mqpub: error: -q/--qos: missing argument <qos>\n"},
    {"mqpub", "qos", {}, {"-t", "t", "-m", "m", "--qos", "bogus"}, 1, "mqpub: error: -q/--qos: invalid QoS 'bogus' (use 0, 1 or 2)\n"},
    {"mqpub", "retain", {"-t", "t", "-m", "m", "--retain"}, {"-t", "t", "-m", "m", "--retain=1"}, 1, "mqpub: error: -r/--retain takes no value (given '--retain=1')\n"},
    {"mqpub", "max-inflight", {"-t", "t", "-m", "m", "--max-inflight", "5"}, {"-t", "t", "-m", "m", "--max-inflight"}, 1, "mqpub: error: -M/--max-inflight: missing argument <count>\n"},
    {"mqpub", "max-inflight", {}, {"-t", "t", "-m", "m", "--max-inflight", "abc"}, 1, "mqpub: error: -M/--max-inflight: 'abc' is not a whole number (1-65535)\n"},
    {"mqpub", "repeat", {"-t", "t", "-m", "m", "--repeat", "5"}, {"-t", "t", "-m", "m", "--repeat"}, 1, "mqpub: error: --repeat: missing argument <count>\n"},
    {"mqpub", "repeat", {}, {"-t", "t", "-m", "m", "--repeat", "abc"}, 1, "mqpub: error: --repeat: 'abc' is not a whole number (0-2147483647)\n"},
    {"mqpub", "repeat-delay", {"-t", "t", "-m", "m", "--repeat", "2", "--repeat-delay", "1.5"}, {"-t", "t", "-m", "m", "--repeat", "2", "--repeat-delay"}, 1, "mqpub: error: --repeat-delay: missing argument <seconds>\n"},
    {"mqpub", "repeat-delay", {}, {"-t", "t", "-m", "m", "--repeat", "2", "--repeat-delay", "abc"}, 1, "mqpub: error: --repeat-delay: 'abc' is not a number\n"},
    {"mqpub", "template", {"-t", "t", "-m", "m", "--template"}, {"-t", "t", "-m", "m", "--template=1"}, 1, "mqpub: error: --template takes no value (given '--template=1')\n"},
    {"mqpub", "seed", {"-t", "t", "-m", "m", "--template", "--seed", "5"}, {"-t", "t", "-m", "m", "--template", "--seed"}, 1, "mqpub: error: --seed: missing argument <number>\n"},
    {"mqpub", "seed", {}, {"-t", "t", "-m", "m", "--template", "--seed", "abc"}, 1, "mqpub: error: --seed: 'abc' is not a whole number (0-9223372036854775807)\n"},
    {"mqpub", "max-reconnect-wait", {"-t", "t", "-m", "m", "--max-reconnect-wait", "5"}, {"-t", "t", "-m", "m", "--max-reconnect-wait"}, 1, "mqpub: error: --max-reconnect-wait: missing argument <seconds>\n"},
    {"mqpub", "max-reconnect-wait", {}, {"-t", "t", "-m", "m", "--max-reconnect-wait", "abc"}, 1, "mqpub: error: --max-reconnect-wait: 'abc' is not a whole number (1-3600)\n"},
    {"mqpub", "reconnect-timeout", {"-t", "t", "-m", "m", "--reconnect-timeout", "5"}, {"-t", "t", "-m", "m", "--reconnect-timeout"}, 1, "mqpub: error: --reconnect-timeout: missing argument <seconds>\n"},
    {"mqpub", "reconnect-timeout", {}, {"-t", "t", "-m", "m", "--reconnect-timeout", "abc"}, 1, "mqpub: error: --reconnect-timeout: 'abc' is not a whole number (0-86400)\n"},
    {"mqpub", "host", {"-t", "t", "-m", "m", "--host", "localhost"}, {"-t", "t", "-m", "m", "--host"}, 1, "mqpub: error: -h/--host: missing argument <host>\n"},
    {"mqpub", "port", {"-t", "t", "-m", "m", "--port", "5"}, {"-t", "t", "-m", "m", "--port"}, 1, "mqpub: error: -p/--port: missing argument <port>\n"},
    {"mqpub", "port", {}, {"-t", "t", "-m", "m", "--port", "abc"}, 1, "mqpub: error: -p/--port: 'abc' is not a whole number (1-65535)\n"},
    {"mqpub", "url", {"-t", "t", "-m", "m", "--url", "mqtt://localhost/t"}, {"-t", "t", "-m", "m", "--url"}, 1, "mqpub: error: -L/--url: missing argument <url>\n"},
    {"mqpub", "url", {}, {"-t", "t", "-m", "m", "--url", "bogus"}, 1, "mqpub: error: -L: the value is not a URL of the form mqtt://[user[:password]@]host[:port]/topic\n"},
    {"mqpub", "id", {"-t", "t", "-m", "m", "--id", "abc"}, {"-t", "t", "-m", "m", "--id"}, 1, "mqpub: error: -i/--id: missing argument <id>\n"},
    {"mqpub", "id-prefix", {"-t", "t", "-m", "m", "--id-prefix", "abc"}, {"-t", "t", "-m", "m", "--id-prefix"}, 1, "mqpub: error: -I/--id-prefix: missing argument <prefix>\n"},
    {"mqpub", "keepalive", {"-t", "t", "-m", "m", "--keepalive", "5"}, {"-t", "t", "-m", "m", "--keepalive"}, 1, "mqpub: error: -k/--keepalive: missing argument <seconds>\n"},
    {"mqpub", "keepalive", {}, {"-t", "t", "-m", "m", "--keepalive", "abc"}, 1, "mqpub: error: -k/--keepalive: 'abc' is not a whole number (0-65535)\n"},
    {"mqpub", "protocol-version", {"-t", "t", "-m", "m", "--protocol-version", "5"}, {"-t", "t", "-m", "m", "--protocol-version"}, 1, "mqpub: error: -V/--protocol-version: missing argument <version>\n"},
    {"mqpub", "protocol-version", {}, {"-t", "t", "-m", "m", "--protocol-version", "bogus"}, 1, "mqpub: error: -V/--protocol-version: unknown protocol version 'bogus' (use 5, 311 or 31)\n"},
    {"mqpub", "disable-clean-session", {"-t", "t", "-m", "m", "-i", "c", "--disable-clean-session"}, {"-t", "t", "-m", "m", "-i", "c", "--disable-clean-session=1"}, 1, "mqpub: error: -c/--disable-clean-session takes no value (given '--disable-clean-session=1')\n"},
    {"mqpub", "session-expiry-interval", {"-t", "t", "-m", "m", "-V", "5", "--session-expiry-interval", "60"}, {"-t", "t", "-m", "m", "-V", "5", "--session-expiry-interval"}, 1, "mqpub: error: -x/--session-expiry-interval: missing argument <seconds>\n"},
    {"mqpub", "session-expiry-interval", {}, {"-t", "t", "-m", "m", "-V", "5", "--session-expiry-interval", "abc"}, 1, "mqpub: error: -x/--session-expiry-interval: 'abc' is not a whole number (0-4294967295)\n"},
    {"mqpub", "ws", {"-t", "t", "-m", "m", "--ws"}, {"-t", "t", "-m", "m", "--ws=1"}, 1, "mqpub: error: --ws takes no value (given '--ws=1')\n"},
    {"mqpub", "ws-path", {"-t", "t", "-m", "m", "--ws", "--ws-path", "/mqtt"}, {"-t", "t", "-m", "m", "--ws", "--ws-path"}, 1, "mqpub: error: --ws-path: missing argument <path>\n"},
    {"mqpub", "ws-path", {}, {"-t", "t", "-m", "m", "--ws", "--ws-path", "abc"}, 1, "mqpub: error: --ws-path: 'abc' does not start with '/'\n"},
    {"mqpub", "proxy", {"-t", "t", "-m", "m", "--proxy", "http://localhost:3128"}, {"-t", "t", "-m", "m", "--proxy"}, 1, "mqpub: error: --proxy: missing argument <url>\n"},
    {"mqpub", "proxy", {}, {"-t", "t", "-m", "m", "--proxy", "bogus"}, 1, "mqpub: error: --proxy: not a URL of the form http://[user[:password]@]host[:port]\n"},
    {"mqpub", "unix", {}, {"-t", "t", "-m", "m", "--unix", "x"}, 1, "mqpub: error: --unix: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqpub", "bind-address", {}, {"-t", "t", "-m", "m", "--bind-address", "x"}, 1, "mqpub: error: -A/--bind-address: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqpub", "nodelay", {}, {"-t", "t", "-m", "m", "--nodelay"}, 1, "mqpub: error: --nodelay: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqpub", "cafile", {"-t", "t", "-m", "m", "--cafile", "/etc/hostname"}, {"-t", "t", "-m", "m", "--cafile"}, 1, "mqpub: error: --cafile: missing argument <file>\n"},
    {"mqpub", "capath", {"-t", "t", "-m", "m", "--capath", "/etc/ssl/certs"}, {"-t", "t", "-m", "m", "--capath"}, 1, "mqpub: error: --capath: missing argument <dir>\n"},
    {"mqpub", "cert", {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--key", "/etc/hostname", "--cert", "/etc/hostname"}, {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--key", "/etc/hostname", "--cert"}, 1, "mqpub: error: --cert: missing argument <file>\n"},
    {"mqpub", "key", {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname"}, {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key"}, 1, "mqpub: error: --key: missing argument <file>\n"},
    {"mqpub", "key-pw-file", {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--key-pw-file", "/etc/hostname"}, {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--key-pw-file"}, 1, "mqpub: error: --key-pw-file: missing argument <file>\n"},
    {"mqpub", "keyform", {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform", "pem"}, {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform"}, 1, "mqpub: error: --keyform: missing argument <form>\n"},
    {"mqpub", "keyform", {}, {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform", "bogus"}, 1, "mqpub: error: --keyform: unknown key form 'bogus' (use pem)\n"},
    {"mqpub", "ciphers", {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--ciphers", "abc"}, {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--ciphers"}, 1, "mqpub: error: --ciphers: missing argument <list>\n"},
    {"mqpub", "tls-version", {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version", "tlsv1.2"}, {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version"}, 1, "mqpub: error: --tls-version: missing argument <version>\n"},
    {"mqpub", "tls-version", {}, {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version", "bogus"}, 1, "mqpub: error: --tls-version: unknown version 'bogus' (use tlsv1.2)\n"},
    {"mqpub", "tls-alpn", {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-alpn", "abc"}, {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-alpn"}, 1, "mqpub: error: --tls-alpn: missing argument <protocol>\n"},
    {"mqpub", "insecure", {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--insecure"}, {"-t", "t", "-m", "m", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--insecure=1"}, 1, "mqpub: error: --insecure takes no value (given '--insecure=1')\n"},
    {"mqpub", "tls-use-os-certs", {"-t", "t", "-m", "m", "--tls-use-os-certs"}, {"-t", "t", "-m", "m", "--tls-use-os-certs=1"}, 1, "mqpub: error: --tls-use-os-certs takes no value (given '--tls-use-os-certs=1')\n"},
    {"mqpub", "psk", {}, {"-t", "t", "-m", "m", "--psk", "x"}, 1, "mqpub: error: --psk: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqpub", "psk-identity", {}, {"-t", "t", "-m", "m", "--psk-identity", "x"}, 1, "mqpub: error: --psk-identity: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqpub", "tls-engine", {}, {"-t", "t", "-m", "m", "--tls-engine", "x"}, 1, "mqpub: error: --tls-engine: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqpub", "tls-engine-kpass-sha1", {}, {"-t", "t", "-m", "m", "--tls-engine-kpass-sha1", "x"}, 1, "mqpub: error: --tls-engine-kpass-sha1: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqpub", "username", {"-t", "t", "-m", "m", "--username", "abc"}, {"-t", "t", "-m", "m", "--username"}, 1, "mqpub: error: -u/--username: missing argument <user>\n"},
    {"mqpub", "pw", {"-t", "t", "-m", "m", "-u", "u", "--pw", "abc"}, {"-t", "t", "-m", "m", "-u", "u", "--pw"}, 1, "mqpub: error: -P/--pw: missing argument <password>\n"},
    {"mqpub", "pw-file", {"-t", "t", "-m", "m", "-u", "u", "--pw-file", "/etc/hostname"}, {"-t", "t", "-m", "m", "-u", "u", "--pw-file"}, 1, "mqpub: error: --pw-file: missing argument <file>\n"},
    {"mqpub", "will-topic", {"-t", "t", "-m", "m", "--will-topic", "a/b"}, {"-t", "t", "-m", "m", "--will-topic"}, 1, "mqpub: error: --will-topic: missing argument <topic>\n"},
    {"mqpub", "will-topic", {}, {"-t", "t", "-m", "m", "--will-topic", "a/#/b"}, 1, "mqpub: error: --will-topic: invalid topic 'a/#/b': a topic to publish to cannot contain the wildcards + or #\n"},
    {"mqpub", "will-payload", {"-t", "t", "-m", "m", "--will-topic", "w", "--will-payload", "abc"}, {"-t", "t", "-m", "m", "--will-topic", "w", "--will-payload"}, 1, "mqpub: error: --will-payload: missing argument <payload>\n"},
    {"mqpub", "will-qos", {"-t", "t", "-m", "m", "--will-topic", "w", "--will-qos", "1"}, {"-t", "t", "-m", "m", "--will-topic", "w", "--will-qos"}, 1, "mqpub: error: --will-qos: missing argument <qos>\n"},
    {"mqpub", "will-qos", {}, {"-t", "t", "-m", "m", "--will-topic", "w", "--will-qos", "bogus"}, 1, "mqpub: error: --will-qos: invalid QoS 'bogus' (use 0, 1 or 2)\n"},
    {"mqpub", "will-retain", {"-t", "t", "-m", "m", "--will-topic", "w", "--will-retain"}, {"-t", "t", "-m", "m", "--will-topic", "w", "--will-retain=1"}, 1, "mqpub: error: --will-retain takes no value (given '--will-retain=1')\n"},
    {"mqpub", "property", {"-t", "t", "-m", "m", "-V", "5", "--property", "connect", "user-property", "a", "b"}, {"-t", "t", "-m", "m", "-V", "5", "--property"}, 1, "mqpub: error: --property: needs 'command identifier value' (user-property: 'command user-property name value')\n"},
    {"mqpub", "debug", {"-t", "t", "-m", "m", "--debug"}, {"-t", "t", "-m", "m", "--debug=1"}, 1, "mqpub: error: -d/--debug takes no value (given '--debug=1')\n"},
    {"mqpub", "quiet", {"-t", "t", "-m", "m", "--quiet"}, {"-t", "t", "-m", "m", "--quiet=1"}, 1, "mqpub: error: --quiet takes no value (given '--quiet=1')\n"},
    {"mqpub", "no-config", {"-t", "t", "-m", "m", "--no-config"}, {"-t", "t", "-m", "m", "--no-config=1"}, 1, "mqpub: error: --no-config takes no value (given '--no-config=1')\n"},
    {"mqpub", "help", {"-t", "t", "-m", "m", "--help"}, {"-t", "t", "-m", "m", "--help=1"}, 1, "mqpub: error: --help takes no value (given '--help=1')\n"},
    {"mqpub", "version", {"-t", "t", "-m", "m", "--version"}, {"-t", "t", "-m", "m", "--version=1"}, 1, "mqpub: error: --version takes no value (given '--version=1')\n"},
    {"mqsub", "topic", {"--topic", "a/b"}, {"--topic"}, 1, "mqsub: error: -t/--topic: missing argument <filter>\n"},
    {"mqsub", "topic", {}, {"--topic", "a/#/b"}, 1, "mqsub: error: -t/--topic: invalid topic filter 'a/#/b': # is only allowed as the last level\n"},
    {"mqsub", "filter-out", {"-t", "t", "--filter-out", "a/b"}, {"-t", "t", "--filter-out"}, 1, "mqsub: error: -T/--filter-out: missing argument <filter>\n"},
    {"mqsub", "filter-out", {}, {"-t", "t", "--filter-out", "a/#/b"}, 1, "mqsub: error: -T/--filter-out: invalid topic filter 'a/#/b': # is only allowed as the last level\n"},
    {"mqsub", "qos", {"-t", "t", "--qos", "1"}, {"-t", "t", "--qos"}, 1, "mqsub: error: -q/--qos: missing argument <qos>\n"},
    {"mqsub", "qos", {}, {"-t", "t", "--qos", "bogus"}, 1, "mqsub: error: -q/--qos: invalid QoS 'bogus' (use 0, 1 or 2)\n"},
    {"mqsub", "count", {"-t", "t", "--count", "5"}, {"-t", "t", "--count"}, 1, "mqsub: error: -C/--count: missing argument <count>\n"},
    {"mqsub", "count", {}, {"-t", "t", "--count", "abc"}, 1, "mqsub: error: -C/--count: 'abc' is not a whole number (1-9223372036854775807)\n"},
    {"mqsub", "timeout", {"-t", "t", "--timeout", "5"}, {"-t", "t", "--timeout"}, 1, "mqsub: error: -W/--timeout: missing argument <seconds>\n"},
    {"mqsub", "timeout", {}, {"-t", "t", "--timeout", "abc"}, 1, "mqsub: error: -W/--timeout: 'abc' is not a whole number (1-31536000)\n"},
    {"mqsub", "no-stale", {"-t", "t", "--no-stale"}, {"-t", "t", "--no-stale=1"}, 1, "mqsub: error: -R/--no-stale takes no value (given '--no-stale=1')\n"},
    {"mqsub", "exit-after-sub", {"-t", "t", "--exit-after-sub"}, {"-t", "t", "--exit-after-sub=1"}, 1, "mqsub: error: -E/--exit-after-sub takes no value (given '--exit-after-sub=1')\n"},
    {"mqsub", "unsubscribe", {"-t", "t", "--unsubscribe", "a/b"}, {"-t", "t", "--unsubscribe"}, 1, "mqsub: error: -U/--unsubscribe: missing argument <filter>\n"},
    {"mqsub", "unsubscribe", {}, {"-t", "t", "--unsubscribe", "a/#/b"}, 1, "mqsub: error: -U/--unsubscribe: invalid topic filter 'a/#/b': # is only allowed as the last level\n"},
    {"mqsub", "retained-only", {"-t", "t", "--retained-only"}, {"-t", "t", "--retained-only=1"}, 1, "mqsub: error: --retained-only takes no value (given '--retained-only=1')\n"},
    {"mqsub", "remove-retained", {"-t", "t", "--remove-retained"}, {"-t", "t", "--remove-retained=1"}, 1, "mqsub: error: --remove-retained takes no value (given '--remove-retained=1')\n"},
    {"mqsub", "retain-as-published", {"-t", "t", "-V", "5", "--retain-as-published"}, {"-t", "t", "-V", "5", "--retain-as-published=1"}, 1, "mqsub: error: --retain-as-published takes no value (given '--retain-as-published=1')\n"},
    {"mqsub", "random-filter", {"-t", "t", "--random-filter", "1.5"}, {"-t", "t", "--random-filter"}, 1, "mqsub: error: --random-filter: missing argument <percent>\n"},
    {"mqsub", "random-filter", {}, {"-t", "t", "--random-filter", "abc"}, 1, "mqsub: error: --random-filter: 'abc' is not a number\n"},
    {"mqsub", "verbose", {"-t", "t", "--verbose"}, {"-t", "t", "--verbose=1"}, 1, "mqsub: error: -v/--verbose takes no value (given '--verbose=1')\n"},
    {"mqsub", "no-eol", {"-t", "t", "--no-eol"}, {"-t", "t", "--no-eol=1"}, 1, "mqsub: error: -N/--no-eol takes no value (given '--no-eol=1')\n"},
    {"mqsub", "format", {"-t", "t", "--format", "%t"}, {"-t", "t", "--format"}, 1, "mqsub: error: -F/--format: missing argument <format>\n"},
    {"mqsub", "format", {}, {"-t", "t", "--format", "%"}, 1, "mqsub: error: -F/--format: incomplete format specifier '%' at byte 1\nmqsub: hint: see OUTPUT FORMAT in man mqsub; write %% for a literal %, \\\\ for a \\ and @@ for @\n"},
    {"mqsub", "pretty", {"-t", "t", "--pretty"}, {"-t", "t", "--pretty=1"}, 1, "mqsub: error: --pretty takes no value (given '--pretty=1')\n"},
    {"mqsub", "stats", {"-t", "t", "--stats"}, {"-t", "t", "--stats=1"}, 1, "mqsub: error: --stats takes no value (given '--stats=1')\n"},
    {"mqsub", "field", {"-t", "t", "--stats", "--field", "abc"}, {"-t", "t", "--stats", "--field"}, 1, "mqsub: error: --field: missing argument <path>\n"},
    {"mqsub", "window", {"-t", "t", "--stats", "--window", "1.5"}, {"-t", "t", "--stats", "--window"}, 1, "mqsub: error: --window: missing argument <seconds>\n"},
    {"mqsub", "window", {}, {"-t", "t", "--stats", "--window", "abc"}, 1, "mqsub: error: --window: 'abc' is not a number\n"},
    {"mqsub", "interval", {"-t", "t", "--stats", "--interval", "1.5"}, {"-t", "t", "--stats", "--interval"}, 1, "mqsub: error: --interval: missing argument <seconds>\n"},
    {"mqsub", "interval", {}, {"-t", "t", "--stats", "--interval", "abc"}, 1, "mqsub: error: --interval: 'abc' is not a number\n"},
    {"mqsub", "host", {"-t", "t", "--host", "localhost"}, {"-t", "t", "--host"}, 1, "mqsub: error: -h/--host: missing argument <host>\n"},
    {"mqsub", "port", {"-t", "t", "--port", "5"}, {"-t", "t", "--port"}, 1, "mqsub: error: -p/--port: missing argument <port>\n"},
    {"mqsub", "port", {}, {"-t", "t", "--port", "abc"}, 1, "mqsub: error: -p/--port: 'abc' is not a whole number (1-65535)\n"},
    {"mqsub", "url", {"-t", "t", "--url", "mqtt://localhost/t"}, {"-t", "t", "--url"}, 1, "mqsub: error: -L/--url: missing argument <url>\n"},
    {"mqsub", "url", {}, {"-t", "t", "--url", "bogus"}, 1, "mqsub: error: -L: the value is not a URL of the form mqtt://[user[:password]@]host[:port]/topic\n"},
    {"mqsub", "id", {"-t", "t", "--id", "abc"}, {"-t", "t", "--id"}, 1, "mqsub: error: -i/--id: missing argument <id>\n"},
    {"mqsub", "id-prefix", {"-t", "t", "--id-prefix", "abc"}, {"-t", "t", "--id-prefix"}, 1, "mqsub: error: -I/--id-prefix: missing argument <prefix>\n"},
    {"mqsub", "keepalive", {"-t", "t", "--keepalive", "5"}, {"-t", "t", "--keepalive"}, 1, "mqsub: error: -k/--keepalive: missing argument <seconds>\n"},
    {"mqsub", "keepalive", {}, {"-t", "t", "--keepalive", "abc"}, 1, "mqsub: error: -k/--keepalive: 'abc' is not a whole number (0-65535)\n"},
    {"mqsub", "protocol-version", {"-t", "t", "--protocol-version", "5"}, {"-t", "t", "--protocol-version"}, 1, "mqsub: error: -V/--protocol-version: missing argument <version>\n"},
    {"mqsub", "protocol-version", {}, {"-t", "t", "--protocol-version", "bogus"}, 1, "mqsub: error: -V/--protocol-version: unknown protocol version 'bogus' (use 5, 311 or 31)\n"},
    {"mqsub", "disable-clean-session", {"-t", "t", "-i", "c", "--disable-clean-session"}, {"-t", "t", "-i", "c", "--disable-clean-session=1"}, 1, "mqsub: error: -c/--disable-clean-session takes no value (given '--disable-clean-session=1')\n"},
    {"mqsub", "session-expiry-interval", {"-t", "t", "-V", "5", "--session-expiry-interval", "60"}, {"-t", "t", "-V", "5", "--session-expiry-interval"}, 1, "mqsub: error: -x/--session-expiry-interval: missing argument <seconds>\n"},
    {"mqsub", "session-expiry-interval", {}, {"-t", "t", "-V", "5", "--session-expiry-interval", "abc"}, 1, "mqsub: error: -x/--session-expiry-interval: 'abc' is not a whole number (0-4294967295)\n"},
    {"mqsub", "ws", {"-t", "t", "--ws"}, {"-t", "t", "--ws=1"}, 1, "mqsub: error: --ws takes no value (given '--ws=1')\n"},
    {"mqsub", "ws-path", {"-t", "t", "--ws", "--ws-path", "/mqtt"}, {"-t", "t", "--ws", "--ws-path"}, 1, "mqsub: error: --ws-path: missing argument <path>\n"},
    {"mqsub", "ws-path", {}, {"-t", "t", "--ws", "--ws-path", "abc"}, 1, "mqsub: error: --ws-path: 'abc' does not start with '/'\n"},
    {"mqsub", "proxy", {"-t", "t", "--proxy", "http://localhost:3128"}, {"-t", "t", "--proxy"}, 1, "mqsub: error: --proxy: missing argument <url>\n"},
    {"mqsub", "proxy", {}, {"-t", "t", "--proxy", "bogus"}, 1, "mqsub: error: --proxy: not a URL of the form http://[user[:password]@]host[:port]\n"},
    {"mqsub", "unix", {}, {"-t", "t", "--unix", "x"}, 1, "mqsub: error: --unix: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqsub", "bind-address", {}, {"-t", "t", "--bind-address", "x"}, 1, "mqsub: error: -A/--bind-address: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqsub", "nodelay", {}, {"-t", "t", "--nodelay"}, 1, "mqsub: error: --nodelay: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqsub", "cafile", {"-t", "t", "--cafile", "/etc/hostname"}, {"-t", "t", "--cafile"}, 1, "mqsub: error: --cafile: missing argument <file>\n"},
    {"mqsub", "capath", {"-t", "t", "--capath", "/etc/ssl/certs"}, {"-t", "t", "--capath"}, 1, "mqsub: error: --capath: missing argument <dir>\n"},
    {"mqsub", "cert", {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--key", "/etc/hostname", "--cert", "/etc/hostname"}, {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--key", "/etc/hostname", "--cert"}, 1, "mqsub: error: --cert: missing argument <file>\n"},
    {"mqsub", "key", {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname"}, {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key"}, 1, "mqsub: error: --key: missing argument <file>\n"},
    {"mqsub", "key-pw-file", {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--key-pw-file", "/etc/hostname"}, {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--key-pw-file"}, 1, "mqsub: error: --key-pw-file: missing argument <file>\n"},
    {"mqsub", "keyform", {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform", "pem"}, {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform"}, 1, "mqsub: error: --keyform: missing argument <form>\n"},
    {"mqsub", "keyform", {}, {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform", "bogus"}, 1, "mqsub: error: --keyform: unknown key form 'bogus' (use pem)\n"},
    {"mqsub", "ciphers", {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--ciphers", "abc"}, {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--ciphers"}, 1, "mqsub: error: --ciphers: missing argument <list>\n"},
    {"mqsub", "tls-version", {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version", "tlsv1.2"}, {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version"}, 1, "mqsub: error: --tls-version: missing argument <version>\n"},
    {"mqsub", "tls-version", {}, {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version", "bogus"}, 1, "mqsub: error: --tls-version: unknown version 'bogus' (use tlsv1.2)\n"},
    {"mqsub", "tls-alpn", {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-alpn", "abc"}, {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-alpn"}, 1, "mqsub: error: --tls-alpn: missing argument <protocol>\n"},
    {"mqsub", "insecure", {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--insecure"}, {"-t", "t", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--insecure=1"}, 1, "mqsub: error: --insecure takes no value (given '--insecure=1')\n"},
    {"mqsub", "tls-use-os-certs", {"-t", "t", "--tls-use-os-certs"}, {"-t", "t", "--tls-use-os-certs=1"}, 1, "mqsub: error: --tls-use-os-certs takes no value (given '--tls-use-os-certs=1')\n"},
    {"mqsub", "psk", {}, {"-t", "t", "--psk", "x"}, 1, "mqsub: error: --psk: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqsub", "psk-identity", {}, {"-t", "t", "--psk-identity", "x"}, 1, "mqsub: error: --psk-identity: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqsub", "tls-engine", {}, {"-t", "t", "--tls-engine", "x"}, 1, "mqsub: error: --tls-engine: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqsub", "tls-engine-kpass-sha1", {}, {"-t", "t", "--tls-engine-kpass-sha1", "x"}, 1, "mqsub: error: --tls-engine-kpass-sha1: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqsub", "username", {"-t", "t", "--username", "abc"}, {"-t", "t", "--username"}, 1, "mqsub: error: -u/--username: missing argument <user>\n"},
    {"mqsub", "pw", {"-t", "t", "-u", "u", "--pw", "abc"}, {"-t", "t", "-u", "u", "--pw"}, 1, "mqsub: error: -P/--pw: missing argument <password>\n"},
    {"mqsub", "pw-file", {"-t", "t", "-u", "u", "--pw-file", "/etc/hostname"}, {"-t", "t", "-u", "u", "--pw-file"}, 1, "mqsub: error: --pw-file: missing argument <file>\n"},
    {"mqsub", "will-topic", {"-t", "t", "--will-topic", "a/b"}, {"-t", "t", "--will-topic"}, 1, "mqsub: error: --will-topic: missing argument <topic>\n"},
    {"mqsub", "will-topic", {}, {"-t", "t", "--will-topic", "a/#/b"}, 1, "mqsub: error: --will-topic: invalid topic 'a/#/b': a topic to publish to cannot contain the wildcards + or #\n"},
    {"mqsub", "will-payload", {"-t", "t", "--will-topic", "w", "--will-payload", "abc"}, {"-t", "t", "--will-topic", "w", "--will-payload"}, 1, "mqsub: error: --will-payload: missing argument <payload>\n"},
    {"mqsub", "will-qos", {"-t", "t", "--will-topic", "w", "--will-qos", "1"}, {"-t", "t", "--will-topic", "w", "--will-qos"}, 1, "mqsub: error: --will-qos: missing argument <qos>\n"},
    {"mqsub", "will-qos", {}, {"-t", "t", "--will-topic", "w", "--will-qos", "bogus"}, 1, "mqsub: error: --will-qos: invalid QoS 'bogus' (use 0, 1 or 2)\n"},
    {"mqsub", "will-retain", {"-t", "t", "--will-topic", "w", "--will-retain"}, {"-t", "t", "--will-topic", "w", "--will-retain=1"}, 1, "mqsub: error: --will-retain takes no value (given '--will-retain=1')\n"},
    {"mqsub", "property", {"-t", "t", "-V", "5", "--property", "connect", "user-property", "a", "b"}, {"-t", "t", "-V", "5", "--property"}, 1, "mqsub: error: --property: needs 'command identifier value' (user-property: 'command user-property name value')\n"},
    {"mqsub", "debug", {"-t", "t", "--debug"}, {"-t", "t", "--debug=1"}, 1, "mqsub: error: -d/--debug takes no value (given '--debug=1')\n"},
    {"mqsub", "quiet", {"-t", "t", "--quiet"}, {"-t", "t", "--quiet=1"}, 1, "mqsub: error: --quiet takes no value (given '--quiet=1')\n"},
    {"mqsub", "no-config", {"-t", "t", "--no-config"}, {"-t", "t", "--no-config=1"}, 1, "mqsub: error: --no-config takes no value (given '--no-config=1')\n"},
    {"mqsub", "help", {"-t", "t", "--help"}, {"-t", "t", "--help=1"}, 1, "mqsub: error: --help takes no value (given '--help=1')\n"},
    {"mqsub", "version", {"-t", "t", "--version"}, {"-t", "t", "--version=1"}, 1, "mqsub: error: --version takes no value (given '--version=1')\n"},
    {"mqbench", "clients", {"pub", "--clients", "5"}, {"pub", "--clients"}, 1, "mqbench: error: -c/--clients: missing argument <count>\n"},
    {"mqbench", "clients", {}, {"pub", "--clients", "abc"}, 1, "mqbench: error: -c/--clients: 'abc' is not a whole number (1-1000000)\n"},
    {"mqbench", "subscribers", {"pubsub", "--subscribers", "5"}, {"pubsub", "--subscribers"}, 1, "mqbench: error: --subscribers: missing argument <count>\n"},
    {"mqbench", "subscribers", {}, {"pubsub", "--subscribers", "abc"}, 1, "mqbench: error: --subscribers: 'abc' is not a whole number (1-1000000)\n"},
    {"mqbench", "qos", {"pub", "--qos", "1"}, {"pub", "--qos"}, 1, "mqbench: error: -q/--qos: missing argument <qos>\n"},
    {"mqbench", "qos", {}, {"pub", "--qos", "bogus"}, 1, "mqbench: error: -q/--qos: invalid QoS 'bogus' (use 0, 1 or 2)\n"},
    {"mqbench", "size", {"pub", "--size", "5"}, {"pub", "--size"}, 1, "mqbench: error: -s/--size: missing argument <bytes>\n"},
    {"mqbench", "size", {}, {"pub", "--size", "abc"}, 1, "mqbench: error: -s/--size: 'abc' is not a whole number (0-268435455)\n"},
    {"mqbench", "retain", {"pub", "--retain"}, {"pub", "--retain=1"}, 1, "mqbench: error: -r/--retain takes no value (given '--retain=1')\n"},
    {"mqbench", "topic", {"pub", "--topic", "a/b"}, {"pub", "--topic"}, 1, "mqbench: error: -t/--topic: missing argument <template>\n"},
    {"mqbench", "topic", {}, {"pub", "--topic", "a/#/b"}, 1, "mqbench: error: -t/--topic: invalid topic 'a/#/b': a topic to publish to cannot contain the wildcards + or #\n"},
    {"mqbench", "filter", {"pubsub", "--filter", "a/b"}, {"pubsub", "--filter"}, 1, "mqbench: error: --filter: missing argument <template>\n"},
    {"mqbench", "filter", {}, {"pubsub", "--filter", "a/#/b"}, 1, "mqbench: error: --filter: invalid topic filter 'a/#/b': # is only allowed as the last level\n"},
    {"mqbench", "count", {"pub", "--count", "5"}, {"pub", "--count"}, 1, "mqbench: error: -n/--count: missing argument <count>\n"},
    {"mqbench", "count", {}, {"pub", "--count", "abc"}, 1, "mqbench: error: -n/--count: 'abc' is not a whole number (0-9223372036854775807)\n"},
    {"mqbench", "duration", {"pub", "--duration", "1.5"}, {"pub", "--duration"}, 1, "mqbench: error: --duration: missing argument <seconds>\n"},
    {"mqbench", "duration", {}, {"pub", "--duration", "abc"}, 1, "mqbench: error: --duration: 'abc' is not a number\n"},
    {"mqbench", "interval", {"pub", "--interval", "1.5"}, {"pub", "--interval"}, 1, "mqbench: error: -I/--interval: missing argument <ms>\n"},
    {"mqbench", "interval", {}, {"pub", "--interval", "abc"}, 1, "mqbench: error: -I/--interval: 'abc' is not a number\n"},
    {"mqbench", "rate", {"pub", "--rate", "1.5"}, {"pub", "--rate"}, 1, "mqbench: error: --rate: missing argument <per-second>\n"},
    {"mqbench", "rate", {}, {"pub", "--rate", "abc"}, 1, "mqbench: error: --rate: 'abc' is not a number\n"},
    {"mqbench", "connect-rate", {"pub", "--connect-rate", "1.5"}, {"pub", "--connect-rate"}, 1, "mqbench: error: --connect-rate: missing argument <per-second>\n"},
    {"mqbench", "connect-rate", {}, {"pub", "--connect-rate", "abc"}, 1, "mqbench: error: --connect-rate: 'abc' is not a number\n"},
    {"mqbench", "ramp-up", {"pub", "--rate", "10", "--ramp-up", "1.5"}, {"pub", "--rate", "10", "--ramp-up"}, 1, "mqbench: error: --ramp-up: missing argument <seconds>\n"},
    {"mqbench", "ramp-up", {}, {"pub", "--rate", "10", "--ramp-up", "abc"}, 1, "mqbench: error: --ramp-up: 'abc' is not a number\n"},
    {"mqbench", "warmup", {"pub", "--warmup", "1.5"}, {"pub", "--warmup"}, 1, "mqbench: error: --warmup: missing argument <seconds>\n"},
    {"mqbench", "warmup", {}, {"pub", "--warmup", "abc"}, 1, "mqbench: error: --warmup: 'abc' is not a number\n"},
    {"mqbench", "drain", {"pub", "--drain", "1.5"}, {"pub", "--drain"}, 1, "mqbench: error: --drain: missing argument <seconds>\n"},
    {"mqbench", "drain", {}, {"pub", "--drain", "abc"}, 1, "mqbench: error: --drain: 'abc' is not a number\n"},
    {"mqbench", "inflight", {"pub", "--inflight", "5"}, {"pub", "--inflight"}, 1, "mqbench: error: --inflight: missing argument <count>\n"},
    {"mqbench", "inflight", {}, {"pub", "--inflight", "abc"}, 1, "mqbench: error: --inflight: 'abc' is not a whole number (1-65535)\n"},
    {"mqbench", "nagle", {"pub", "--nagle"}, {"pub", "--nagle=1"}, 1, "mqbench: error: --nagle takes no value (given '--nagle=1')\n"},
    {"mqbench", "prefix", {"pub", "--prefix", "abc"}, {"pub", "--prefix"}, 1, "mqbench: error: --prefix: missing argument <prefix>\n"},
    {"mqbench", "workers", {"pub", "--workers", "5"}, {"pub", "--workers"}, 1, "mqbench: error: --workers: missing argument <count>\n"},
    {"mqbench", "workers", {}, {"pub", "--workers", "abc"}, 1, "mqbench: error: --workers: 'abc' is not a whole number (1-256)\n"},
    {"mqbench", "worker-index", {"pub", "--worker-count", "8", "--worker-index", "5"}, {"pub", "--worker-count", "8", "--worker-index"}, 1, "mqbench: error: --worker-index: missing argument <index>\n"},
    {"mqbench", "worker-index", {}, {"pub", "--worker-count", "8", "--worker-index", "abc"}, 1, "mqbench: error: --worker-index: 'abc' is not a whole number (0-999999)\n"},
    {"mqbench", "worker-count", {"pub", "--worker-count", "5"}, {"pub", "--worker-count"}, 1, "mqbench: error: --worker-count: missing argument <count>\n"},
    {"mqbench", "worker-count", {}, {"pub", "--worker-count", "abc"}, 1, "mqbench: error: --worker-count: 'abc' is not a whole number (1-1000000)\n"},
    {"mqbench", "worker-pipe", {"pub", "--worker-pipe"}, {"pub", "--worker-pipe=1"}, 1, "mqbench: error: --worker-pipe takes no value (given '--worker-pipe=1')\n"},
    {"mqbench", "json", {"pub", "--json", "/etc/hostname"}, {"pub", "--json"}, 1, "mqbench: error: --json: missing argument <file>\n"},
    {"mqbench", "csv", {"pub", "--csv", "/etc/hostname"}, {"pub", "--csv"}, 1, "mqbench: error: --csv: missing argument <file>\n"},
    {"mqbench", "plot", {"pub", "--plot", "/etc/hostname"}, {"pub", "--plot"}, 1, "mqbench: error: --plot: missing argument <file>\n"},
    {"mqbench", "no-progress", {"pub", "--no-progress"}, {"pub", "--no-progress=1"}, 1, "mqbench: error: --no-progress takes no value (given '--no-progress=1')\n"},
    {"mqbench", "host", {"pub", "--host", "localhost"}, {"pub", "--host"}, 1, "mqbench: error: -h/--host: missing argument <host>\n"},
    {"mqbench", "port", {"pub", "--port", "5"}, {"pub", "--port"}, 1, "mqbench: error: -p/--port: missing argument <port>\n"},
    {"mqbench", "port", {}, {"pub", "--port", "abc"}, 1, "mqbench: error: -p/--port: 'abc' is not a whole number (1-65535)\n"},
    {"mqbench", "keepalive", {"pub", "--keepalive", "5"}, {"pub", "--keepalive"}, 1, "mqbench: error: -k/--keepalive: missing argument <seconds>\n"},
    {"mqbench", "keepalive", {}, {"pub", "--keepalive", "abc"}, 1, "mqbench: error: -k/--keepalive: 'abc' is not a whole number (0-65535)\n"},
    {"mqbench", "protocol-version", {"pub", "--protocol-version", "5"}, {"pub", "--protocol-version"}, 1, "mqbench: error: -V/--protocol-version: missing argument <version>\n"},
    {"mqbench", "protocol-version", {}, {"pub", "--protocol-version", "bogus"}, 1, "mqbench: error: -V/--protocol-version: unknown protocol version 'bogus' (use 5, 311 or 31)\n"},
    {"mqbench", "proxy", {"pub", "--proxy", "http://localhost:3128"}, {"pub", "--proxy"}, 1, "mqbench: error: --proxy: missing argument <url>\n"},
    {"mqbench", "proxy", {}, {"pub", "--proxy", "bogus"}, 1, "mqbench: error: --proxy: not a URL of the form http://[user[:password]@]host[:port]\n"},
    {"mqbench", "unix", {}, {"pub", "--unix", "x"}, 1, "mqbench: error: --unix: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqbench", "bind-address", {}, {"pub", "--bind-address", "x"}, 1, "mqbench: error: -A/--bind-address: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqbench", "cafile", {"pub", "--cafile", "/etc/hostname"}, {"pub", "--cafile"}, 1, "mqbench: error: --cafile: missing argument <file>\n"},
    {"mqbench", "capath", {"pub", "--capath", "/etc/ssl/certs"}, {"pub", "--capath"}, 1, "mqbench: error: --capath: missing argument <dir>\n"},
    {"mqbench", "cert", {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--key", "/etc/hostname", "--cert", "/etc/hostname"}, {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--key", "/etc/hostname", "--cert"}, 1, "mqbench: error: --cert: missing argument <file>\n"},
    {"mqbench", "key", {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname"}, {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key"}, 1, "mqbench: error: --key: missing argument <file>\n"},
    {"mqbench", "key-pw-file", {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--key-pw-file", "/etc/hostname"}, {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--key-pw-file"}, 1, "mqbench: error: --key-pw-file: missing argument <file>\n"},
    {"mqbench", "keyform", {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform", "pem"}, {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform"}, 1, "mqbench: error: --keyform: missing argument <form>\n"},
    {"mqbench", "keyform", {}, {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform", "bogus"}, 1, "mqbench: error: --keyform: unknown key form 'bogus' (use pem)\n"},
    {"mqbench", "ciphers", {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--ciphers", "abc"}, {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--ciphers"}, 1, "mqbench: error: --ciphers: missing argument <list>\n"},
    {"mqbench", "tls-version", {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version", "tlsv1.2"}, {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version"}, 1, "mqbench: error: --tls-version: missing argument <version>\n"},
    {"mqbench", "tls-version", {}, {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version", "bogus"}, 1, "mqbench: error: --tls-version: unknown version 'bogus' (use tlsv1.2)\n"},
    {"mqbench", "insecure", {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--insecure"}, {"pub", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--insecure=1"}, 1, "mqbench: error: --insecure takes no value (given '--insecure=1')\n"},
    {"mqbench", "psk", {}, {"pub", "--psk", "x"}, 1, "mqbench: error: --psk: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqbench", "psk-identity", {}, {"pub", "--psk-identity", "x"}, 1, "mqbench: error: --psk-identity: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqbench", "tls-engine", {}, {"pub", "--tls-engine", "x"}, 1, "mqbench: error: --tls-engine: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqbench", "tls-engine-kpass-sha1", {}, {"pub", "--tls-engine-kpass-sha1", "x"}, 1, "mqbench: error: --tls-engine-kpass-sha1: not supported by this build (Eclipse Paho MQTT cannot do it)\n"},
    {"mqbench", "username", {"pub", "--username", "abc"}, {"pub", "--username"}, 1, "mqbench: error: -u/--username: missing argument <user>\n"},
    {"mqbench", "pw", {"pub", "-u", "u", "--pw", "abc"}, {"pub", "-u", "u", "--pw"}, 1, "mqbench: error: -P/--pw: missing argument <password>\n"},
    {"mqbench", "pw-file", {"pub", "-u", "u", "--pw-file", "/etc/hostname"}, {"pub", "-u", "u", "--pw-file"}, 1, "mqbench: error: --pw-file: missing argument <file>\n"},
    {"mqbench", "quiet", {"pub", "--quiet"}, {"pub", "--quiet=1"}, 1, "mqbench: error: --quiet takes no value (given '--quiet=1')\n"},
    {"mqbench", "no-config", {"pub", "--no-config"}, {"pub", "--no-config=1"}, 1, "mqbench: error: --no-config takes no value (given '--no-config=1')\n"},
    {"mqbench", "help", {"pub", "--help"}, {"pub", "--help=1"}, 1, "mqbench: error: --help takes no value (given '--help=1')\n"},
    {"mqbench", "version", {"pub", "--version"}, {"pub", "--version=1"}, 1, "mqbench: error: --version takes no value (given '--version=1')\n"},
    {"tspub", "field1", {"--channel", "1", "--field1", "abc"}, {"--channel", "1", "--field1"}, 2, "tspub: error: --field1: missing argument <value>\n"},
    {"tspub", "field2", {"--channel", "1", "--field2", "abc"}, {"--channel", "1", "--field2"}, 2, "tspub: error: --field2: missing argument <value>\n"},
    {"tspub", "field3", {"--channel", "1", "--field3", "abc"}, {"--channel", "1", "--field3"}, 2, "tspub: error: --field3: missing argument <value>\n"},
    {"tspub", "field4", {"--channel", "1", "--field4", "abc"}, {"--channel", "1", "--field4"}, 2, "tspub: error: --field4: missing argument <value>\n"},
    {"tspub", "field5", {"--channel", "1", "--field5", "abc"}, {"--channel", "1", "--field5"}, 2, "tspub: error: --field5: missing argument <value>\n"},
    {"tspub", "field6", {"--channel", "1", "--field6", "abc"}, {"--channel", "1", "--field6"}, 2, "tspub: error: --field6: missing argument <value>\n"},
    {"tspub", "field7", {"--channel", "1", "--field7", "abc"}, {"--channel", "1", "--field7"}, 2, "tspub: error: --field7: missing argument <value>\n"},
    {"tspub", "field8", {"--channel", "1", "--field8", "abc"}, {"--channel", "1", "--field8"}, 2, "tspub: error: --field8: missing argument <value>\n"},
    {"tspub", "field", {"--channel", "1", "--field", "1", "20"}, {"--channel", "1", "--field"}, 2, "tspub: error: --field: missing argument <N>\n"},
    {"tspub", "stdin", {"--channel", "1", "--stdin"}, {"--channel", "1", "--stdin=1"}, 2, "tspub: error: --stdin takes no value (given '--stdin=1')\n"},
    {"tspub", "channel", {"field1=1", "--channel", "7"}, {"field1=1", "--channel"}, 2, "tspub: error: --channel: missing argument <id>\n"},
    {"tspub", "channel", {}, {"field1=1", "--channel", "abc"}, 2, "tspub: error: --channel: channel id 'abc' is not a number\ntspub: hint: a ThingSpeak channel id is digits only, e.g. 1234567\n"},
    {"tspub", "credentials", {"--channel", "1", "field1=1", "--credentials", "/etc/hostname"}, {"--channel", "1", "field1=1", "--credentials"}, 2, "tspub: error: --credentials: missing argument <file>\n"},
    {"tspub", "min-interval", {"--channel", "1", "field1=1", "--min-interval", "1.5"}, {"--channel", "1", "field1=1", "--min-interval"}, 2, "tspub: error: --min-interval: missing argument <seconds>\n"},
    {"tspub", "min-interval", {}, {"--channel", "1", "field1=1", "--min-interval", "abc"}, 2, "tspub: error: --min-interval: 'abc' is not a number\n"},
    {"tspub", "wait", {"--channel", "1", "field1=1", "--wait"}, {"--channel", "1", "field1=1", "--wait=1"}, 2, "tspub: error: --wait takes no value (given '--wait=1')\n"},
    {"tspub", "dry-run", {"--channel", "1", "field1=1", "--dry-run"}, {"--channel", "1", "field1=1", "--dry-run=1"}, 2, "tspub: error: --dry-run takes no value (given '--dry-run=1')\n"},
    {"tspub", "legacy-api-key", {"--channel", "1", "field1=1", "--legacy-api-key", "abc"}, {"--channel", "1", "field1=1", "--legacy-api-key"}, 2, "tspub: error: --legacy-api-key: missing argument <key>\n"},
    {"tspub", "qos", {"--channel", "1", "field1=1", "--qos", "0"}, {"--channel", "1", "field1=1", "--qos"}, 2, "tspub: error: -q/--qos: missing argument <qos>\n"},
    {"tspub", "qos", {}, {"--channel", "1", "field1=1", "--qos", "bogus"}, 2, "tspub: error: -q/--qos: invalid QoS 'bogus' (ThingSpeak supports only 0)\n"},
    {"tspub", "host", {"--channel", "1", "field1=1", "--host", "localhost"}, {"--channel", "1", "field1=1", "--host"}, 2, "tspub: error: -h/--host: missing argument <host>\n"},
    {"tspub", "port", {"--channel", "1", "field1=1", "--port", "5"}, {"--channel", "1", "field1=1", "--port"}, 2, "tspub: error: -p/--port: missing argument <port>\n"},
    {"tspub", "port", {}, {"--channel", "1", "field1=1", "--port", "abc"}, 2, "tspub: error: -p/--port: 'abc' is not a whole number (1-65535)\n"},
    {"tspub", "no-tls", {"--channel", "1", "field1=1", "--no-tls"}, {"--channel", "1", "field1=1", "--no-tls=1"}, 2, "tspub: error: --no-tls takes no value (given '--no-tls=1')\n"},
    {"tspub", "websocket", {"--channel", "1", "field1=1", "--websocket"}, {"--channel", "1", "field1=1", "--websocket=1"}, 2, "tspub: error: --websocket takes no value (given '--websocket=1')\n"},
    {"tspub", "id", {"--channel", "1", "field1=1", "--id", "abc"}, {"--channel", "1", "field1=1", "--id"}, 2, "tspub: error: -i/--id: missing argument <id>\n"},
    {"tspub", "keepalive", {"--channel", "1", "field1=1", "--keepalive", "5"}, {"--channel", "1", "field1=1", "--keepalive"}, 2, "tspub: error: -k/--keepalive: missing argument <seconds>\n"},
    {"tspub", "keepalive", {}, {"--channel", "1", "field1=1", "--keepalive", "abc"}, 2, "tspub: error: -k/--keepalive: 'abc' is not a whole number (0-65535)\n"},
    {"tspub", "username", {"--channel", "1", "field1=1", "--username", "abc"}, {"--channel", "1", "field1=1", "--username"}, 2, "tspub: error: -u/--username: missing argument <user>\n"},
    {"tspub", "pw", {"--channel", "1", "field1=1", "-u", "u", "--pw", "abc"}, {"--channel", "1", "field1=1", "-u", "u", "--pw"}, 2, "tspub: error: -P/--pw: missing argument <password>\n"},
    {"tspub", "cafile", {"--channel", "1", "field1=1", "--cafile", "/etc/hostname"}, {"--channel", "1", "field1=1", "--cafile"}, 2, "tspub: error: --cafile: missing argument <file>\n"},
    {"tspub", "capath", {"--channel", "1", "field1=1", "--capath", "/etc/ssl/certs"}, {"--channel", "1", "field1=1", "--capath"}, 2, "tspub: error: --capath: missing argument <dir>\n"},
    {"tspub", "cert", {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--key", "/etc/hostname", "--cert", "/etc/hostname"}, {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--key", "/etc/hostname", "--cert"}, 2, "tspub: error: --cert: missing argument <file>\n"},
    {"tspub", "key", {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname"}, {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key"}, 2, "tspub: error: --key: missing argument <file>\n"},
    {"tspub", "key-pw-file", {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--key-pw-file", "/etc/hostname"}, {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--key-pw-file"}, 2, "tspub: error: --key-pw-file: missing argument <file>\n"},
    {"tspub", "keyform", {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform", "pem"}, {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform"}, 2, "tspub: error: --keyform: missing argument <form>\n"},
    {"tspub", "keyform", {}, {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--cert", "/etc/hostname", "--key", "/etc/hostname", "--keyform", "bogus"}, 2, "tspub: error: --keyform: unknown key form 'bogus' (use pem)\n"},
    {"tspub", "ciphers", {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--ciphers", "abc"}, {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--ciphers"}, 2, "tspub: error: --ciphers: missing argument <list>\n"},
    {"tspub", "tls-version", {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version", "tlsv1.2"}, {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version"}, 2, "tspub: error: --tls-version: missing argument <version>\n"},
    {"tspub", "tls-version", {}, {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-version", "bogus"}, 2, "tspub: error: --tls-version: unknown version 'bogus' (use tlsv1.2)\n"},
    {"tspub", "tls-alpn", {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-alpn", "abc"}, {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--tls-alpn"}, 2, "tspub: error: --tls-alpn: missing argument <protocol>\n"},
    {"tspub", "insecure", {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--insecure"}, {"--channel", "1", "field1=1", "--cafile", "/etc/ssl/certs/ca-certificates.crt", "--insecure=1"}, 2, "tspub: error: --insecure takes no value (given '--insecure=1')\n"},
    {"tspub", "tls-use-os-certs", {"--channel", "1", "field1=1", "--tls-use-os-certs"}, {"--channel", "1", "field1=1", "--tls-use-os-certs=1"}, 2, "tspub: error: --tls-use-os-certs takes no value (given '--tls-use-os-certs=1')\n"},
    {"tspub", "debug", {"--channel", "1", "field1=1", "--debug"}, {"--channel", "1", "field1=1", "--debug=1"}, 2, "tspub: error: -d/--debug takes no value (given '--debug=1')\n"},
    {"tspub", "quiet", {"--channel", "1", "field1=1", "--quiet"}, {"--channel", "1", "field1=1", "--quiet=1"}, 2, "tspub: error: --quiet takes no value (given '--quiet=1')\n"},
    {"tspub", "help", {"--channel", "1", "field1=1", "--help"}, {"--channel", "1", "field1=1", "--help=1"}, 2, "tspub: error: --help takes no value (given '--help=1')\n"},
    {"tspub", "version", {"--channel", "1", "field1=1", "--version"}, {"--channel", "1", "field1=1", "--version=1"}, 2, "tspub: error: --version takes no value (given '--version=1')\n"},
};
// clang-format on

const char* no_env(const char*) {
    return nullptr;
}

/// Parses `a` as `tool` would (no environment, no config file); throws what the parser throws.
void parse(const std::string& tool, const args& a) {
    const mqkit::process_identity who{4242, "testhost"};
    static const std::map<std::string, std::function<void(const args&)>> parsers = {
        {"mqpub", [&](const args& x) { mqkit::parse_pub(x, no_env, who); }},
        {"mqsub", [&](const args& x) { mqkit::parse_sub(x, no_env, who); }},
        {"mqbench", [&](const args& x) { mqkit::bench::parse_bench(x, no_env, who); }},
        {"tspub", [&](const args& x) { mqkit::parse_tspub(x, no_env, who); }},
    };
    auto it = parsers.find(tool);
    if (it == parsers.end()) FAIL("no parser for " << tool << " in test_every_flag.cpp");
    it->second(a);
}

std::string shown(const args& a) {
    std::string s;
    for (const auto& w : a) s += " " + w;
    return s;
}

}  // namespace

TEST_CASE("every flag of every tool has a valid and an invalid use in the table", "[e2e][flags]") {
    for (const mqkit::tool_spec* spec : mqkit::all_tool_specs())
        for (const auto& group : spec->groups)
            for (const auto& f : group.flags) {
                const std::string tool(spec->name), name(f.name);
                bool valid = false, invalid = false;
                for (const auto& c : cases)
                    if (tool == c.tool && name == c.flag) {
                        valid = valid || !c.valid.empty();
                        invalid = invalid || !c.invalid.empty();
                    }
                INFO(tool << " --" << name);
                CHECK(invalid);
                CHECK((valid || f.unsupported));  // an unsupported flag has no valid use
            }
}

TEST_CASE("every flag's valid use parses", "[e2e][flags]") {
    for (const auto& c : cases) {
        if (c.valid.empty()) continue;
        INFO(c.tool << shown(c.valid));
        CHECK_NOTHROW(parse(c.tool, c.valid));
    }
}

TEST_CASE("every flag's invalid use: the documented error line and exit status", "[e2e][flags]") {
    const env_list clean = {{"XDG_CONFIG_HOME", "/nonexistent"}, {"HOME", "/nonexistent"}};
    for (const auto& c : cases) {
        auto r = run_tool(tool(c.tool), c.invalid, {}, std::chrono::seconds(10), clean);
        INFO(c.tool << shown(c.invalid) << "\n" << describe(r));
        CHECK(r.exit_code == c.exit_code);
        CHECK(r.err == c.error);
        CHECK(r.out.empty());
    }
}

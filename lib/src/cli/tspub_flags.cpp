// The flag table of tspub (ThingSpeak publisher): the one source of its parser, --help, man page and completions.
#include "mqkit/flags.hpp"

#include "cli/flag_groups.hpp"

#include <algorithm>

namespace mqkit {
namespace {

using vk = value_kind;

// The flags of a shared group that fit tspub, in the group's order.
flag_group pick(flag_group group, std::vector<std::string_view> names) {
    group.flags.erase(
        std::remove_if(group.flags.begin(), group.flags.end(),
                       [&](const flag& f) { return std::find(names.begin(), names.end(), f.name) == names.end(); }),
        group.flags.end());
    return group;
}

tool_spec make_tspub() {
    tool_spec s{
        "tspub",
        "publish readings to a ThingSpeak channel over MQTT, quietly (made for cron)",
        "--channel ID {name=value ... | -N value ... | --field N value | --stdin} [options]",
        "tspub connects to ThingSpeak's MQTT broker (mqtt3.thingspeak.com, TLS on port 8883, the OS "
        "certificate store) as an MQTT device, publishes one channel update to channels/<id>/publish "
        "(name=value pairs joined by '&', form-URL-encoded), disconnects and exits 0 without printing "
        "anything. Names are field1..field8, status, lat, long, elevation and created_at; a value may "
        "hold at most 255 characters. A local minimum interval per channel, remembered between runs "
        "in a state file, keeps two runs from updating the channel faster than ThingSpeak accepts.",
        {},
    };
    s.exit_status = {
        {"0", "the update(s) went out (nothing is printed); also --help, --version and --dry-run"},
        {"1", "any other error (e.g. the state directory cannot be created)"},
        {"2", "bad arguments or values (unknown field, field number, channel id, value too long, -q 1)"},
        {"3", "credentials missing, or a credentials file unreadable"},
        {"4", "the broker refused the credentials (CONNACK: not authorised)"},
        {"5", "the broker's host name does not resolve (DNS)"},
        {"6",
         "cannot connect (refused, unreachable, timeout), the connection was lost, or the broker refused it for "
         "another reason than the credentials or broke the MQTT protocol"},
        {"7", "TLS failure (certificate not trusted, wrong host name, not a TLS port)"},
        {"8", "rate limit: the channel was updated less than --min-interval seconds ago (see --wait)"},
        {"130", "interrupted by SIGINT"},
        {"143", "terminated by SIGTERM"},
    };
    s.environment = {
        {"THINGSPEAK_CHANNEL_ID", "channel id when --channel is not given"},
        {"THINGSPEAK_CLIENT_ID", "MQTT device client id when -i is not given"},
        {"THINGSPEAK_USERNAME", "MQTT device user name when -u is not given"},
        {"THINGSPEAK_PASSWORD", "MQTT device password when -P is not given; keeps it out of ps"},
        {"THINGSPEAK_API_KEY", "write API key for the legacy topic form (turns it on, like --legacy-api-key)"},
        {"XDG_CONFIG_HOME", "where the default credentials file is looked for (default ~/.config)"},
        {"XDG_STATE_HOME", "where the rate-limit state is kept (default ~/.local/state)"},
    };
    s.files = {
        {"$XDG_CONFIG_HOME/mqkit/thingspeak",
         "default credentials file (ThingSpeak's downloaded MQTT device file: clientId, username, password); "
         "read when --credentials is not given; should be mode 0600"},
        {"$XDG_STATE_HOME/mqkit/thingspeak-<channel>.last",
         "time of the channel's last update, locked with flock so concurrent runs keep --min-interval"},
    };
    s.examples = {
        {"Publish two fields and a status to channel 1234567, silently (credentials from the default file):",
         "tspub --channel 1234567 field1=23.5 field2=41 status=ok"},
        {"The same from cron every minute, logging a failure's exit code (in crontab, % must be written \\%):",
         "* * * * *  tspub --channel 1234567 $(/home/pi/bin/read-sensor) || logger -t tspub \"exit $?\""},
        {"See what would be sent, without sending it (the password is never shown):",
         "tspub --channel 1234567 -1 23.5 --dry-run"},
        {"Back-fill readings from a CSV file with a header line, paced by the rate limit:",
         "tspub --channel 1234567 --stdin < readings.csv"},
        {"Try it against a local broker with the packets shown:",
         "tspub -h 127.0.0.1 -p 1883 --no-tls --channel 1234567 field1=1 -d"},
    };
    s.see_also = {"mqpub(1)", "mosquitto_pub(1)"};
    s.groups.push_back(
        {"Values",
         {
             {'1', "field1", "value", vk::text, "value of field1 (the same as field1=VALUE)"},
             {'2', "field2", "value", vk::text, "value of field2"},
             {'3', "field3", "value", vk::text, "value of field3"},
             {'4', "field4", "value", vk::text, "value of field4"},
             {'5', "field5", "value", vk::text, "value of field5"},
             {'6', "field6", "value", vk::text, "value of field6"},
             {'7', "field7", "value", vk::text, "value of field7"},
             {'8', "field8", "value", vk::text, "value of field8"},
             {0, "field", "N value", vk::text, "publish one raw value alone to channels/<id>/publish/fields/fieldN",
              "Takes two words: the field number (1-8) and the value. The payload is the value itself, "
              "not form-encoded. Cannot be combined with other values or --stdin."},
             {0, "stdin", "", vk::none, "publish one update per line of standard input (name=value lines or CSV)",
              "The first line decides the format: with a '=' every line is like 'field1=1 field2=\"two "
              "words\"'; otherwise it is a CSV header such as created_at,field1,field2 and each following "
              "line one row (empty cells are left out, an entry_id column is ignored, latitude/longitude "
              "mean lat/long). Blank lines and '#' comments are skipped; a bad line is reported and "
              "skipped, and tspub then exits 2. One connection carries the whole batch; tspub waits "
              "--min-interval between updates."},
         }});
    s.groups.push_back(
        {"ThingSpeak",
         {
             {0, "channel", "id", vk::text, "channel id, digits only (env: THINGSPEAK_CHANNEL_ID)"},
             {0, "credentials", "file", vk::file,
              "MQTT device credentials file (default: $XDG_CONFIG_HOME/mqkit/thingspeak)",
              "The plain-text file ThingSpeak offers when an MQTT device is created: 'name = value' lines "
              "with clientId (or client_id), username and password, in any case. tspub warns if group or "
              "others can read it."},
             {0, "min-interval", "seconds", vk::number,
              "least time between two updates of the channel, 0 = no limit (default: 15)",
              "Remembered per channel in $XDG_STATE_HOME/mqkit/thingspeak-<channel>.last (default "
              "~/.local/state/mqkit/), locked with flock(2) so concurrent runs are serialised. ThingSpeak "
              "drops faster updates silently; a paid plan allows 1 s."},
             {0, "wait", "", vk::none, "if the channel was updated too recently, wait instead of exiting 8"},
             {0, "dry-run", "", vk::none, "print host, port, client id, topic and payload; send nothing"},
             {0, "legacy-api-key", "key", vk::text,
              "use the retired topic form channels/<id>/publish/<key> (env: THINGSPEAK_API_KEY)",
              "Only for brokers that still take a channel's write API key in the topic. The key is never "
              "printed and is hidden from the process list."},
             {'q',
              "qos",
              "qos",
              vk::choice,
              "quality of service: only 0 (ThingSpeak supports nothing else)",
              {},
              {"0"}},
         }});
    s.groups.push_back(
        {"Connection",
         {
             {'h', "host", "host", vk::host, "broker host (default: mqtt3.thingspeak.com)"},
             {'p', "port", "port", vk::integer,
              "broker port (default: 8883; 1883 with --no-tls; 443 or 80 with --websocket)"},
             {0, "no-tls", "", vk::none, "plain MQTT without TLS (default port 1883)"},
             {0, "websocket", "", vk::none, "MQTT over WebSockets, path /mqtt (default port 443, 80 with --no-tls)"},
             {'i', "id", "id", vk::text, "MQTT device client id (env: THINGSPEAK_CLIENT_ID)"},
             {'k', "keepalive", "seconds", vk::integer, "keep-alive interval, 0-65535 (default: 60)"},
         }});
    s.groups.push_back({"Authentication",
                        {
                            {'u', "username", "user", vk::text, "MQTT device username (env: THINGSPEAK_USERNAME)"},
                            {'P', "pw", "password", vk::text,
                             "MQTT device password (THINGSPEAK_PASSWORD or a credentials file keep it out of ps)",
                             "A password given on the command line is overwritten in the process's argument list once "
                             "read, but it can still be seen briefly."},
                        }});
    // TLS as every mqkit tool takes it; without these, the OS certificate store is trusted.
    s.groups.push_back(
        pick(detail::tls_group(), {"cafile", "capath", "cert", "key", "key-pw-file", "keyform", "ciphers",
                                   "tls-version", "tls-alpn", "insecure", "tls-use-os-certs"}));
    s.groups.push_back(pick(detail::general_group(), {"debug", "quiet", "help", "version"}));
    return s;
}

}  // namespace

const tool_spec& tspub_spec() {
    static const tool_spec spec = make_tspub();
    return spec;
}

}  // namespace mqkit

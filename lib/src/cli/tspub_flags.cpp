// The flag table of tspub (ThingSpeak publisher), the one source of its parser, --help, man page and completions;
// and the flags tspub and tssub share as a ThingSpeak device.
#include "mqkit/flags.hpp"

#include "cli/flag_groups.hpp"
#include "cli/thingspeak_flags.hpp"

#include <algorithm>

namespace mqkit {

namespace detail {

using vk = value_kind;

flag_group pick(flag_group group, std::vector<std::string_view> names) {
    group.flags.erase(
        std::remove_if(group.flags.begin(), group.flags.end(),
                       [&](const flag& f) { return std::find(names.begin(), names.end(), f.name) == names.end(); }),
        group.flags.end());
    return group;
}

flag channel_flag() {
    return {0, "channel", "id", vk::text, "channel id, digits only (env: THINGSPEAK_CHANNEL_ID)"};
}

flag credentials_flag() {
    return {0,
            "credentials",
            "file",
            vk::file,
            "MQTT device credentials file (default: $XDG_CONFIG_HOME/mqkit/thingspeak)",
            "The plain-text file ThingSpeak offers when an MQTT device is created: 'name = value' lines "
            "with clientId (or client_id), username and password, in any case. A warning says so if group "
            "or others can read it."};
}

std::vector<flag_group> device_groups() {
    std::vector<flag_group> groups;
    groups.push_back(
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
    groups.push_back({"Authentication",
                      {
                          {'u', "username", "user", vk::text, "MQTT device username (env: THINGSPEAK_USERNAME)"},
                          {'P', "pw", "password", vk::text,
                           "MQTT device password (THINGSPEAK_PASSWORD or a credentials file keep it out of ps)",
                           "A password given on the command line is overwritten in the process's argument list once "
                           "read, but it can still be seen briefly."},
                      }});
    // TLS as every mqkit tool takes it; without these, the OS certificate store is trusted.
    groups.push_back(pick(tls_group(), {"cafile", "capath", "cert", "key", "key-pw-file", "keyform", "ciphers",
                                        "tls-version", "tls-alpn", "insecure", "tls-use-os-certs"}));
    return groups;
}

std::vector<doc_entry> device_environment() {
    return {
        {"THINGSPEAK_CHANNEL_ID", "channel id when --channel is not given"},
        {"THINGSPEAK_CLIENT_ID", "MQTT device client id when -i is not given"},
        {"THINGSPEAK_USERNAME", "MQTT device user name when -u is not given"},
        {"THINGSPEAK_PASSWORD", "MQTT device password when -P is not given; keeps it out of ps"},
    };
}

doc_entry credentials_file_entry() {
    return {"$XDG_CONFIG_HOME/mqkit/thingspeak",
            "default credentials file (ThingSpeak's downloaded MQTT device file: clientId, username, password); "
            "read when --credentials is not given; should be mode 0600"};
}

}  // namespace detail

namespace {

using vk = value_kind;

void add_tspub_docs(tool_spec& s) {
    s.exit_status = {
        {"0",
         "the update(s) went out (nothing is printed), or a run sending the spool took it over; also --help, "
         "--version, --dry-run, --list"},
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
        {"9", "--confirm: the update did not appear on the channel's feed in time (or subscribing was refused)"},
        {"10", "--spool: a reading could not be saved (disk full...), or a damaged spool file was set aside"},
        {"130", "interrupted by SIGINT"},
        {"143", "terminated by SIGTERM"},
    };
    s.environment = detail::device_environment();
    s.environment.insert(
        s.environment.end(),
        {
            {"THINGSPEAK_API_KEY", "write API key for the legacy topic form (turns it on, like --legacy-api-key)"},
            {"XDG_CONFIG_HOME", "where the default credentials file is looked for (default ~/.config)"},
            {"XDG_STATE_HOME", "where the rate-limit state is kept (default ~/.local/state)"},
        });
    s.files = {
        detail::credentials_file_entry(),
        {"$XDG_STATE_HOME/mqkit/thingspeak-<channel>.last",
         "time of the channel's last update, locked with flock so concurrent runs keep --min-interval"},
        {"<spool>/<channel>-<time>-<pid>-<n>.entry",
         "--spool: one waiting reading each (removed once sent); .bad and .unconfirmed: set aside, kept"},
        {"<spool>/.<channel>.lock", "--spool: held (flock) by the run sending the channel's spool"},
    };
    s.see_also = {"mqpub(1)", "mosquitto_pub(1)", "cron(8)"};
}

void add_tspub_examples(tool_spec& s) {
    s.examples = {
        {"Publish two fields and a status to channel 1234567, silently (credentials from the default file):",
         "tspub --channel 1234567 field1=23.5 field2=41 status=ok"},
        {"From cron every minute, nothing lost: each reading is saved in a spool until ThingSpeak shows it on the "
         "channel's feed; a failure's exit code goes to the system log (in crontab, % must be written \\%):",
         "* * * * *  tspub --channel 1234567 --spool ~/.local/state/mqkit/spool --confirm "
         "$(/home/pi/bin/read-sensor) || logger -t tspub \"exit $?\""},
        {"See what waits in the spool:", "tspub --spool ~/.local/state/mqkit/spool --list"},
        {"See what would be sent, without sending it (the password is never shown):",
         "tspub --channel 1234567 -1 23.5 --dry-run"},
        {"Back-fill readings from a CSV file with a header line, paced by the rate limit:",
         "tspub --channel 1234567 --stdin < readings.csv"},
        {"Try it against a local broker with the packets shown:",
         "tspub -h 127.0.0.1 -p 1883 --no-tls --channel 1234567 field1=1 -d"},
    };
}

flag_group values_group() {
    flag_group g{"Values",
                 {
                     {'1', "field1", "value", vk::text, "value of field1 (the same as field1=VALUE)"},
                     {'2', "field2", "value", vk::text, "value of field2"},
                     {'3', "field3", "value", vk::text, "value of field3"},
                     {'4', "field4", "value", vk::text, "value of field4"},
                     {'5', "field5", "value", vk::text, "value of field5"},
                     {'6', "field6", "value", vk::text, "value of field6"},
                     {'7', "field7", "value", vk::text, "value of field7"},
                     {'8', "field8", "value", vk::text, "value of field8"},
                 }};
    g.flags.push_back({0, "field", "N value", vk::text,
                       "publish one raw value alone to channels/<id>/publish/fields/fieldN",
                       "Takes two words: the field number (1-8) and the value. The payload is the value itself, "
                       "not form-encoded. Cannot be combined with other values or --stdin. With --spool it goes "
                       "as fieldN=VALUE to channels/<id>/publish, where created_at can go with it."});
    g.flags.push_back({0, "stdin", "", vk::none,
                       "publish one update per line of standard input (name=value lines or CSV)",
                       "The first line decides the format: with a '=' every line is like 'field1=1 field2=\"two "
                       "words\"'; otherwise it is a CSV header such as created_at,field1,field2 and each following "
                       "line one row (empty cells are left out, an entry_id column is ignored, latitude/longitude "
                       "mean lat/long). Blank lines and '#' comments are skipped; a bad line is reported and "
                       "skipped, and tspub then exits 2. One connection carries the whole batch; tspub waits "
                       "--min-interval between updates."});
    return g;
}

flag_group cron_group() {
    return {"Cron: nothing lost",
            {
                {0, "confirm", "", vk::none,
                 "wait until the update shows on the channel's feed (--confirm=S: at most S s; default 20)",
                 "Before publishing, tspub subscribes to channels/<id>/subscribe with the same device credentials "
                 "and client id, and waits until an update with the values sent comes back (the fields must "
                 "match; status and location when the feed carries them; created_at to the second). The device "
                 "must be authorised in ThingSpeak to subscribe to the channel as well as to publish. Not seen in "
                 "time: exit 9, naming the likely causes (the rate limit, a field not enabled in the channel, no "
                 "subscribe authorisation). -v prints each confirmed update's entry_id and created_at."},
                {0, "spool", "dir", vk::dir, "keep each reading in DIR until it is sent (and confirmed), oldest first",
                 "Every reading is written to DIR first (a file per reading, written to a temporary file, "
                 "fsync'd and renamed), with the time it was taken; then everything waiting for the channel is "
                 "sent oldest first, --min-interval apart, each file removed only once sent (and confirmed with "
                 "--confirm), and each update carries its created_at (ISO 8601, UTC). A reading that cannot be "
                 "sent (network down, broker refuses, not confirmed, rate limit) stays for the next run. One run "
                 "per channel sends at a time (flock on DIR/.<channel>.lock); a run that finds it taken leaves "
                 "its reading to that run and exits 0. A damaged file is set aside as .bad, and an entry published "
                 "3 times without confirmation as .unconfirmed (kept, shown by --list)."},
                {0, "list", "", vk::none, "with --spool: print what waits in the spool; send nothing",
                 "One line per file: channel, created_at, state (waiting, unconfirmed, damaged), unconfirmed "
                 "attempts, the values and the file's name, after a header line; nothing when the spool is "
                 "empty. Needs no credentials and sends nothing."},
                {'v', "verbose", "", vk::none,
                 "a line per update sent: 'entry_id=N created_at=T' (--confirm), else 'sent TOPIC PAYLOAD'"},
            }};
}

flag_group thingspeak_group() {
    return {
        "ThingSpeak",
        {
            detail::channel_flag(),
            detail::credentials_flag(),
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
            {'q', "qos", "qos", vk::choice, "quality of service: only 0 (ThingSpeak supports nothing else)", {}, {"0"}},
        }};
}

tool_spec make_tspub() {
    tool_spec s{
        "tspub",
        "publish readings to a ThingSpeak channel over MQTT, quietly (made for cron)",
        "--channel ID {name=value ... | -N value ... | --field N value | --stdin} [options]\n"
        "--spool DIR --list [--channel ID]",
        "tspub connects to ThingSpeak's MQTT broker (mqtt3.thingspeak.com, TLS on port 8883, the OS "
        "certificate store) as an MQTT device, publishes one channel update to channels/<id>/publish "
        "(name=value pairs joined by '&', form-URL-encoded), disconnects and exits 0 without printing "
        "anything. Names are field1..field8, status, lat, long, elevation and created_at; a value may "
        "hold at most 255 characters. A local minimum interval per channel, remembered between runs "
        "in a state file, keeps two runs from updating the channel faster than ThingSpeak accepts."
        "\n\n"
        "ThingSpeak accepts only QoS 0 and drops an update without a word when it comes too soon, when the "
        "device may not write the channel, or when the network is down. --confirm waits until the update "
        "shows on the channel's feed, and --spool keeps every reading on disk until it has gone out (and been "
        "confirmed), so that a cron job loses nothing.",
        {},
    };
    add_tspub_docs(s);
    add_tspub_examples(s);
    s.groups.push_back(values_group());
    s.groups.push_back(thingspeak_group());
    s.groups.push_back(cron_group());
    for (auto& g : detail::device_groups()) s.groups.push_back(std::move(g));
    s.groups.push_back(detail::pick(detail::general_group(), {"debug", "quiet", "help", "version"}));
    return s;
}

}  // namespace

const tool_spec& tspub_spec() {
    static const tool_spec spec = make_tspub();
    return spec;
}

}  // namespace mqkit

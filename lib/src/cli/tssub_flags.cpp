// The flag table of tssub (ThingSpeak channel reader): the one source of its parser, --help, man page and completions.
#include "mqkit/flags.hpp"

#include "cli/flag_groups.hpp"
#include "cli/thingspeak_flags.hpp"

namespace mqkit {
namespace {

using vk = value_kind;

void add_tssub_docs(tool_spec& s) {
    s.exit_status = {
        {"0", "-C reached, or the output pipe was closed; also --help and --version"},
        {"1", "any other error"},
        {"2", "bad arguments (channel id, field number, --csv with --json, ...)"},
        {"3", "credentials missing, or a credentials file unreadable"},
        {"4", "the broker refused the credentials (CONNACK) or the subscription to the channel's feed"},
        {"5", "the broker's host name does not resolve (DNS)"},
        {"6",
         "cannot connect (refused, unreachable, timeout), or the broker refused it for another reason than the "
         "credentials or broke the MQTT protocol"},
        {"7", "TLS failure (certificate not trusted, wrong host name, not a TLS port)"},
        {"27", "-W: the time limit ran out (as mqsub)"},
        {"130", "interrupted by SIGINT"},
        {"143", "terminated by SIGTERM"},
    };
    s.environment = detail::device_environment();
    s.environment.push_back(
        {"XDG_CONFIG_HOME", "where the default credentials file is looked for (default ~/.config)"});
    s.environment.push_back({"NO_COLOR, TERM, COLUMNS", "--stats on a terminal: no bold, no redrawing (dumb), width"});
    s.files = {detail::credentials_file_entry()};
    s.examples = {
        {"Print each update of channel 1234567 as it arrives (credentials from the default file):",
         "tssub --channel 1234567"},
        {"Field 1's raw values, ten of them:", "tssub --channel 1234567 --field 1 -C 10"},
        {"Record the channel as CSV in ThingSpeak's own column order for an hour (tspub --stdin takes it back):",
         "tssub --channel 1234567 --csv -W 3600 > feed.csv"},
        {"Watch min/mean/max and the trend of each field over the last 10 minutes:",
         "tssub --channel 1234567 --stats --window 600"},
    };
    s.see_also = {"mqsub(1)", "mosquitto_sub(1)"};
}

flag_group channel_group() {
    return {"Channel",
            {
                detail::channel_flag(),
                {0, "field", "N", vk::integer,
                 "print field N's raw values only (from channels/<id>/subscribe/fields/fieldN)"},
                detail::credentials_flag(),
            }};
}

flag_group output_group() {
    return {"Output",
            {
                {0, "csv", "", vk::none, "CSV in the columns of ThingSpeak's own export, after a header line",
                 "The columns are created_at,entry_id,field1,...,field8,latitude,longitude,elevation,status. "
                 "The header line comes before the first update; values with a comma, quote or line break are "
                 "quoted as RFC 4180 says. tspub --stdin reads it back."},
                {0, "json", "", vk::none, "each update as one JSON object a line, as ThingSpeak sent it"},
                {'C', "count", "count", vk::integer, "exit after this many updates"},
                {'W', "timeout", "seconds", vk::integer,
                 "stop after this many seconds with exit status 27, unless -C ended it first",
                 "As mqsub's -W: a limit on the whole run, counted from the connection."},
            }};
}

flag_group stats_group() {
    return {
        "Statistics",
        {
            {0, "stats", "", vk::none, "live count, rate, min/mean/max and trend of each field instead of the updates",
             "mqsub --stats' view with the channel's fields as its rows: redrawn in place every --interval on "
             "a terminal, otherwise one 'stats' line per field and one 'all' line per refresh (format in "
             "README, 'Watching and averaging'). -C and -W still apply."},
            {0, "window", "seconds", vk::number,
             "with --stats: rolling window for rate and min/mean/max (default: 60)"},
            {0, "interval", "seconds", vk::number, "with --stats: seconds between refreshes, 0.1-3600 (default: 1)"},
        }};
}

tool_spec make_tssub() {
    tool_spec s{
        "tssub",
        "print a ThingSpeak channel's updates as they arrive, over MQTT",
        "--channel ID [--field N] [--csv | --json | --stats] [-C count] [-W seconds] [options]",
        "tssub connects to ThingSpeak's MQTT broker (mqtt3.thingspeak.com, TLS on port 8883, the OS "
        "certificate store) as an MQTT device, with the same credentials file, environment and defaults as "
        "tspub, subscribes to channels/<id>/subscribe and prints each update of the channel as it arrives: "
        "'created_at field1=... field2=...' (a value with spaces or quotes in double quotes), --csv or --json. "
        "With --field N it prints field N's raw values. It reconnects and subscribes again when the link drops."
        "\n\n"
        "The MQTT device must be authorised in ThingSpeak to subscribe to the channel. Updates written "
        "while tssub is not connected are not sent again, and bulk writes are never pushed to subscribers; "
        "ThingSpeak accepts QoS 0 only.",
        {},
    };
    add_tssub_docs(s);
    s.groups.push_back(channel_group());
    s.groups.push_back(output_group());
    s.groups.push_back(stats_group());
    for (auto& g : detail::device_groups()) s.groups.push_back(std::move(g));
    s.groups.push_back(detail::pick(detail::general_group(), {"debug", "quiet", "help", "version"}));
    return s;
}

}  // namespace

const tool_spec& tssub_spec() {
    static const tool_spec spec = make_tssub();
    return spec;
}

}  // namespace mqkit

// ThingSpeak for tspub and tssub: exit codes, payload encoding, credentials files, --stdin parsing, rate-limit state,
// the typed configurations.
#pragma once

#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/options.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqkit {

/// tspub's exit status: one code per class of failure, so cron wrappers can branch on it
/// (README "tspub: ThingSpeak from cron", the man page and --help list them).
enum class tspub_exit : int {
    ok = 0,
    failure = 1,         ///< anything not below (internal error, unreadable state directory...)
    usage = 2,           ///< bad arguments or values: unknown field, field number, channel id, too long...
    no_credentials = 3,  ///< client id, username or password not found, or a credentials file unreadable
    refused = 4,         ///< the broker refused the connection (CONNACK: bad credentials, not authorised)
    dns = 5,             ///< the broker's host name does not resolve
    network = 6,         ///< cannot connect (refused, unreachable, timeout) or the connection was lost
    tls = 7,             ///< TLS handshake failed (certificate not trusted, wrong host name, not TLS)
    rate_limited = 8,    ///< the channel was updated less than --min-interval seconds ago (no --wait)
    not_confirmed = 9,   ///< --confirm: the update did not show on the channel's feed in time
    spool = 10,          ///< --spool: a reading could not be saved, or a spool file was damaged
    interrupted = 130,   ///< SIGINT
    terminated = 143,    ///< SIGTERM
};

/// Builds an mqkit::error carrying a tspub exit code.
error tspub_error(tspub_exit code, const std::string& message, std::string hint = {});

/// tssub's exit status. The classes it shares with tspub have tspub's numbers; -W's time limit is
/// mqsub's 27.
enum class tssub_exit : int {
    ok = 0,
    failure = 1,
    usage = 2,
    no_credentials = 3,
    refused = 4,  ///< CONNACK refusal, or the subscription to the channel's feed refused
    dns = 5,
    network = 6,
    tls = 7,
    timeout = 27,  ///< -W: the time limit ran out
    interrupted = 130,
    terminated = 143,
};

namespace thingspeak {

/// ThingSpeak's MQTT broker.
inline constexpr std::string_view default_host = "mqtt3.thingspeak.com";
/// Longest value tspub sends, in characters (UTF-8 code points): ThingSpeak keeps 255 per field.
inline constexpr std::size_t max_value_chars = 255;
/// The free tier's one update per 15 s, tspub's default --min-interval.
inline constexpr double default_min_interval = 15.0;

/// One `name=value` of an update, name already checked (field1..field8, status, lat, long,
/// elevation, created_at).
struct field_value {
    std::string name;
    std::string value;  ///< raw, not encoded
    bool operator==(const field_value& o) const { return name == o.name && value == o.value; }
};

/// One channel update: the values of one PUBLISH, in the order given.
using update = std::vector<field_value>;

/// Default of --confirm: seconds to wait for the update on the channel's feed.
inline constexpr double default_confirm_seconds = 20.0;

/// application/x-www-form-urlencoded: unreserved characters (A-Z a-z 0-9 - . _ ~) kept, space as
/// '+', every other byte as %XX (upper-case hex).
std::string form_encode(std::string_view text);

/// `name=value&...` with every value form-encoded.
std::string build_payload(const update& values);

/// The inverse of form_encode: '+' is a space, %XX a byte. Throws a usage error for a '%' not
/// followed by two hex digits.
std::string form_decode(std::string_view text);

/// The inverse of build_payload: `name=value&...` into pairs, values decoded. Throws a usage error
/// for a pair without '=' or a bad escape; names and values are not checked (see check_update).
update parse_payload(std::string_view payload);

/// The value of `name` in `values`, or nullptr.
const std::string* find_value(const update& values, std::string_view name);

/// Unix seconds as ThingSpeak writes created_at: `2024-05-01T10:00:00Z` (UTC).
std::string iso_utc(std::int64_t unix_seconds);

/// An ISO 8601 time with a zone (`2024-05-01T10:00:00Z`, `2024-05-01 12:00:00+02:00`, `...+0200`,
/// fractions of a second ignored) as unix seconds; nullopt without a zone (ThingSpeak would read
/// it in the channel's time zone) or when it is not such a time.
std::optional<std::int64_t> parse_iso_time(std::string_view text);

/// Checks one name/value pair; throws a tspub_exit::usage error naming the pair for an unknown
/// name, a field number outside 1-8, an empty value or one longer than max_value_chars.
void check_value(const std::string& name, const std::string& value);

/// Checks a whole update: every pair (check_value), no name twice, at least one pair.
void check_update(const update& values);

/// The field number of "field<N>" (1-8); throws a usage error for other numbers.
int parse_field_number(const std::string& text, const std::string& where);

/// A channel id: digits only, no leading zero, at most 18 digits. `source` names where it came
/// from ("--channel", "THINGSPEAK_CHANNEL_ID") for the error message.
std::string parse_channel_id(const std::string& text, const std::string& source);

/// `channels/<id>/publish`, or `channels/<id>/publish/<key>` with a legacy write API key.
std::string feed_topic(const std::string& channel, const std::optional<std::string>& legacy_key);
/// `channels/<id>/publish/fields/field<N>` (+ `/<key>` with a legacy write API key).
std::string field_topic(const std::string& channel, int field, const std::optional<std::string>& legacy_key);
/// `channels/<id>/subscribe` (field 0: the whole feed, as JSON) or
/// `channels/<id>/subscribe/fields/field<N>` (one field's raw value).
std::string subscribe_topic(const std::string& channel, int field = 0);

/// Client id, username and password of a ThingSpeak MQTT device; any may be missing.
struct credentials {
    std::optional<std::string> client_id;
    std::optional<std::string> username;
    std::optional<std::string> password;  ///< never printed
};

/// Parses the plain-text credentials file ThingSpeak offers for an MQTT device: `name = value`
/// lines; keys clientId/client_id/client-id, username, password in any case; blank lines, '#'
/// comments, unknown keys, a UTF-8 BOM and CRLF line ends are ignored. Never throws.
credentials parse_credentials_file(std::string_view text);

/// One place tspub looks for credentials, in precedence order.
struct credential_source {
    std::string label;   ///< as shown in errors: "-i/-u/-P", an environment variable, a path
    credentials values;  ///< what this source holds
    std::string note;    ///< why it held nothing, e.g. "not found"; empty otherwise
};

/// Takes each of client id, username and password from the first source that has it. With
/// `require_all`, a missing one is a tspub_exit::no_credentials error saying which are missing and
/// listing every place looked (with its note), with `hint` as its hint line.
credentials merge_credentials(const std::vector<credential_source>& sources, bool require_all,
                              const std::string& hint = {});

/// `$XDG_CONFIG_HOME/mqkit/thingspeak`, else `$HOME/.config/mqkit/thingspeak`; empty when neither
/// variable is set (a relative XDG_CONFIG_HOME is ignored, as the XDG spec says).
std::string default_credentials_path(env_lookup env);
/// `$XDG_STATE_HOME/mqkit`, else `$HOME/.local/state/mqkit`; empty when neither is set.
std::string state_directory(env_lookup env);
/// The state file of one channel inside `dir`: `<dir>/thingspeak-<channel>.last`.
std::string state_file_path(const std::string& dir, const std::string& channel);

/// Reads --stdin updates line by line. The first line that is not blank or a '#' comment decides
/// the format: with a '=' it is the line format (`field1=1 field2="two words"`), otherwise it is
/// the header of CSV (`created_at,field1,field2`; RFC 4180 quoting; empty cells are left out;
/// an `entry_id` column is ignored and latitude/longitude mean lat/long, so ThingSpeak's own CSV
/// export can be fed back).
class update_reader {
public:
    /// The update on `line` (without its '\n'), or nullopt for a blank line, comment or the CSV
    /// header. Throws a tspub_exit::usage error (without line number) for a bad line; a bad CSV
    /// header is fatal, the caller may skip any other bad line and go on.
    std::optional<update> feed(std::string_view line);
    /// True once the first line that is not blank or a comment has been seen.
    bool started() const { return started_; }
    /// True if that line was a CSV header.
    bool is_csv() const { return csv_; }

private:
    bool started_ = false;
    bool csv_ = false;
    std::vector<std::string> columns_;  // canonical names; empty = ignored column
};

/// Outcome of a rate-limit check.
struct rate_check {
    bool allowed = true;        ///< an update may go now
    double next_allowed = 0.0;  ///< unix time from which the next update is allowed
};

/// Whether an update may go at `now` (unix seconds) when the last one went at `last`. A `last` in
/// the future (the clock went back) counts as `now`, so a wait never exceeds `interval`.
rate_check check_rate(std::optional<double> last, double now, double interval);

/// The state file's contents: the unix time of the channel's last update, e.g. "1732530000.125\n".
std::string format_state(double unix_time);
/// Parses format_state's output; nullopt for an empty or damaged file.
std::optional<double> parse_state(std::string_view text);

/// The per-channel rate-limit state file, shared by concurrent tspub runs through flock(2): the
/// check and the reservation happen under one lock, so two runs never both get a slot within the
/// interval. The lock is held only for the read and write, never across the network.
class rate_state {
public:
    /// Opens (creating it and its directories, mode 0600/0700) the state file at `path`. Throws a
    /// tspub_exit::failure error if it cannot.
    explicit rate_state(std::string path);
    ~rate_state();
    rate_state(const rate_state&) = delete;
    rate_state& operator=(const rate_state&) = delete;

    /// If an update is allowed at `now`, records `now` as a reservation and returns allowed;
    /// otherwise returns when the next one is allowed and changes nothing.
    rate_check try_reserve(double now, double interval);
    /// Replaces the reservation with the time the update actually went out.
    void commit(double sent_at);
    /// Puts back the previous time if the file still holds this run's reservation (the update
    /// could not be sent).
    void rollback();
    /// The file's path.
    const std::string& path() const { return path_; }

private:
    std::string read_locked();
    void write_locked(const std::string& text);

    std::string path_;
    int fd_ = -1;
    std::string previous_;     // contents before our reservation
    std::string reservation_;  // what we wrote; empty if none pending
};

}  // namespace thingspeak

/// What tspub and tssub share: how to reach ThingSpeak and where the device's credentials come
/// from. Credentials files are read at run time (resolve_credentials in thingspeak/device.hpp).
struct device_config {
    connection_config conn;                ///< host, port, TLS, transport; credentials filled at run time
    bool client_id_given = false;          ///< -i was given (else conn.client_id is a generated default)
    thingspeak::credentials from_flags;    ///< -i -u -P
    thingspeak::credentials from_env;      ///< THINGSPEAK_CLIENT_ID/USERNAME/PASSWORD
    std::string credentials_file;          ///< --credentials FILE; empty = none
    std::string default_credentials_file;  ///< default_credentials_path(); empty if unknown
};

/// Everything tspub needs to run, as parsed from the command line and environment.
struct tspub_config : device_config {
    std::string channel;        ///< checked channel id; empty only with --list
    thingspeak::update values;  ///< name=value and -1..-8, in order (empty with --field/--stdin)
    int single_field = 0;       ///< --field N (1-8); 0 = not used
    std::string single_value;   ///< --field's raw value
    bool from_stdin = false;    ///< --stdin
    double min_interval = thingspeak::default_min_interval;  ///< seconds, 0 = no rate limit
    bool wait = false;                                       ///< --wait: wait for the rate limit instead of exiting 8
    bool dry_run = false;                                    ///< --dry-run
    std::optional<std::string> legacy_key;                   ///< --legacy-api-key / THINGSPEAK_API_KEY; never printed
    std::string state_dir;                                   ///< state_directory(); empty if unknown
    std::optional<double> confirm;  ///< --confirm[=S]: seconds to wait for the update on the feed
    std::string spool_dir;          ///< --spool DIR; empty = no spool
    bool list = false;              ///< --list: show what waits in the spool
    bool verbose = false;           ///< -v: a line per update that went out
};

/// Parses tspub's arguments (args excludes argv[0]). Throws an error with tspub_exit::usage on any
/// bad input. Pure: reads only `env`.
parse_result<tspub_config> parse_tspub(const std::vector<std::string>& args, env_lookup env = nullptr,
                                       const process_identity& who = {});

/// How tssub prints each update of the feed.
enum class tssub_output { plain, csv, json };

/// Everything tssub needs to run.
struct tssub_config : device_config {
    std::string channel;                        ///< checked channel id
    int field = 0;                              ///< --field N: that field's raw values; 0 = the whole feed
    tssub_output output = tssub_output::plain;  ///< --csv, --json
    long count = 0;                             ///< -C: exit after this many updates; 0 = no limit
    std::optional<long> timeout;                ///< -W seconds
    stats_options stats;                        ///< --stats, --window, --interval (stats.field unused)
};

/// Parses tssub's arguments (args excludes argv[0]); usage errors exit 2. Pure: reads only `env`.
parse_result<tssub_config> parse_tssub(const std::vector<std::string>& args, env_lookup env = nullptr,
                                       const process_identity& who = {});

}  // namespace mqkit

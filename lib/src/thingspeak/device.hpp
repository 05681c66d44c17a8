// What tspub and tssub share as a ThingSpeak MQTT device: the connection flags with ThingSpeak's
// defaults, where the credentials come from, and how a failed connect is explained.
#pragma once

#include "cli/parser.hpp"
#include "mqkit/error.hpp"
#include "mqkit/session.hpp"
#include "thingspeak/thingspeak.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace mqkit::thingspeak {

/// A non-empty environment variable, or nullopt.
std::optional<std::string> env_value(env_lookup env, const char* name);

/// The value of flag `name`, or nullopt; an empty one is a usage error ("-u/--username: empty
/// username").
std::optional<std::string> non_empty_flag(const tool_spec& spec, const detail::raw_args& raw, std::string_view name,
                                          std::string_view what);

/// The connection and credential flags (-h -p --no-tls --websocket -i -k -u -P --credentials, the
/// TLS options, -d, --quiet) with ThingSpeak's defaults: mqtt3.thingspeak.com, TLS trusting the OS
/// store on 8883 (1883 with --no-tls; 443/80 with --websocket, path /mqtt), MQTT 3.1.1. Fills `c`
/// and returns the connection's warnings (e.g. --insecure).
std::vector<std::string> parse_device(const tool_spec& spec, const detail::raw_args& raw, env_lookup env,
                                      const process_identity& who, device_config& c);

/// The channel from --channel, else THINGSPEAK_CHANNEL_ID; nullopt if neither is given.
std::optional<std::string> parse_channel(const detail::raw_args& raw, env_lookup env);

/// Fills c.conn.client_id/username/password, each from the first place that has it: flags > env >
/// --credentials > the default file (read only when --credentials is not given and flags and env
/// do not already hold all three). `tool` names the warnings; with `require_all` a missing one is
/// a tspub_exit::no_credentials error naming every place looked.
void resolve_credentials(device_config& c, std::string_view tool, bool require_all = true);

/// A failed connect in tspub's classes: CONNACK refusal (4), DNS (5), TCP (6), TLS (7). Signals and
/// mqsub's -W deadline (27) pass through unchanged.
error classify_connect_failure(const connection_config& c, const error& e);

/// Subscribes to `topic` at QoS 0 and waits for SUBACK; true if the broker refused it (a failure
/// code, which Paho reports as an error under MQTT 3.1.1). Other errors (a signal, a lost link)
/// are thrown.
bool subscription_refused(session& s, const std::string& topic);

/// Returns parse(); a bad argument that the shared building blocks report with mosquitto's status 1
/// becomes ThingSpeak's usage status (tspub_exit::usage, 2), as tspub and tssub document it.
template <class Parse>
auto with_usage_status(Parse parse) -> decltype(parse()) {
    try {
        return parse();
    } catch (const error& e) {
        if (e.status() == static_cast<int>(exit_code::failure))
            throw tspub_error(tspub_exit::usage, e.what(), e.hint());
        throw;
    }
}

/// "MQTT over TLS, OS certificate store", "MQTT over WebSockets (ws, path /mqtt)", ...
std::string transport_text(const connection_config& conn);

}  // namespace mqkit::thingspeak

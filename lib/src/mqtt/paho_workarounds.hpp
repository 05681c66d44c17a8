// Where mqkit's own programs tell libmqkit which of Paho's faults they work around
// (mqtt/workarounds/, linked into mqkit's executables only) and ask the protocol guard what it saw.
// A program that merely links libmqkit registers nothing: it runs on Paho as Paho is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mqkit::detail {

/// The protocol guard's finding when the port answered a CONNECT in HTTP (a WebSocket listener):
/// no protocol error of a broker, but the wrong port or transport.
inline constexpr std::string_view http_answer_fault = "the port answered in HTTP, not MQTT";

struct paho_workarounds {
    /// One line per workaround compiled into the program, whether it is on and why, e.g. "send
    /// guard: on (verified on Paho C 1.3.11, 1.3.14)".
    std::vector<std::string> status;
    /// The protocol guard's first finding ("the broker answered ..."), or "" (null: no guard).
    std::string (*protocol_fault)() = nullptr;
    /// The packet of that finding as mosquitto's -d shows it ("received PUBACK (Mid: 1, RC:0)"), or "".
    std::string (*protocol_fault_trace)() = nullptr;
};

/// Called once, before main, by the program's workarounds.
void register_paho_workarounds(paho_workarounds w);

/// What was registered; empty for a program without workarounds.
const paho_workarounds& registered_paho_workarounds();

/// The protocol guard's first finding in this process, or "" (also when there is no guard).
std::string paho_protocol_fault();
/// Its packet as mosquitto's -d shows it received, or "".
std::string paho_protocol_fault_trace();

}  // namespace mqkit::detail

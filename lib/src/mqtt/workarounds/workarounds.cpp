// Turns on the workarounds this program was linked with (CMakeLists.txt decides which) before main
// runs, once Paho C's run-time version is the one they were verified on, and tells libmqkit
// (mqtt/paho_workarounds.hpp) what is on, for --version and the protocol guard's findings.
// MQKIT_PAHO_WORKAROUNDS=off in the environment leaves them off, to show Paho's own behaviour.
#include "mqtt/workarounds/workarounds.hpp"

#include "mqtt/paho_workarounds.hpp"

#include <MQTTAsync.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace mqkit::workarounds {
namespace {

std::string run_time_paho_c_version() {
    for (MQTTAsync_nameValue* nv = MQTTAsync_getVersionInfo(); nv && nv->name; ++nv)
        if (std::strcmp(nv->name, "Version") == 0) return nv->value;
    return "unknown";
}

/// "<name>: on (verified on Paho C 1.3.11, 1.3.14)" or "<name>: off (<why>)".
std::string status(const char* name, bool on, const std::string& why_off) {
    return std::string(name) + (on ? ": on (verified on Paho C " MQKIT_PAHO_C_VERIFIED ")" : ": off (" + why_off + ")");
}

__attribute__((constructor)) void install() {
    const std::string version = run_time_paho_c_version();
    const char* env = std::getenv("MQKIT_PAHO_WORKAROUNDS");
    std::string why_off;
    if (env && std::strcmp(env, "off") == 0)
        why_off = "MQKIT_PAHO_WORKAROUNDS=off";
    else if (version != MQKIT_PAHO_C_BUILT)
        why_off = "built for Paho C " MQKIT_PAHO_C_BUILT ", running on " + version;
    const bool on = why_off.empty();
    detail::paho_workarounds registered;
#ifdef MQKIT_WORKAROUND_PAHO_C_COPY
    registered.status.push_back(std::string("Paho C linked in without its debug trackers (verified on Paho C ") +
                                MQKIT_PAHO_C_VERIFIED + ")");
#endif
#ifdef MQKIT_WORKAROUND_SEND_GUARD
    send_guard_on = on;
    registered.status.push_back(status("send guard", on, why_off));
#endif
#ifdef MQKIT_WORKAROUND_PROTOCOL_GUARD
    protocol_guard_on = on;
    registered.status.push_back(status("protocol guard", on, why_off));
    if (on) {
        registered.protocol_fault = protocol_fault;
        registered.protocol_fault_trace = protocol_fault_trace;
    }
#endif
    detail::register_paho_workarounds(std::move(registered));
}

}  // namespace
}  // namespace mqkit::workarounds

// The switches between the workarounds of this folder and the installer that sets them
// (workarounds.cpp). Everything here is linked into mqkit's executables only, never into libmqkit.
#pragma once

#include <atomic>
#include <string>

namespace mqkit::workarounds {

/// send_guard.cpp stands in front of libc for Paho's threads while this is on.
extern std::atomic<bool> send_guard_on;
/// protocol_guard.cpp checks Paho C's packets while this is on.
extern std::atomic<bool> protocol_guard_on;

/// The protocol guard's first finding ("the broker answered ..."), or "".
std::string protocol_fault();
/// The packet of that finding as mosquitto's -d shows it ("received PUBACK (Mid: 1, RC:0)"), or "".
std::string protocol_fault_trace();

}  // namespace mqkit::workarounds

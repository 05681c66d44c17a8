// What the protocol guard (paho_protocol_guard.cpp) saw: a broker's answer that would have made
// Paho C crash or corrupt its session, and for which the guard closed the connection instead.
#pragma once

#include <string>

namespace mqkit::detail {

/// The first protocol fault the guard found in this process ("the broker answered ..."), or ""
/// when there was none (or the guard is not built in: the shared Paho C is linked).
std::string paho_protocol_fault();

/// True when the guard is compiled in (Paho C linked into libmqkit; see lib/paho-c/paho-c.cmake).
bool paho_protocol_guard_active();

}  // namespace mqkit::detail

// Paho's side of mqkit::session (mqkit/session.hpp), for the pieces of the mqtt layer and their
// white-box tests: Paho's set-up, -D properties as Paho's, and the broker's reason codes in words.
#pragma once

#include "mqkit/options.hpp"

// Paho C++ 1.2 hides the C structs behind UNIT_TESTS; the guarded code is only inline read-only
// accessors (no data members, so no layout change). mqsub needs the packet id of a received
// message (%m, -d), which Paho C++ exposes no other way.
#define UNIT_TESTS 1
#include <mqtt/async_client.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mqkit::detail {

/// Prepares Paho C before its first client is created (OpenSSL left to initialise itself when TLS
/// needs it) and sets its log level; cheap to call again.
void init_paho();

/// `value` as Paho C can put a four-byte property on the wire: unchanged, or on a Paho C older than
/// 1.3.13 (which writes them as signed ints) at most 2^31-1.
std::uint32_t paho_u32(std::uint32_t value);

/// A session expiry interval as paho_u32() sends it, except that where it has to stand in for a
/// larger value ("never", 4294967295) it is also short enough for a broker with a 32-bit time_t
/// to add to its clock without wrapping (2^31-1 - now - a day: 11 years in 2026).
std::uint32_t paho_session_expiry(std::uint32_t value);

/// Converts -D properties for one packet type into Paho properties.
mqtt::properties to_paho_properties(const std::vector<v5_property>& props);

/// True once session::leave_clients_to_exit() was called: clients are left to the process's end.
bool clients_left_to_exit();

/// Returns the one-line reason for a CONNACK/SUBACK/PUBACK reason code.
std::string reason_text(int code, mqtt_version version);

}  // namespace mqkit::detail

// Deletes an MQTT 3.x session kept on the broker, over a short plain-TCP connection of its own.
#pragma once

#include "mqkit/options.hpp"

#include <chrono>

namespace mqkit::detail {

/// Connects to the broker of `c` over plain TCP as `c.client_id` with clean session set (which
/// makes an MQTT 3.1/3.1.1 broker discard the session it kept for that id), waits for CONNACK and
/// disconnects. Paho C 1.3 needs up to a second for a second CONNECT in one process (its receive
/// thread notices the new socket only after a 1 s poll), so mqpub does this one itself. Returns
/// false, having changed nothing it knows of, for TLS, WebSockets or MQTT v5, or when the broker
/// cannot be reached or refuses within `timeout`.
bool clear_session_over_tcp(const connection_config& c, std::chrono::milliseconds timeout);

}  // namespace mqkit::detail

// What the protocol guard reads in raw MQTT packets: what a CONNECT, SUBSCRIBE or UNSUBSCRIBE the
// client wrote asked for, and what is wrong with a packet the broker sent. Pure functions on the
// bytes behind a packet's fixed header (its "body"), so they are tested on fixed inputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqkit::workarounds {

/// MQTT's name of control packet type `type` ("PUBLISH"), "packet type N" for a reserved one.
std::string packet_name(int type);

/// What the client's CONNECT asked for.
struct connect_request {
    int version = 4;                    ///< protocol level: 3, 4 or 5
    std::uint32_t max_packet = 0;       ///< MQTT v5 Maximum Packet Size; 0 when not given (no limit)
    std::uint16_t topic_alias_max = 0;  ///< MQTT v5 Topic Alias Maximum (0: the broker may use none)
};
/// Reads a CONNECT's body; nullopt if it is not one Paho could have written.
std::optional<connect_request> read_connect(std::string_view body);

/// A SUBSCRIBE's or UNSUBSCRIBE's packet id and number of topic filters.
struct filter_count {
    int packet_id = 0;
    int filters = 0;
};
/// Reads a SUBSCRIBE (`unsubscribe` false) or UNSUBSCRIBE body of protocol level `version`.
std::optional<filter_count> read_subscribe(std::string_view body, int version, bool unsubscribe);
/// A SUBACK's or (MQTT v5) UNSUBACK's packet id and number of reason codes.
std::optional<filter_count> read_suback(std::string_view body, int version);

/// What is wrong with the reason codes of a SUBACK (`unsuback` false) or an MQTT v5 UNSUBACK ("" if
/// nothing): a code MQTT does not define there (SUBACK: 0-2 and 0x80, v5 also 0x81-0xff; UNSUBACK:
/// 0, 0x11 and 0x80-0xff).
std::string suback_problem(std::string_view body, int version, bool unsuback);

/// What is wrong with a PUBLISH from the broker ("" if nothing): QoS 3, a topic that is not valid
/// UTF-8 or holds a wildcard, an empty topic without a topic alias, packet id 0 at QoS 1/2, and
/// (MQTT v5) topic alias 0 or one above `topic_alias_max`. `header` is its fixed header's first
/// byte. Property lists Paho C parsed already; a list this cannot follow counts as nothing wrong.
std::string publish_problem(unsigned char header, std::string_view body, int version, std::uint16_t topic_alias_max);

/// The size of a packet whose remaining length is `remaining` (fixed header included).
std::uint64_t packet_size(std::uint64_t remaining);

}  // namespace mqkit::workarounds

// Four-byte MQTT v5 values as mqkit hands them to Paho C (lib/src/mqtt/session.cpp).
#include "mqtt/session.hpp"

#include "catch_compat.hpp"

#include <cstdint>
#include <ctime>

using mqkit::detail::paho_session_expiry;
using mqkit::detail::paho_u32;

TEST_CASE("session expiry: 'never' goes out as itself, or as a stand-in a 32-bit time_t broker can add to its clock",
          "[paho]") {
    constexpr std::uint32_t never = 4294967295u;
    CHECK(paho_session_expiry(0) == 0);
    CHECK(paho_session_expiry(60) == 60);
    CHECK(paho_session_expiry(86400) == 86400);
    const std::uint32_t sent = paho_session_expiry(never);
    if (paho_u32(never) == never) {
        CHECK(sent == never);  // Paho C 1.3.13 and later write it as it is: the broker's "never"
    } else {
        // Debian 12's Paho C writes four-byte integers signed: a stand-in, which a broker adds to
        // its clock; with a 32-bit time_t that sum must stay below 2^31 (it wrapped: armhf).
        const auto now = static_cast<std::int64_t>(std::time(nullptr));
        CHECK(sent < 2147483648u);
        CHECK(now + std::int64_t{sent} < std::int64_t{2147483647});
        CHECK(std::int64_t{sent} > 5 * 365 * 86400);  // still years: "never" for any session
    }
}

// libFuzzer target: the -L URL parser.
#include "cli/url.hpp"
#include "mqkit/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto u = mqkit::parse_broker_url(std::string(reinterpret_cast<const char*>(data), size));
        if (u.host.empty() || u.port < 1 || u.port > 65535) std::abort();  // promised by the parser
    } catch (const mqkit::error&) {
    }
    return 0;
}

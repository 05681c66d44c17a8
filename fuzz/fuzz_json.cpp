// libFuzzer target: mqkit::json on the system's cJSON, parsing and printing.
#include "core/json.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

// Whatever parses must print, and what it prints must parse again.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto doc = mqkit::json::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!doc) return 0;
    for (bool pretty : {false, true}) {
        std::string text = doc->dump(pretty);
        if (!mqkit::json::parse(text)) std::abort();
    }
    return 0;
}

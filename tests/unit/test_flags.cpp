// Unit tests for the flag tables: unique names, help text generated from them.
#include "mqkit/flags.hpp"

#include "catch_compat.hpp"

#include <set>
#include <string>

using namespace mqkit;

TEST_CASE("flag names are unique per tool", "[flags]") {
    for (const tool_spec* spec : all_tool_specs()) {
        std::set<std::string> longs;
        std::set<char> shorts;
        for (const auto& g : spec->groups)
            for (const auto& f : g.flags) {
                CHECK(longs.insert(std::string(f.name)).second);
                if (f.short_name) CHECK(shorts.insert(f.short_name).second);
                CHECK_FALSE(f.help.empty());
                if (f.kind == value_kind::choice) CHECK_FALSE(f.choices.empty());
            }
    }
}

TEST_CASE("the help text lists every supported flag", "[flags]") {
    for (const tool_spec* spec : all_tool_specs()) {
        std::string help = render_help(*spec);
        for (const auto& g : spec->groups)
            for (const auto& f : g.flags) {
                bool listed = help.find("--" + std::string(f.name)) != std::string::npos;
                CHECK(listed == !f.unsupported);
            }
    }
}

TEST_CASE("mosquitto's flags are all there", "[flags]") {
    for (char c : std::string("hpiIkVcxuPdtmfqlsnrMD")) CHECK(mqpub_spec().find_short(c) != nullptr);
    for (char c : std::string("hpiIkVcxuPdtTqCWREUvNFD")) CHECK(mqsub_spec().find_short(c) != nullptr);
    for (const char* l : {"will-topic", "will-payload", "will-qos", "will-retain", "repeat", "repeat-delay", "quiet"})
        CHECK(mqpub_spec().find(l) != nullptr);
    for (const char* l : {"pretty", "retained-only", "remove-retained", "random-filter", "quiet"})
        CHECK(mqsub_spec().find(l) != nullptr);
}

// libFuzzer target: config files, read through the same parser as the command line of each tool.
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/flags.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const mqkit::process_identity who{4242, "fuzzhost"};
    for (const mqkit::tool_spec* spec : {&mqkit::mqpub_spec(), &mqkit::mqsub_spec()}) {
        try {
            std::vector<std::string> args = mqkit::config_file_args(*spec, "/fuzz/config", text);
            args.insert(args.end(), {"-t", "fuzz/topic", "-m", "x"});
            if (spec == &mqkit::mqsub_spec()) args.resize(args.size() - 2);
            if (spec == &mqkit::mqpub_spec())
                (void)mqkit::parse_pub(args, nullptr, who);
            else
                (void)mqkit::parse_sub(args, nullptr, who);
        } catch (const mqkit::error&) {
        }
    }
    return 0;
}

// libFuzzer target: mqpub's, mqsub's and mqrr's argument parsers on arbitrary argument lists.
#include "fuzz_common.hpp"

#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"

namespace {
const char* fake_env(const char* name) {
    std::string n = name;
    return n == "MQKIT_USERNAME" ? "fuzzer" : nullptr;
}
}  // namespace

// The first byte picks the parser (0 mod 3 mqpub, 1 mqsub, 2 mqrr); the rest, split at NUL bytes, is argv[1..]. Bad
// input must end in mqkit::error (usage errors); anything else escaping is a bug and aborts the fuzzer.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto args = mqkit::fuzz::split_words(data + 1, size - 1);
    mqkit::process_identity who{4321, "fuzzhost"};
    try {
        if (data[0] % 3 == 1) {
            auto r = mqkit::parse_sub(args, fake_env, who);
            (void)r;
        } else if (data[0] % 3 == 2) {
            auto r = mqkit::parse_rr(args, fake_env, who);
            (void)r;
        } else {
            auto r = mqkit::parse_pub(args, fake_env, who);
            (void)r;
        }
    } catch (const mqkit::error&) {
    }
    return 0;
}

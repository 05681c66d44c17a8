// libFuzzer target: -D properties through mqpub's parser (-V 5), then the conversion to Paho's.
#include "fuzz_common.hpp"

#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqtt/session.hpp"

// Input: NUL-separated words, grouped into -D groups of 3 (4 when the 2nd word is user-property).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto words = mqkit::fuzz::split_words(data, size, 16);
    std::vector<std::string> args{"-t", "fuzz", "-m", "x", "-V", "5"};
    for (std::size_t i = 0; i < words.size();) {
        std::size_t n = i + 1 < words.size() && words[i + 1] == "user-property" ? 4 : 3;
        args.push_back("-D");
        for (std::size_t k = 0; k < n && i < words.size(); ++k) args.push_back(words[i++]);
    }
    try {
        auto r = mqkit::parse_pub(args, nullptr, {1, "fuzzhost"});
        for (const char* command : {"connect", "publish", "disconnect", "will"}) {
            auto props = mqkit::detail::to_paho_properties(r.config.conn.properties_for(command));
            (void)props;
        }
    } catch (const mqkit::error&) {
    }
    return 0;
}

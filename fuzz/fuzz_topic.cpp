// libFuzzer target: topic name/filter validation and filter matching.
#include "fuzz_common.hpp"

#include "mqkit/topic.hpp"

#include <cstdlib>

// Input: filter NUL topic.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto words = mqkit::fuzz::split_words(data, size, 2);
    const std::string& filter = words[0];
    const std::string topic = words.size() > 1 ? words[1] : std::string();
    bool filter_ok = mqkit::topic_filter_problem(filter).empty();
    bool topic_ok = mqkit::topic_name_problem(topic).empty();
    bool matches = mqkit::topic_matches(filter, topic);
    // A valid topic name is a valid filter, and matches itself.
    if (topic_ok && (!mqkit::topic_filter_problem(topic).empty() || !mqkit::topic_matches(topic, topic))) std::abort();
    (void)filter_ok;
    (void)matches;
    return 0;
}

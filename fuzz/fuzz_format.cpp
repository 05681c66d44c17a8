// libFuzzer target: mqsub's -F format compiler and the message renderer (-v, -N, -F, %j/%J, --pretty).
#include "fuzz_common.hpp"

#include "mqkit/error.hpp"
#include "mqkit/format.hpp"

#include <optional>

// Input: format NUL topic NUL payload NUL content-type NUL user-property name NUL value; the first
// byte sets qos/retain/flags.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t bits = data[0];
    auto w = mqkit::fuzz::split_words(data + 1, size - 1, 6);
    w.resize(6);
    mqkit::output_options opts;
    opts.verbose = bits & 1;
    opts.eol = (bits & 2) == 0;
    opts.pretty = bits & 4;
    if (!(bits & 8)) opts.format = w[0];
    std::optional<mqkit::output_plan> plan;
    try {
        plan.emplace(opts);  // compiles the -F format once, as mqsub does
    } catch (const mqkit::error&) {
        return 0;
    }
    mqkit::received_message m;
    m.topic = w[1];
    m.payload = w[2];
    m.qos = (bits >> 4) % 3;
    m.retained = bits & 0x40;
    m.mid = bits;
    m.received_at = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000) +
                                                          std::chrono::microseconds(bits * 7919));
    if (bits & 0x80) {
        m.content_type = w[3];
        m.correlation_data = w[2];
        m.response_topic = w[1];
        m.message_expiry = bits;
        m.payload_format_indicator = bits & 1;
        m.subscription_ids = {1, bits};
        m.topic_alias = bits;
        m.user_properties = {{w[4], w[5]}, {w[5], w[4]}};
        m.property_order = {3, 38, 2, 9, 8, 1, 11, 35, 38};  // user properties around others
    }
    std::string out;
    mqkit::render_message(out, m, *plan);
    mqkit::render_json(out, m, true, opts.pretty);
    mqkit::render_json(out, m, false, opts.pretty);
    return 0;
}

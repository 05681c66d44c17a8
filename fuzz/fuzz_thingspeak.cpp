// libFuzzer target: tspub's and tssub's text parsers: credentials file, --stdin lines and CSV, values and payload,
// the feed's JSON, spool files and times.
#include "mqkit/error.hpp"
#include "thingspeak/feed.hpp"
#include "thingspeak/spool.hpp"
#include "thingspeak/thingspeak.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)mqkit::thingspeak::parse_credentials_file(text);  // never throws
    mqkit::thingspeak::update_reader reader;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t nl = text.find('\n', start);
        std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        try {
            if (auto values = reader.feed(line)) {
                mqkit::thingspeak::check_update(*values);
                std::string payload = mqkit::thingspeak::build_payload(*values);
                // Form encoding leaves only unreserved characters, '+', '%', '=' and '&'.
                for (char c : payload)
                    if (c < 0x21 || c > 0x7e) std::abort();
            }
        } catch (const mqkit::error&) {
        }
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    try {
        (void)mqkit::thingspeak::parse_channel_id(std::string(text), "--channel");
    } catch (const mqkit::error&) {
    }
    // tspub --confirm and tssub read ThingSpeak's feed JSON; --spool reads its own files back.
    if (auto entry = mqkit::thingspeak::parse_feed_entry(text)) {
        (void)mqkit::thingspeak::render_plain(*entry);
        (void)mqkit::thingspeak::render_csv(*entry);
        (void)mqkit::thingspeak::feed_matches(*entry, {{"field1", "1"}, {"created_at", entry->created_at}});
    }
    try {
        (void)mqkit::thingspeak::parse_spool_entry(text, "1-x.entry");
    } catch (const std::runtime_error&) {
    }
    (void)mqkit::thingspeak::parse_iso_time(text);
    try {
        // Whatever decodes to a valid update encodes back to the same pairs.
        auto values = mqkit::thingspeak::parse_payload(text);
        mqkit::thingspeak::check_update(values);
        if (mqkit::thingspeak::parse_payload(mqkit::thingspeak::build_payload(values)) != values) std::abort();
    } catch (const mqkit::error&) {
    }
    return 0;
}

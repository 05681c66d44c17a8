// A channel's feed as ThingSpeak pushes it on channels/<id>/subscribe: one JSON object per update,
// matched against what tspub sent (--confirm) and printed by tssub (plain lines, CSV, JSON).
#pragma once

#include "thingspeak/thingspeak.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqkit::thingspeak {

/// One update of a channel's feed. ThingSpeak's JSON carries channel_id, created_at, entry_id and
/// field1..field8 (null or absent when not set); latitude, longitude, elevation and status may or
/// may not be there (UNCERTAIN for MQTT). Values are kept as text, as ThingSpeak stores them.
struct feed_entry {
    std::optional<std::int64_t> channel_id;
    std::optional<std::int64_t> entry_id;
    std::string created_at;                            ///< as received; empty when absent
    std::array<std::optional<std::string>, 8> fields;  ///< field1..field8
    std::optional<std::string> latitude, longitude, elevation, status;
};

/// Parses one message of channels/<id>/subscribe; nullopt if it is not a JSON object. A number
/// where ThingSpeak writes text is taken as text (as cJSON prints it); null means absent.
std::optional<feed_entry> parse_feed_entry(std::string_view json_text);

/// True if `entry` is the update `sent` (tspub's name=value pairs): every field1..8 sent holds
/// the same text in the entry (or the same number: "23.50" matches "23.5"); status, lat, long and
/// elevation are compared only when the entry carries them; a created_at with a time zone must be
/// the same second as the entry's.
bool feed_matches(const feed_entry& entry, const update& sent);

/// tssub's plain line: `<created_at> field1=23.5 field2=41 status="door open"`, with the fields
/// that are set in the order field1..field8, latitude, longitude, elevation, status; a value with
/// white space, '"' or '\' (or an empty one) is double-quoted with \" and \\ escapes. No newline.
std::string render_plain(const feed_entry& entry);

/// ThingSpeak's CSV export header: created_at,entry_id,field1,...,field8,latitude,longitude,
/// elevation,status (no newline).
std::string csv_header();

/// One CSV row in csv_header()'s order, RFC 4180 quoting where needed (no newline).
std::string render_csv(const feed_entry& entry);

}  // namespace mqkit::thingspeak

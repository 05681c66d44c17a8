// The flags tspub and tssub share as a ThingSpeak MQTT device (one definition for both tables).
#pragma once

#include "mqkit/flags.hpp"

#include <string_view>
#include <vector>

namespace mqkit::detail {

/// The flags of a shared group that are named in `names`, in the group's order.
flag_group pick(flag_group group, std::vector<std::string_view> names);

/// --channel ID.
flag channel_flag();
/// --credentials FILE.
flag credentials_flag();
/// Connection (-h -p --no-tls --websocket -i -k), Authentication (-u -P) and TLS, with ThingSpeak's
/// defaults in their help.
std::vector<flag_group> device_groups();
/// The environment both tools read for the device.
std::vector<doc_entry> device_environment();
/// The default credentials file.
doc_entry credentials_file_entry();

}  // namespace mqkit::detail

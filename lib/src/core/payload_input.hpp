// A payload from a file (-f) or from all of standard input (-s), for mqpub and mqrr.
#pragma once

#include "mqkit/options.hpp"

#include <cstddef>
#include <string>

namespace mqkit::detail {

/// MQTT's largest payload: a 268,435,455-byte remaining length, less the PUBLISH header.
constexpr std::size_t max_payload = 268435455;

/// The whole file at `path` (-f). Throws error(1, "-f/--file: ...") if it cannot be read, is a
/// directory or is larger than max_payload (a regular file is refused before it is read).
std::string read_payload_file(const std::string& path);

/// All of standard input (-s). Throws error(1, ...) if it cannot be read, is larger than
/// max_payload, or is empty: as with mosquitto's clients ("Zero length input"), an empty -s is far
/// more likely a broken pipeline than a wish to send nothing, and with -r it would delete the
/// retained message (-n sends an empty one on purpose).
std::string read_payload_stdin();

/// The -m, -f or -s payload of mqpub and mqrr (empty for -n and -l): `message` (error(1) above
/// max_payload), read_payload_file(file) or read_payload_stdin().
std::string read_payload(pub_source source, const std::string& message, const std::string& file);

}  // namespace mqkit::detail

// The parts of tspub's run shared by its direct path (tspub.cpp) and its spool (tspub_spool.cpp).
#pragma once

#include "core/output.hpp"
#include "core/stdin_lines.hpp"
#include "thingspeak/publisher.hpp"
#include "thingspeak/thingspeak.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace mqkit::thingspeak {

/// tspub's name in its messages.
inline constexpr std::string_view tspub_name = "tspub";

/// Replaces every occurrence of the legacy API key in `text`, so no message or trace shows it.
std::string redact(std::string text, const std::optional<std::string>& key);

/// The exit status for the signal received: 130 (SIGINT) or 143 (SIGTERM).
int signal_status();

/// Unix time now, in seconds.
double unix_now();

/// The run's readings, in order: the one of the command line, or each update of standard input.
/// A bad input line is reported as a warning and skipped; a bad CSV header throws.
class readings {
public:
    explicit readings(const tspub_config& c);
    /// The next reading, or nullopt at the end.
    std::optional<update> next();
    /// Throws the usage error that ends a run with bad or no input (after `sent` were handled).
    void check_input(std::size_t handled) const;

private:
    const tspub_config& c_;
    bool done_ = false;
    std::optional<update_reader> reader_;
    std::optional<detail::stdin_lines> lines_;
    std::size_t line_no_ = 0;
    std::size_t bad_ = 0;
};

/// The update as published without the spool: to channels/<id>/publish, or the raw value to
/// .../fields/fieldN for --field.
outgoing direct_update(const tspub_config& c, const update& values);

/// -v: one line on stdout per update that went out: `entry_id=N created_at=T` once confirmed,
/// else `sent <topic> <payload>`.
void report_sent(detail::stdout_writer& out, const tspub_config& c, const outgoing& u, const sent_update& r);

/// --spool: saves each reading, then sends what waits, oldest first (tspub_spool.cpp).
int run_spooled(const tspub_config& c, publisher& pub, detail::stdout_writer& out);

/// --spool DIR --list: one line per file of the spool on stdout.
int list_spool_files(const tspub_config& c);

}  // namespace mqkit::thingspeak

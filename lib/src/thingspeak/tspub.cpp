// tspub: resolve credentials, honour the per-channel rate limit, connect, publish each update (confirmed on the
// channel's feed with --confirm, through the spool with --spool), disconnect.
#include "core/output.hpp"
#include "mqkit/tool.hpp"
#include "thingspeak/device.hpp"
#include "thingspeak/publisher.hpp"
#include "thingspeak/tspub_parts.hpp"
#include "tool/run.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdio>

namespace mqkit::thingspeak {

std::string redact(std::string text, const std::optional<std::string>& key) {
    static constexpr std::string_view hidden = "********";
    if (!key || key->empty()) return text;
    for (auto at = text.find(*key); at != std::string::npos; at = text.find(*key, at + hidden.size()))
        text.replace(at, key->size(), hidden);
    return text;
}

int signal_status() {
    return static_cast<int>(detail::stop_signal::received() == SIGTERM ? tspub_exit::terminated
                                                                       : tspub_exit::interrupted);
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

readings::readings(const tspub_config& c) : c_(c) {
    if (!c.from_stdin) return;
    reader_.emplace();
    lines_.emplace(1u << 20, static_cast<int>(tspub_exit::usage), "a line of standard input is longer than 1 MiB");
}

std::optional<update> readings::next() {
    if (!c_.from_stdin) {
        if (done_) return std::nullopt;
        done_ = true;
        if (c_.single_field == 0) return c_.values;
        return update{{fmt::format("field{}", c_.single_field), c_.single_value}};
    }
    std::string line;
    while (lines_->next(line)) {
        ++line_no_;
        bool header_pending = !reader_->started();
        try {
            if (auto u = reader_->feed(line)) return u;
        } catch (const error& e) {
            if (header_pending && reader_->is_csv())
                throw tspub_error(tspub_exit::usage, fmt::format("stdin line {}: {}", line_no_, e.what()), e.hint());
            ++bad_;
            detail::warn(tspub_name, fmt::format("stdin line {}: {} (skipped)", line_no_, e.what()), c_.conn.quiet);
        }
    }
    return std::nullopt;
}

void readings::check_input(std::size_t handled) const {
    if (!c_.from_stdin) return;
    if (bad_ > 0)
        throw tspub_error(tspub_exit::usage, fmt::format("{} of {} updates on standard input were bad and not sent",
                                                         bad_, bad_ + handled));
    if (handled == 0) throw tspub_error(tspub_exit::usage, "no values: standard input held no updates");
}

outgoing direct_update(const tspub_config& c, const update& values) {
    if (c.single_field != 0 && !c.from_stdin)
        return {field_topic(c.channel, c.single_field, c.legacy_key), c.single_value, values};
    return {feed_topic(c.channel, c.legacy_key), build_payload(values), values};
}

void report_sent(detail::stdout_writer& out, const tspub_config& c, const outgoing& u, const sent_update& r) {
    if (!c.verbose) return;
    if (r.entry)
        out.write(fmt::format("entry_id={} created_at={}\n",
                              r.entry->entry_id ? std::to_string(*r.entry->entry_id) : std::string("?"),
                              r.entry->created_at.empty() ? std::string("?") : r.entry->created_at));
    else
        out.write(fmt::format("sent {} {}\n", redact(u.topic, c.legacy_key), u.payload));
}

namespace {

std::string rate_text(const tspub_config& c) {
    if (c.min_interval <= 0) return "rate limit: off\n";
    return fmt::format(
        "rate limit: one update per {} s ({})\n", c.min_interval,
        c.state_dir.empty() ? std::string("no state directory") : state_file_path(c.state_dir, c.channel));
}

std::string cron_text(const tspub_config& c) {
    std::string out;
    if (c.confirm)
        out += fmt::format("confirm: wait up to {} s for the update on {}\n", *c.confirm, subscribe_topic(c.channel));
    if (!c.spool_dir.empty()) out += fmt::format("spool: {}\n", c.spool_dir);
    return out;
}

/// --dry-run: what would be sent, on stdout; never the password or the legacy key.
int dry_run(const tspub_config& c) {
    std::string head = fmt::format("host: {}\nport: {}\ntransport: {}\nclient id: {}\nusername: {}\npassword: {}\n",
                                   c.conn.host, c.conn.port, transport_text(c.conn), c.conn.client_id,
                                   c.conn.username.value_or("(none)"), c.conn.password ? "(set, not shown)" : "(none)");
    head += rate_text(c) + cron_text(c);
    const bool spooled = !c.spool_dir.empty();
    head +=
        fmt::format("topic: {}\n",
                    redact(spooled ? feed_topic(c.channel, c.legacy_key) : direct_update(c, {}).topic, c.legacy_key));
    std::fputs(head.c_str(), stdout);
    readings input(c);
    std::size_t good = 0;
    while (auto u = input.next()) {
        if (spooled && !find_value(*u, "created_at"))
            u->push_back({"created_at", iso_utc(static_cast<std::int64_t>(unix_now()))});
        std::string payload = spooled ? build_payload(*u) : direct_update(c, *u).payload;
        std::fputs(fmt::format("payload: {}\n", payload).c_str(), stdout);
        ++good;
    }
    std::fflush(stdout);
    input.check_input(good);
    return 0;
}

/// Publishes each reading over one connection, --min-interval apart (only the first follows
/// --wait). A bad --stdin line is reported and skipped (exit 2 at the end).
int run_direct(const tspub_config& c, publisher& pub, detail::stdout_writer& out) {
    readings input(c);
    std::size_t sent = 0;
    while (auto u = input.next()) {
        outgoing o = direct_update(c, *u);
        sent_update r = pub.send(o, c.wait || sent > 0);
        if (r.interrupted) break;
        report_sent(out, c, o, r);
        ++sent;
    }
    pub.finish();
    if (detail::stop_signal::received()) return signal_status();
    input.check_input(sent);
    return 0;
}

int publish_all(const tspub_config& parsed) {
    if (parsed.list) return list_spool_files(parsed);
    const tspub_config& c = parsed;
    if (c.dry_run) {
        tspub_config resolved = c;
        resolve_credentials(resolved, tspub_name, !c.legacy_key);
        return dry_run(resolved);
    }
    // The publisher reads the credentials when the first update is due: with --spool, after the
    // reading is saved.
    detail::stdout_writer out;
    publisher pub(c, detail::debug_trace(c.conn, out));
    int status = c.spool_dir.empty() ? run_direct(c, pub, out) : run_spooled(c, pub, out);
    out.flush();
    return status;
}

}  // namespace
}  // namespace mqkit::thingspeak

namespace mqkit::tspub {

int run(int argc, char** argv) {
    return detail::run_tool(tspub_spec(), argc, argv, parse_tspub, [](const tspub_config& c) {
        try {
            return thingspeak::publish_all(c);
        } catch (const error& e) {
            throw error(e.status(), thingspeak::redact(e.what(), c.legacy_key),
                        thingspeak::redact(e.hint(), c.legacy_key));
        }
    });
}

}  // namespace mqkit::tspub

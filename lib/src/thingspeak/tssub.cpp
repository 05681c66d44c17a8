// tssub: subscribe to a ThingSpeak channel's feed as an MQTT device and print each update as it arrives (plain
// lines, CSV, JSON, one field's raw values) or mqsub's live statistics over the channel's fields.
#include "core/json.hpp"
#include "core/output.hpp"
#include "mqkit/session.hpp"
#include "mqkit/tool.hpp"
#include "thingspeak/device.hpp"
#include "thingspeak/feed.hpp"
#include "thingspeak/tssub_stats.hpp"
#include "tool/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>

namespace mqkit::thingspeak {
namespace {

constexpr std::string_view tool_name = "tssub";

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// What became of one message.
enum class handled { update, skipped, closed };

/// Turns each message of the subscription into output: a line per update, or the statistics.
/// Runs on Paho's receive thread, one message at a time.
class update_printer {
public:
    update_printer(const tssub_config& c, detail::stdout_writer& out, feed_stats_view* stats)
        : c_(c), out_(out), stats_(stats) {}

    /// Prints (or counts) one message: an update, something that is not one (skipped, with a
    /// warning), or closed once stdout is gone.
    handled handle(const received_message& msg) {
        if (c_.field != 0) {
            if (stats_) {
                stats_->add_field(c_.field, msg.payload);
                return handled::update;
            }
            return out_.write(msg.payload + "\n") ? handled::update : handled::closed;
        }
        auto entry = parse_feed_entry(msg.payload);
        if (!entry) {
            detail::warn(tool_name,
                         fmt::format("a message on {} is not a feed entry (not a JSON object); skipped", msg.topic),
                         c_.conn.quiet);
            return handled::skipped;
        }
        if (stats_) {
            for (std::size_t n = 0; n < entry->fields.size(); ++n)
                if (entry->fields[n]) stats_->add_field(static_cast<int>(n + 1), *entry->fields[n]);
            return handled::update;
        }
        return out_.write(render(msg, *entry)) ? handled::update : handled::closed;
    }

private:
    std::string render(const received_message& msg, const feed_entry& entry) {
        switch (c_.output) {
            case tssub_output::json:
                return json::parse(msg.payload)->dump() + "\n";
            case tssub_output::csv: {
                std::string text = header_done_ ? std::string() : csv_header() + "\n";
                header_done_ = true;
                return text + render_csv(entry) + "\n";
            }
            default:
                return render_plain(entry) + "\n";
        }
    }

    const tssub_config& c_;
    detail::stdout_writer& out_;
    feed_stats_view* stats_;
    bool header_done_ = false;
};

/// Subscribes to the feed (or one field), waiting for SUBACK; a refusal is exit 4.
void subscribe(session& s, const tssub_config& c, const std::string& topic) {
    if (subscription_refused(s, topic)) {
        s.disconnect();
        throw error(static_cast<int>(tssub_exit::refused),
                    fmt::format("the broker refused the subscription to {}: the device is not authorised to "
                                "subscribe to channel {}",
                                topic, c.channel),
                    "authorise the MQTT device to subscribe to the channel in ThingSpeak (Devices > MQTT)");
    }
}

/// Redraws the statistics every --interval until `done` or -W; once more at the end. False if -W
/// expired.
bool run_stats(const tssub_config& c, feed_stats_view& view, detail::completion& done, double deadline) {
    while (true) {
        double wait = c.stats.interval;
        if (c.timeout) wait = std::min(wait, deadline - steady_seconds());
        if (wait > 0 && done.wait(wait)) break;
        if (c.timeout && steady_seconds() >= deadline) {
            view.draw();
            return false;
        }
        if (!view.draw()) {
            done.finish(0);  // stdout closed: a quiet, clean end
            break;
        }
    }
    view.draw();
    return true;
}

/// Hands each message of `topic` to the printer until -C is reached or stdout closes, and
/// subscribes again after every reconnect.
void set_handlers(session& s, const tssub_config& c, const std::string& topic, update_printer& printer,
                  detail::completion& done) {
    s.on_message([&c, &topic, &printer, &done, seen = 0L](const received_message& msg) mutable {
        if (done.done() || msg.topic != topic) return;
        switch (printer.handle(msg)) {
            case handled::closed:
                done.finish(0);  // stdout closed (e.g. | head -n 1): a quiet, clean end
                return;
            case handled::skipped:
                return;
            case handled::update:
                if (c.count > 0 && ++seen >= c.count) done.finish(0);
        }
    });
    s.on_reconnect([&s, &c, &topic] {
        try {
            s.subscribe({topic}, 0, false, false);  // a clean session forgot the subscription
        } catch (const error& e) {
            detail::warn(tool_name, e.what(), c.conn.quiet);
        }
    });
}

/// Connects (reconnecting after a lost link) and runs until -C, -W, a signal or a closed stdout.
int watch_channel(const tssub_config& parsed) {
    tssub_config c = parsed;
    resolve_credentials(c, tool_name);
    const std::string topic = subscribe_topic(c.channel, c.field);
    detail::stdout_writer out;
    session s(c.conn, detail::debug_trace(c.conn, out));
    detail::completion done;
    detail::stop_signal::on_signal([&done] { done.finish(static_cast<int>(detail::stop_signal::status())); });
    std::unique_ptr<feed_stats_view> stats;
    if (c.stats.enabled) stats = std::make_unique<feed_stats_view>(c, out);
    update_printer printer(c, out, stats.get());
    set_handlers(s, c, topic, printer, done);

    // -W counts from here, as mqsub's: a broker that never answers cannot hold tssub past it.
    const auto deadline_at = std::chrono::steady_clock::now() + std::chrono::seconds(c.timeout.value_or(0));
    const double deadline = std::chrono::duration<double>(deadline_at.time_since_epoch()).count();
    const std::string timed_out = c.timeout ? fmt::format("timed out after {} s (-W)", *c.timeout) : std::string();
    if (c.timeout) s.set_deadline(deadline_at, exit_code::timeout, timed_out);
    try {
        s.connect(true, 1);
    } catch (const error& e) {
        throw classify_connect_failure(c.conn, e);
    }
    subscribe(s, c, topic);
    bool finished = stats ? run_stats(c, *stats, done, deadline)
                          : done.wait(c.timeout ? std::max(0.0, deadline - steady_seconds()) : -1.0);
    const auto signalled = [] { return detail::stop_signal::received() != 0; };
    if (signalled()) out.flush_until(signalled);
    s.disconnect();
    const bool flushed = out.flush_until(signalled);
    if (!finished) throw error(exit_code::timeout, timed_out);
    if (!flushed) return static_cast<int>(detail::stop_signal::status());
    return done.status();
}

}  // namespace
}  // namespace mqkit::thingspeak

namespace mqkit::tssub {

int run(int argc, char** argv) {
    return detail::run_tool(tssub_spec(), argc, argv, parse_tssub, thingspeak::watch_channel);
}

}  // namespace mqkit::tssub

// mqsub: connect, subscribe, print each message as mosquitto_sub does, reconnect when the link drops.
#include "core/output.hpp"
#include "core/stats.hpp"
#include "core/stats_view.hpp"
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"
#include "mqkit/format.hpp"
#include "mqkit/session.hpp"
#include "mqkit/tool.hpp"
#include "mqkit/topic.hpp"
#include "tool/run.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <random>

namespace mqkit::sub {
namespace {

constexpr std::string_view tool_name = "mqsub";

using detail::stats_view;
using detail::steady_seconds;

/// mqsub --stats: every message under its topic; the title names the broker and the filters.
std::unique_ptr<stats_view> make_stats_view(const sub_config& c, detail::stdout_writer& out) {
    return std::make_unique<stats_view>(c.stats.window, c.stats.field, out, [&c](double elapsed) {
        std::string filters;
        for (const auto& t : c.topics) filters += (filters.empty() ? "" : " ") + t;
        return fmt::format("mqsub --stats  {}:{}  {}  window {} s  every {} s  up {:.0f} s", c.conn.host, c.conn.port,
                           filters, format_stat(c.stats.window), format_stat(c.stats.interval), elapsed);
    });
}

/// A broker that broke the protocol is not reconnected to (mosquitto_sub ends too): the link's
/// failure ends mqsub with its status (2).
class link_end {
public:
    void watch(session& s, detail::completion& done, const connection_config& conn) {
        s.on_connection_lost([this, &s, &done, &conn](const std::string&) {
            if (std::string why = s.link_failure(); !why.empty()) {
                {
                    std::lock_guard<std::mutex> lock(mutex_);
                    why_ = why;
                }
                done.finish(s.link_status());
            } else if (conn.debug) {
                detail::warn(tool_name, "connection lost; reconnecting", conn.quiet);
            }
        });
    }
    void throw_if_ended(int status) const {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!why_.empty()) throw error(status, why_);
    }

private:
    mutable std::mutex mutex_;
    std::string why_;
};

/// True when stdout is a terminal that takes cursor movement (-w, --stats).
bool ansi_terminal() {
    const char* term = std::getenv("TERM");
    return ::isatty(1) == 1 && !(term && std::string_view(term) == "dumb");
}

/// -w/--watch on a terminal: the screen is cleared, line 1 names the broker, and each topic keeps
/// a line of its own from line 2 on, overwritten by its next message: mosquitto 2.1.2's bytes, plus
/// an erase of the line first (2.1.2 leaves what a longer earlier message wrote there). Used on
/// Paho's receive thread only.
class watch_screen {
public:
    watch_screen(const sub_config& c, detail::stdout_writer& out) : on_(c.watch && ansi_terminal()) {
        if (on_) out.write(fmt::format("\x1b[2J\x1b[1;1HBroker: {}\n", c.conn.host));
    }
    /// Moves to `topic`'s line and clears it.
    void before(std::string& o, const std::string& topic) {
        if (!on_) return;
        auto [it, added] = lines_.try_emplace(topic, next_line_);
        if (added) ++next_line_;
        o += fmt::format("\x1b[{};1H\x1b[2K", it->second);
    }
    /// Leaves the cursor below the last topic's line.
    void after(std::string& o) const {
        if (on_) o += fmt::format("\x1b[{};1H\n", next_line_ - 1);
    }

private:
    bool on_;
    std::map<std::string, int> lines_;
    int next_line_ = 2;
};

/// What mqsub does with each message, on Paho's receive thread, one at a time.
class message_printer {
public:
    message_printer(const sub_config& c, session& s, detail::stdout_writer& out, detail::completion& done,
                    stats_view* stats)
        : c_(c), session_(s), out_(out), done_(done), stats_(stats), plan_(c.output), watch_(c, out) {}

    void on_message(const received_message& msg) {
        ++received_;  // --message-rate counts every message
        if (done_.done() || c_.message_rate) return;
        if (c_.retained_only && !msg.retained) {
            done_.finish(0);
            return;
        }
        if (c_.no_stale && msg.retained) return;
        for (const auto& f : c_.filter_out)
            if (topic_matches(f, msg.topic)) return;
        if (c_.remove_retained && msg.retained) {
            try {
                // No window: this runs on the thread that must read the acknowledgements.
                session_.publish(msg.topic, std::string(), 1, true, std::numeric_limits<std::size_t>::max());
            } catch (const error&) {
                // The link dropped; the retained message stays and shows up again next time.
            }
        }
        if (stats_) {
            stats_->add(msg.topic, msg.payload);
            count_one();
            return;
        }
        if (c_.random_filter < 100.0 && std::uniform_real_distribution<double>(0.0, 100.0)(rng_) >= c_.random_filter) {
            count_one();  // still counts, as in mosquitto_sub
            return;
        }
        print(msg);
    }

    /// Messages received so far (--message-rate), every one counted.
    long received() const { return received_.load(); }

private:
    void print(const received_message& msg) {
        render_problems problems;
        bool ok = out_.write_with([&](std::string& o) {
            watch_.before(o, msg.topic);
            problems = render_message(o, msg, plan_);
            watch_.after(o);
        });
        for (const auto& problem : problems.messages(msg.topic)) detail::warn(tool_name, problem, c_.conn.quiet);
        if (!ok) {
            done_.finish(0);  // stdout closed (e.g. `mqsub ... | head -n 1`): a quiet, clean end
            return;
        }
        count_one();
    }

    void count_one() {
        if (c_.count > 0 && ++printed_ >= c_.count) done_.finish(0);
    }

    const sub_config& c_;
    session& session_;
    detail::stdout_writer& out_;
    detail::completion& done_;
    stats_view* stats_;
    const output_plan plan_;  // -F compiled once, not per message
    watch_screen watch_;
    std::mt19937_64 rng_{std::random_device{}()};
    long printed_ = 0;
    std::atomic<long> received_{0};
};

/// --message-rate: "N msgs/s" every second until `done` or -W expires. Returns false if -W expired.
bool run_message_rate(const sub_config& c, const message_printer& printer, detail::stdout_writer& out,
                      detail::completion& done, double deadline) {
    long before = printer.received();
    double next = steady_seconds() + 1.0;
    while (true) {
        double wait = next - steady_seconds();
        if (c.timeout) wait = std::min(wait, deadline - steady_seconds());
        if (wait > 0 && done.wait(wait)) return true;
        if (c.timeout && steady_seconds() >= deadline) return false;
        if (steady_seconds() < next) continue;
        const long now = printer.received();
        if (!out.write(fmt::format("{} msgs/s\n", now - before))) {
            done.finish(0);  // stdout closed: a quiet, clean end
            return true;
        }
        before = now;
        next += 1.0;
    }
}

/// Subscribes to every -t filter (in one SUBSCRIBE, or one per filter with v5 options), then
/// unsubscribes from every -U filter. Throws when the broker refused every subscription.
void subscribe_all(const sub_config& c, session& s, detail::stdout_writer& out) {
    subscription_options options;
    options.qos = c.qos;
    options.retain_as_published = c.retain_as_published;
    options.retained = c.retained;
    if (!c.topics.empty()) {
        std::vector<int> granted = s.subscribe(c.topics, options);
        bool any_allowed = false;
        for (std::size_t i = 0; i < granted.size(); ++i) {
            if (granted[i] < 128)
                any_allowed = true;
            else if (i < c.topics.size())
                detail::warn(tool_name,
                             fmt::format("the broker refused the subscription to '{}' (reason code {})", c.topics[i],
                                         granted[i]),
                             c.conn.quiet);
        }
        if (!any_allowed && !granted.empty()) {
            s.disconnect();
            out.flush();
            throw error(exit_code::failure, "all subscription requests were denied",
                        "check the broker's ACL for this user and these topic filters");
        }
    }
    // mosquitto_sub, too, goes on after a refused UNSUBSCRIBE (it does not even say so).
    for (const auto& [filter, code] : s.unsubscribe(c.unsubscribe))
        detail::warn(tool_name,
                     fmt::format("the broker refused to unsubscribe from '{}' (reason code {})", filter, code),
                     c.conn.quiet);
}

int subscribe_and_print(const sub_config& c) {
    detail::stdout_writer out;
    // What the handlers touch is declared before the session, which stops calling them first.
    detail::completion done;
    link_end ended;
    session session(c.conn, detail::debug_trace(c.conn, out));
    detail::stop_signal::on_signal([&done] { done.finish(static_cast<int>(detail::stop_signal::status())); });
    std::unique_ptr<stats_view> stats;
    if (c.stats.enabled) stats = make_stats_view(c, out);
    message_printer printer(c, session, out, done, stats.get());
    session.on_message([&printer](const received_message& msg) { printer.on_message(msg); });
    session.on_reconnect([&] {
        // A clean session forgets subscriptions with the link; a persistent one keeps them, and
        // subscribing again is harmless.
        if (c.topics.empty()) return;
        subscription_options options{c.qos, false, c.retain_as_published, c.retained};
        try {
            session.subscribe(c.topics, options, false);
        } catch (const error& e) {
            detail::warn(tool_name, e.what(), c.conn.quiet);
        }
    });
    ended.watch(session, done, c.conn);

    // -W counts from here, as mosquitto_sub's from its TCP connect: a broker that never answers
    // CONNECT or SUBSCRIBE cannot hold mqsub past it either.
    const auto deadline_at = std::chrono::steady_clock::now() + std::chrono::seconds(c.timeout.value_or(0));
    const double deadline = std::chrono::duration<double>(deadline_at.time_since_epoch()).count();  // steady_seconds()
    const std::string timed_out = c.timeout ? fmt::format("timed out after {} s (-W)", *c.timeout) : std::string();
    if (c.timeout) session.set_deadline(deadline_at, exit_code::timeout, timed_out);
    session.connect(true, 65535);
    subscribe_all(c, session, out);
    if (c.exit_after_sub) done.finish(0);

    bool finished = stats            ? run_stats_view(*stats, c.stats.interval, c.timeout ? deadline : 0, done)
                    : c.message_rate ? run_message_rate(c, printer, out, done, deadline)
                                     : done.wait(c.timeout ? std::max(0.0, deadline - steady_seconds()) : -1.0);
    // A reader that stopped reading must not keep a signalled mqsub alive: what it has not taken
    // is dropped once a signal came (the queue holds at most 2 x 8 MiB; see stdout_writer).
    const auto signalled = [] { return detail::stop_signal::received() != 0; };
    if (signalled()) out.flush_until(signalled);
    const bool linked = session.is_connected();
    session.disconnect();
    const bool flushed = out.flush_until(signalled);
    ended.throw_if_ended(done.status());
    if (!finished && !linked)
        throw error(exit_code::timeout, fmt::format("{}; the connection to {}:{} was lost and is not back", timed_out,
                                                    c.conn.host, c.conn.port));
    if (!finished) throw error(exit_code::timeout, timed_out);
    if (!flushed)  // output was dropped: the signal's status, not success
        return static_cast<int>(detail::stop_signal::status());
    return done.status();
}

}  // namespace

int run(int argc, char** argv) {
    return detail::run_tool(mqsub_spec(), argc, argv, parse_sub, subscribe_and_print);
}

}  // namespace mqkit::sub

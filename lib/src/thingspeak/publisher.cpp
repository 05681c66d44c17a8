// tspub's publisher: lazy connection, rate limit, and --confirm's subscription to the channel's feed.
#include "thingspeak/publisher.hpp"

#include "core/signals.hpp"
#include "thingspeak/device.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <chrono>
#include <cmath>
#include <ctime>

namespace mqkit::thingspeak {
namespace {

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// Sleeps until unix time `t`; false if a signal came first.
bool sleep_until(double t) {
    while (!detail::stop_signal::received()) {
        double left = t - unix_now();
        if (left <= 0) return true;
        pollfd p{detail::stop_signal::wake_fd(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::ceil(std::min(left, 3600.0) * 1000))) > 0) return false;
    }
    return false;
}

}  // namespace

publisher::publisher(const tspub_config& c, trace_sink trace)
    : c_(c), trace_(std::move(trace)), conn_(c.conn), feed_topic_(subscribe_topic(c.channel)) {}

// Before the first update: the credentials (flags > env > files) and the rate-limit state. Not
// earlier, so that --spool has saved the reading before anything here can fail.
void publisher::prepare() {
    if (prepared_) return;
    tspub_config resolved = c_;
    // The legacy topic form carries the channel's key itself; its retired broker took any client.
    resolve_credentials(resolved, "tspub", !c_.legacy_key);
    conn_ = resolved.conn;
    if (c_.min_interval > 0) {
        if (c_.state_dir.empty())
            throw tspub_error(tspub_exit::failure,
                              "no directory for the rate-limit state: XDG_STATE_HOME and HOME are unset",
                              "set one of them, or give --min-interval 0");
        state_ = std::make_unique<rate_state>(state_file_path(c_.state_dir, c_.channel));
    }
    prepared_ = true;
}

publisher::~publisher() = default;

sent_update publisher::send(const outgoing& u, bool may_wait) {
    prepare();
    if (!reserve_slot(may_wait)) return {true, std::nullopt};
    try {
        if (!publish(u)) {
            if (state_) state_->rollback();
            return {true, std::nullopt};
        }
    } catch (...) {
        if (state_) state_->rollback();
        throw;
    }
    if (state_) state_->commit(unix_now());
    ++published_;
    if (!c_.confirm) return {};
    sent_update out;
    out.entry = await_confirmation(u);
    out.interrupted = !out.entry;
    return out;
}

void publisher::finish() {
    if (session_) session_->disconnect();
}

bool publisher::reserve_slot(bool may_wait) {
    if (!state_) return true;
    while (true) {
        double now = unix_now();
        rate_check r = state_->try_reserve(now, c_.min_interval);
        if (r.allowed) return true;
        if (!may_wait) throw rate_limited(now, r.next_allowed);
        if (!sleep_until(r.next_allowed)) return false;
    }
}

error publisher::rate_limited(double now, double next) const {
    std::time_t at = static_cast<std::time_t>(std::ceil(next));
    std::tm local{};
    char clock[16] = "?";
    if (::localtime_r(&at, &local)) std::strftime(clock, sizeof clock, "%H:%M:%S", &local);
    return tspub_error(tspub_exit::rate_limited,
                       fmt::format("rate limit: channel {} was updated {:.1f} s ago; the next update is allowed at "
                                   "{} (in {:.1f} s; --min-interval {})",
                                   c_.channel, now - (next - c_.min_interval), clock, next - now, c_.min_interval),
                       "add --wait to wait for it; ThingSpeak silently drops updates that come too fast");
}

void publisher::connect() {
    session_ = std::make_unique<session>(conn_, trace_);
    if (c_.legacy_key) session_->hide_in_trace(*c_.legacy_key);
    if (c_.confirm) {
        session_->on_message([this](const received_message& m) {
            if (m.topic != feed_topic_) return;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                feed_.push_back({m.payload, m.retained});
            }
            arrived_.notify_all();
        });
    }
    session_->connect(false, 1);
    if (c_.confirm) subscribe_feed();
}

void publisher::subscribe_feed() {
    if (subscription_refused(*session_, feed_topic_))
        throw tspub_error(tspub_exit::not_confirmed,
                          fmt::format("--confirm: the broker refused the subscription to {}: the device is not "
                                      "authorised to subscribe to channel {}; nothing was sent",
                                      feed_topic_, c_.channel),
                          "authorise the MQTT device to subscribe to the channel in ThingSpeak (Devices > MQTT), or "
                          "leave out --confirm");
}

// Connects if needed, publishes at QoS 0 and waits until it is written. False on a signal.
bool publisher::publish(const outgoing& u) {
    if (!session_ || !session_->is_connected()) {
        try {
            connect();
        } catch (const error& e) {
            if (detail::stop_signal::received()) return false;  // interrupted while connecting
            if (e.status() == static_cast<int>(tspub_exit::not_confirmed)) throw;
            throw classify_connect_failure(conn_, e);
        }
    }
    if (c_.confirm) note_earlier_entries();
    std::size_t failed_before = session_->failed_publishes();
    try {
        session_->publish(u.topic, u.payload, 0, false, 16);
    } catch (const error& e) {
        throw tspub_error(tspub_exit::network, e.what());
    }
    std::size_t unfinished = 0;
    while ((unfinished = session_->wait_published(std::chrono::milliseconds(200))) > 0) {
        if (detail::stop_signal::received()) return false;
        if (!session_->is_connected()) break;
    }
    if (unfinished > 0 || session_->failed_publishes() > failed_before) {
        std::string why = session_->link_failure();  // e.g. the broker broke the protocol
        if (why.empty()) why = fmt::format("connection to {}:{} lost", conn_.host, conn_.port);
        throw tspub_error(tspub_exit::network, "the update was not sent: " + why);
    }
    return true;
}

// Entries the feed showed before this publish (a retained last entry, another writer's update)
// can never be its confirmation: remember the highest entry_id among them.
void publisher::note_earlier_entries() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& m : feed_) {
        auto e = parse_feed_entry(m.payload);
        if (e && e->entry_id && (!seen_up_to_ || *e->entry_id > *seen_up_to_)) seen_up_to_ = e->entry_id;
    }
    feed_.clear();
}

// The first entry on the feed that is this update; `others` counts the new entries that were not.
std::optional<feed_entry> publisher::take_match(const outgoing& u, std::size_t& others) {
    while (!feed_.empty()) {
        feed_message m = std::move(feed_.front());
        feed_.pop_front();
        auto e = parse_feed_entry(m.payload);
        if (!e || m.retained || (e->channel_id && std::to_string(*e->channel_id) != c_.channel)) continue;
        if (e->entry_id && seen_up_to_ && *e->entry_id <= *seen_up_to_) continue;
        if (e->entry_id) seen_up_to_ = e->entry_id;
        if (feed_matches(*e, u.values)) return e;
        ++others;
    }
    return std::nullopt;
}

// Waits up to --confirm seconds for the update on the feed. nullopt on a signal.
std::optional<feed_entry> publisher::await_confirmation(const outgoing& u) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(*c_.confirm);
    std::size_t others = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
        if (auto e = take_match(u, others)) return e;
        if (detail::stop_signal::received()) return std::nullopt;
        if (std::chrono::steady_clock::now() >= deadline) break;
        // Never into Paho while holding mutex_: Paho's thread takes it (the message handler) while
        // holding its own, and is_connected() takes Paho's.
        lock.unlock();
        const bool connected = session_->is_connected();
        lock.lock();
        if (!connected)
            throw tspub_error(tspub_exit::network,
                              fmt::format("connection to {}:{} lost while waiting for the update on {}", conn_.host,
                                          conn_.port, feed_topic_));
        // Woken by each message; the 100 ms step notices a signal or a lost link.
        if (feed_.empty()) arrived_.wait_for(lock, std::chrono::milliseconds(100));
    }
    throw not_confirmed(others);
}

error publisher::not_confirmed(std::size_t others) const {
    std::string seen =
        others == 0 ? std::string() : fmt::format(" (it showed {} other update{})", others, others == 1 ? "" : "s");
    return tspub_error(
        tspub_exit::not_confirmed,
        fmt::format("not confirmed: the update did not appear on {} within {} s{}; likely causes: ThingSpeak's rate "
                    "limit (another update to the channel less than 15 s before, on a free account), a field not "
                    "enabled in the channel's settings, or the device not authorised to subscribe to the channel",
                    feed_topic_, *c_.confirm, seen));
}

}  // namespace mqkit::thingspeak

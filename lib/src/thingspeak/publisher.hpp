// tspub's connection to ThingSpeak: one session made when the first update is due (again if lost),
// the per-channel rate limit, and --confirm (the update seen again on the channel's feed).
#pragma once

#include "mqkit/session.hpp"
#include "thingspeak/feed.hpp"
#include "thingspeak/thingspeak.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace mqkit::thingspeak {

/// One update as it goes out.
struct outgoing {
    std::string topic;    ///< channels/<id>/publish or .../fields/fieldN
    std::string payload;  ///< what is published
    update values;        ///< the same as name=value pairs, for --confirm's match
};

/// What became of one send().
struct sent_update {
    bool interrupted = false;         ///< a signal came first; nothing more should be sent
    std::optional<feed_entry> entry;  ///< with --confirm: the feed's entry for it
};

/// Connects lazily, keeps --min-interval between updates (state file under flock, see
/// rate_state) and, with --confirm, subscribes to channels/<id>/subscribe before the first publish
/// (with the same credentials and client id: the client id must be the device's own, and a broker
/// closes the older of two connections with one client id) and
/// waits until each update comes back. Every failure is a tspub_error with its exit class.
class publisher {
public:
    /// `c` must outlive the publisher. Nothing is read or checked before the first send().
    publisher(const tspub_config& c, trace_sink trace);
    ~publisher();
    publisher(const publisher&) = delete;
    publisher& operator=(const publisher&) = delete;

    /// Sends one update once the rate limit allows it. `may_wait`: wait for the slot, else a
    /// rate_limited error. With --confirm, waits for the update on the feed: not seen in time is a
    /// not_confirmed error (the update was published).
    sent_update send(const outgoing& u, bool may_wait);

    /// Sends DISCONNECT if connected.
    void finish();

    /// Updates written to the broker so far (a not_confirmed error after one was published).
    std::size_t published() const { return published_; }

private:
    struct feed_message {
        std::string payload;
        bool retained = false;
    };

    void prepare();
    bool reserve_slot(bool may_wait);
    bool publish(const outgoing& u);
    void connect();
    void subscribe_feed();
    std::optional<feed_entry> await_confirmation(const outgoing& u);
    void note_earlier_entries();
    std::optional<feed_entry> take_match(const outgoing& u, std::size_t& others);
    error rate_limited(double now, double next) const;
    error not_confirmed(std::size_t others) const;

    const tspub_config& c_;
    trace_sink trace_;
    connection_config conn_;  // c_.conn with the credentials, once prepare() found them
    bool prepared_ = false;
    std::unique_ptr<rate_state> state_;
    std::unique_ptr<session> session_;
    const std::string feed_topic_;
    std::size_t published_ = 0;  // channels/<id>/subscribe

    std::mutex mutex_;
    std::condition_variable arrived_;
    std::deque<feed_message> feed_;           // messages on the feed not yet looked at
    std::optional<std::int64_t> seen_up_to_;  // the highest entry_id looked at: older ones never match
};

}  // namespace mqkit::thingspeak

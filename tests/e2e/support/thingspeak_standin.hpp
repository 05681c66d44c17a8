// A local stand-in for ThingSpeak's MQTT service: a real mosquitto with ThingSpeak's auth model (device users
// authorised per channel to publish and/or subscribe) and a helper that plays ThingSpeak's part: it turns each
// publish the broker accepted into a channel entry (increasing entry_id, created_at), pushes it as the feed's JSON
// on channels/<id>/subscribe (and each field on .../subscribe/fields/fieldN), and drops updates that come faster
// than the channel's rate, that carry a created_at already taken, or that hold no enabled field.
#pragma once

#include "support/broker.hpp"
#include "support/process.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace mqkit {
class session;
struct received_message;
}  // namespace mqkit

namespace mqkit::test {

/// The stand-in's channel and device users (passwords are throwaway test values).
namespace ts {
inline const std::string channel = "1234567";
/// May publish to and subscribe to `channel`.
inline const std::string device_user = "devuser", device_password = "devpass";
/// May publish to `channel` but not subscribe (ThingSpeak: the channel authorised for publish only).
inline const std::string publish_only_user = "pubonly", publish_only_password = "pubonlypass";
/// Reads everything below channels/ (a test's own watcher).
inline const std::string admin_user = "admin", admin_password = "adminpass";
}  // namespace ts

/// How the stand-in behaves.
struct standin_options {
    /// Least seconds between two accepted updates of a channel (ThingSpeak's free plan: 15).
    double rate = 15;
    /// Fields enabled in the channel's settings; values of other fields are not stored.
    std::set<int> enabled_fields{1, 2, 3, 4, 5, 6, 7, 8};
};

/// One stored entry of a channel.
struct ts_entry {
    std::string channel;
    long entry_id = 0;
    std::string created_at;                     ///< UTC, "2024-05-01T10:00:00Z"
    std::map<std::string, std::string> values;  ///< field1.., latitude, longitude, elevation, status
};

class thingspeak_standin {
public:
    explicit thingspeak_standin(standin_options o = {});
    ~thingspeak_standin();
    thingspeak_standin(const thingspeak_standin&) = delete;
    thingspeak_standin& operator=(const thingspeak_standin&) = delete;

    /// The mosquitto behind it.
    broker& mqtt() { return *broker_; }
    int port() const { return broker_->port(); }

    /// Entries stored so far, in order.
    std::vector<ts_entry> entries() const;
    /// True once at least `n` entries are stored; false after `timeout`.
    bool wait_for_entries(std::size_t n, std::chrono::milliseconds timeout) const;
    /// What the stand-in decided for each publish it saw, one line each ("entry 3: field1=1",
    /// "dropped (rate limit): field1=2"), for INFO() and for tests that wait on a drop.
    std::vector<std::string> decisions() const;
    bool wait_for_decisions(std::size_t n, std::chrono::milliseconds timeout) const;
    /// decisions() and the broker log, for INFO().
    std::string report() const;

    /// Stops the broker (the stand-in's own client goes first); start_broker() brings both back
    /// and returns once the stand-in is subscribed again.
    void stop_broker();
    void start_broker();

private:
    void connect();
    void on_publish(const received_message& m);
    void store(const std::string& channel, std::map<std::string, std::string> values, const std::string& payload);

    standin_options opts_;
    std::unique_ptr<broker> broker_;
    std::unique_ptr<session> client_;

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::vector<ts_entry> entries_;
    std::vector<std::string> decisions_;
    std::map<std::string, std::chrono::steady_clock::time_point> last_accepted_;  // per channel
};

/// A private HOME / XDG_CONFIG_HOME / XDG_STATE_HOME for one test (the THINGSPEAK_* variables
/// cleared), removed afterwards.
struct ts_home {
    std::string dir;
    ts_home();
    ~ts_home();
    ts_home(const ts_home&) = delete;
    ts_home& operator=(const ts_home&) = delete;

    /// The environment for a tool run, `extra` replacing or adding variables.
    env_list env(const env_list& extra = {}) const;
    std::string default_credentials() const { return dir + "/config/mqkit/thingspeak"; }
    std::string state_file(const std::string& channel = ts::channel) const {
        return dir + "/state/mqkit/thingspeak-" + channel + ".last";
    }
    /// Writes `text` to `path` (making its directory) with `mode`.
    void write(const std::string& path, const std::string& text, unsigned mode = 0600) const;
};

/// Reads a whole file ("" if it cannot).
std::string read_text_file(const std::string& path);

}  // namespace mqkit::test

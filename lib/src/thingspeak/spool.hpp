// tspub --spool: readings that wait on disk until they are sent (and confirmed), one file each,
// written atomically, named so that they sort by the time they were taken.
#pragma once

#include "thingspeak/thingspeak.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqkit::thingspeak {

/// One waiting reading. Its file (text, mode 0600):
///   tspub-spool 1
///   channel 1234567
///   created_at 2024-05-01T10:00:00Z
///   attempts 0
///   values field1=23.5&field2=41
///   end
/// `values` is the update form-encoded without created_at, which is added when it is sent (unless
/// the reading carries its own); `attempts` counts publishes that were not confirmed.
struct spool_entry {
    std::string name;        ///< file name inside the spool directory
    std::string channel;     ///< channel id
    std::int64_t taken = 0;  ///< unix seconds: when the reading was taken (its created_at)
    int attempts = 0;        ///< publishes not confirmed so far (--confirm)
    update values;           ///< the reading
};

/// An entry's file contents.
std::string format_spool_entry(const spool_entry& e);
/// Parses an entry's file contents; throws std::runtime_error saying what is wrong (a damaged file).
spool_entry parse_spool_entry(std::string_view text, const std::string& name);
/// The update as sent: the entry's values plus created_at (ISO 8601, UTC) unless they hold one.
update spooled_update(const spool_entry& e);

/// `<channel>-<YYYYmmddTHHMMSS.uuuuuu>Z-<pid>-<seq>.entry`: sorts by channel, then by the time
/// (UTC, microseconds) the reading was taken.
std::string spool_entry_name(const std::string& channel, double unix_time, long pid, unsigned seq);

/// Unconfirmed publishes after which an entry is set aside (as <name>.unconfirmed) so that it
/// cannot hold up the readings behind it.
inline constexpr int max_unconfirmed_attempts = 3;

/// One channel's part of a spool directory. Entries are written to a temporary file, fsync'd,
/// renamed into place and the directory fsync'd, so a crash or a full disk leaves either the whole
/// entry or none. Every failure throws a tspub_exit::spool error naming the file and the cause.
class spool {
public:
    /// Creates `dir` (and its parents, mode 0700) if needed.
    spool(std::string dir, std::string channel);
    ~spool();
    spool(const spool&) = delete;
    spool& operator=(const spool&) = delete;

    /// Saves a reading as a new entry named after `now` (unix seconds) with created_at `taken`;
    /// returns it.
    spool_entry add(const update& values, double now, std::int64_t taken);
    /// The names of this channel's waiting entries, oldest first.
    std::vector<std::string> waiting() const;
    /// The created_at of the newest waiting entry that can be read, if any.
    std::optional<std::int64_t> newest_taken() const;
    /// Reads an entry. A damaged file throws std::runtime_error; an unreadable one a spool error.
    spool_entry read(const std::string& name) const;
    /// Replaces an entry's file atomically (e.g. with one more attempt).
    void rewrite(const spool_entry& e);
    /// Deletes an entry (it was sent).
    void remove(const std::string& name);
    /// Renames an entry to `<name>.<suffix>`, out of the queue but kept; returns the new name.
    std::string set_aside(const std::string& name, std::string_view suffix);

    /// Takes this channel's lock (`.<channel>.lock` in the directory, flock(2)) without waiting;
    /// false if another process holds it. `wait`: waits for it instead.
    bool lock(bool wait);
    void unlock();

    const std::string& dir() const { return dir_; }
    const std::string& channel() const { return channel_; }

private:
    void write_atomically(const std::string& name, const std::string& text);
    void sync_dir();

    std::string dir_;
    std::string channel_;
    int lock_fd_ = -1;
    unsigned seq_ = 0;
};

/// One file of a spool directory, for --list.
struct spool_item {
    std::string name;
    std::string state;                 ///< "waiting", "unconfirmed" or "damaged" (set aside), "damaged"
    std::optional<spool_entry> entry;  ///< unless damaged
    std::string problem;               ///< why it is damaged
};

/// Every entry of `dir` (all channels, or only `channel`), waiting ones first (oldest first), then
/// those set aside; temporary and lock files are left out. A missing directory holds nothing.
std::vector<spool_item> list_spool(const std::string& dir, const std::string& channel);

}  // namespace mqkit::thingspeak

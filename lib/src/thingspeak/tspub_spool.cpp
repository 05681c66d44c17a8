// tspub --spool: every reading is saved first, then what waits is sent oldest first, each entry removed only once
// sent (and confirmed); one run at a time per channel sends (flock), the others leave their reading to it.
#include "thingspeak/spool.hpp"
#include "thingspeak/tspub_parts.hpp"
#include "tool/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <stdexcept>

namespace mqkit::thingspeak {
namespace {

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

/// One run's readings through the spool.
class spool_run {
public:
    spool_run(const tspub_config& c, publisher& pub, detail::stdout_writer& out) : c_(c), pub_(pub), out_(out) {}

    int run() {
        open_spool();
        readings input(c_);
        std::size_t taken = 0;
        while (auto u = input.next()) {
            ++taken;
            save(*u);
            if (!stopped_ && !interrupted_) send_all();
            if (interrupted_) break;
        }
        pub_.finish();
        lose_unsaved();
        if (interrupted_ || detail::stop_signal::received()) return signal_status();
        if (!lost_ && !stopped_) input.check_input(taken);
        return status();
    }

private:
    void open_spool() {
        try {
            spool_ = std::make_unique<spool>(c_.spool_dir, c_.channel);
        } catch (const error& e) {
            save_failed_ = e;  // every reading then goes directly
        }
    }

    // Saves a reading in the spool; keeps it in memory, to be sent directly, if it cannot.
    void save(const update& values) {
        const double now = unix_now();
        const std::int64_t taken = unique_second(now);
        last_taken_ = taken;
        if (spool_) {
            try {
                spool_->add(values, now, taken);
                return;
            } catch (const error& e) {
                if (!save_failed_) save_failed_ = e;
            }
        }
        spool_entry e;
        e.channel = c_.channel;
        e.taken = taken;
        e.values = values;
        unsaved_.push_back(std::move(e));
    }

    // ThingSpeak keeps one entry per created_at (to the second): a reading taken in the same second
    // as the newest one waiting (or the run's previous one) gets the next second.
    std::int64_t unique_second(double now) const {
        auto taken = static_cast<std::int64_t>(std::floor(now));
        if (last_taken_) taken = std::max(taken, *last_taken_ + 1);
        try {
            if (auto newest = spool_ ? spool_->newest_taken() : std::nullopt) taken = std::max(taken, *newest + 1);
        } catch (const error&) {
            // an unreadable spool: add() reports it
        }
        return taken;
    }

    // Sends what waits, then the unsaved readings, under this channel's lock. A run that finds the
    // lock taken leaves its (saved) reading to the run holding it. If the spool itself fails
    // (unreadable, a file that cannot be removed), what it could not take still goes directly.
    void send_all() {
        bool more = true;
        while (more && spool_) {
            try {
                more = send_locked();
            } catch (const error& e) {
                spool_->unlock();
                if (e.status() != static_cast<int>(tspub_exit::spool)) throw;
                if (!spool_broken_) spool_broken_ = e;
                break;
            }
        }
        if (!stopped_ && !interrupted_) send_unsaved();
    }

    // One turn under the lock; true if another run saved a reading meanwhile and the lock was free
    // again, so there is more to send.
    bool send_locked() {
        if (!spool_->lock(!unsaved_.empty())) {
            if (detail::stop_signal::received())
                interrupted_ = true;
            else if (c_.verbose)
                out_.write(fmt::format("queued in {}: another tspub run is sending channel {}'s spool\n", c_.spool_dir,
                                       c_.channel));
            return false;
        }
        send_waiting();
        if (!stopped_ && !interrupted_) send_unsaved();
        spool_->unlock();
        // A run that found the lock taken may have saved its reading since the last look.
        return !stopped_ && !interrupted_ && !spool_->waiting().empty();
    }

    // Under the lock: each waiting entry in turn, oldest first, until none is left or one fails.
    void send_waiting() {
        std::set<std::string> skipped;  // damaged entries that could not even be set aside
        while (true) {
            std::vector<std::string> names;
            for (auto& n : spool_->waiting())
                if (!skipped.count(n)) names.push_back(std::move(n));
            if (names.empty() || !send_entry(names.front(), skipped)) return;
        }
    }

    // Sends one entry and removes it; false if sending stopped (failure or signal).
    bool send_entry(const std::string& name, std::set<std::string>& skipped) {
        spool_entry e;
        try {
            e = spool_->read(name);
        } catch (const std::runtime_error& bad) {
            set_aside_damaged(name, bad.what(), skipped);
            return true;
        }
        update values = spooled_update(e);
        outgoing o{feed_topic(c_.channel, std::nullopt), build_payload(values), values};
        if (!send_one(o, &e)) return e.attempts >= max_unconfirmed_attempts && !stopped_;
        spool_->remove(name);
        return true;
    }

    // Publishes one reading; false if sending stopped. For a spooled entry an unconfirmed publish
    // counts an attempt, and the last allowed one sets it aside.
    bool send_one(const outgoing& o, spool_entry* e) {
        const std::size_t published_before = pub_.published();
        try {
            sent_update r = pub_.send(o, c_.wait || !first_);
            first_ = false;
            if (r.interrupted) {
                interrupted_ = true;
                return false;
            }
            report_sent(out_, c_, o, r);
            return true;
        } catch (const error& err) {
            first_ = false;
            bool unconfirmed =
                err.status() == static_cast<int>(tspub_exit::not_confirmed) && pub_.published() > published_before;
            if (e && unconfirmed && ++e->attempts >= max_unconfirmed_attempts) {
                set_aside_unconfirmed(*e, err);
                return false;
            }
            if (e && unconfirmed) spool_->rewrite(*e);
            stopped_ = with_spool_note(err);
            return false;
        }
    }

    void send_unsaved() {
        while (!unsaved_.empty()) {
            update values = spooled_update(unsaved_.front());
            outgoing o{feed_topic(c_.channel, std::nullopt), build_payload(values), values};
            if (!send_one(o, nullptr)) return;
            unsaved_.erase(unsaved_.begin());
            ++sent_unsaved_;
        }
    }

    void set_aside_damaged(const std::string& name, const std::string& why, std::set<std::string>& skipped) {
        std::string what = fmt::format("spool: '{}/{}' is damaged ({})", c_.spool_dir, name, why);
        try {
            std::string aside = spool_->set_aside(name, "bad");
            detail::warn(tspub_name, fmt::format("{}; set aside as {}", what, aside), c_.conn.quiet);
        } catch (const error& e) {
            skipped.insert(name);
            detail::warn(tspub_name, fmt::format("{}; skipped: {}", what, e.what()), c_.conn.quiet);
        }
        if (!damaged_)
            damaged_ =
                tspub_error(tspub_exit::spool, fmt::format("spool: a damaged file was set aside in {}", c_.spool_dir),
                            fmt::format("tspub --spool {} --list shows it", c_.spool_dir));
    }

    void set_aside_unconfirmed(const spool_entry& e, const error& err) {
        spool_->rewrite(e);  // with its last attempt counted
        std::string aside = spool_->set_aside(e.name, "unconfirmed");
        std::string what = fmt::format(
            "spool: the reading taken at {} was published {} without being confirmed; "
            "set aside as {}",
            iso_utc(e.taken), plural(e.attempts, "time", "times"), aside);
        detail::warn(tspub_name, what, c_.conn.quiet);
        if (!unconfirmed_) unconfirmed_ = tspub_error(tspub_exit::not_confirmed, err.what(), what);
    }

    // The failure that stopped sending, saying where the readings wait.
    error with_spool_note(const error& err) const {
        std::size_t waiting = 0;
        try {
            if (spool_) waiting = spool_->waiting().size();
        } catch (const error&) {
        }
        if (waiting == 0) return err;
        return error(err.status(),
                     fmt::format("{}; {} in the spool {}", err.what(),
                                 plural(waiting, "reading waits", "readings wait"), c_.spool_dir),
                     err.hint());
    }

    // Readings that could be neither saved nor sent: their payloads go into the error, so that
    // cron's mail at least keeps them.
    void lose_unsaved() {
        if (unsaved_.empty()) return;
        std::string payloads;
        for (const auto& e : unsaved_) payloads += (payloads.empty() ? "" : " ") + build_payload(spooled_update(e));
        std::string why = stopped_ ? std::string(stopped_->what()) : std::string(detail::stop_signal::word());
        lost_ = tspub_error(tspub_exit::spool,
                            fmt::format("{}; not sent either ({}); lost: {}", save_failed_->what(), why, payloads));
    }

    int status() const {
        if (lost_) throw *lost_;
        if (stopped_) throw *stopped_;
        if (unconfirmed_) throw *unconfirmed_;
        if (save_failed_)
            throw error(save_failed_->status(), fmt::format("{}; {} sent without it", save_failed_->what(),
                                                            plural(sent_unsaved_, "reading was", "readings were")));
        if (spool_broken_) throw *spool_broken_;
        if (damaged_) throw *damaged_;
        return 0;
    }

    const tspub_config& c_;
    publisher& pub_;
    detail::stdout_writer& out_;
    std::unique_ptr<spool> spool_;
    std::vector<spool_entry> unsaved_;  // readings the spool could not take, sent directly
    std::size_t sent_unsaved_ = 0;
    std::optional<std::int64_t> last_taken_;  // created_at of the run's previous reading
    bool first_ = true;                       // the next send is the run's first: only it follows --wait
    bool interrupted_ = false;
    std::optional<error> save_failed_;   // the first reading the spool could not take
    std::optional<error> stopped_;       // the failure that stopped sending
    std::optional<error> lost_;          // readings neither saved nor sent
    std::optional<error> unconfirmed_;   // an entry set aside after its last unconfirmed attempt
    std::optional<error> damaged_;       // a damaged entry set aside
    std::optional<error> spool_broken_;  // the spool failed while sending
};

std::string list_line(const spool_item& item) {
    if (!item.entry) return fmt::format("- - {} - - {}: {}\n", item.state, item.name, item.problem);
    const spool_entry& e = *item.entry;
    return fmt::format("{} {} {} {} {} {}\n", e.channel, iso_utc(e.taken), item.state, e.attempts,
                       build_payload(e.values), item.name);
}

}  // namespace

int run_spooled(const tspub_config& c, publisher& pub, detail::stdout_writer& out) {
    return spool_run(c, pub, out).run();
}

int list_spool_files(const tspub_config& c) {
    std::vector<spool_item> items = list_spool(c.spool_dir, c.channel);
    std::string text;
    if (!items.empty()) text = "channel created_at state attempts values file\n";
    for (const auto& item : items) text += list_line(item);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    return 0;
}

}  // namespace mqkit::thingspeak

// mqbench's run(): one process or a parent with local worker processes (JSON lines over pipes), merge, and the outputs.
#include "bench/bench.hpp"
#include "mqkit/tool.hpp"
#include "mqkit/topic.hpp"

#include "bench/bench_engine.hpp"
#include "core/tcp_probe.hpp"
#include "tool/run.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace mqkit::bench {
namespace {

using detail::coordinator;

constexpr std::string_view tool_name = "mqbench";

/// Exit statuses of mqbench (README "mqbench").
enum bench_status : int {
    ok = 0,
    failed = 1,    ///< bad arguments, broker unreachable, no connection at all
    lost = 2,      ///< messages lost at QoS 1 or 2
    degraded = 3,  ///< some connections failed or dropped, publishes failed, or the rate was not reached
};

bool progress_wanted(const bench_config& c) {
    if (c.no_progress || c.worker_pipe || !::isatty(2)) return false;
    const char* term = std::getenv("TERM");
    return !(term && std::string_view(term) == "dumb");
}

bool colour_wanted() {
    const char* no = std::getenv("NO_COLOR");
    return !(no && *no);
}

void print_progress(const second_sample& s, std::int64_t first_unix_s) {
    std::string line = progress_line(s, static_cast<double>(s.unix_s - first_unix_s));
    if (colour_wanted() && s.errors + s.connect_failures > 0) line = "\x1b[31m" + line + "\x1b[0m";
    std::fputs((line + "\n").c_str(), stderr);
}

/// A process on its own: progress on a terminal, and (with one host) it knows the whole run.
class local_coordinator : public coordinator {
public:
    local_coordinator(bool progress, bool whole) : progress_(progress), whole_(whole) {}
    void tick(const second_sample& s) override {
        if (!progress_) return;
        if (first_ == 0) first_ = s.unix_s;
        print_progress(s, first_);
    }
    bool sees_everything() const override { return whole_; }

private:
    bool progress_;
    bool whole_;
    std::int64_t first_ = 0;
};

/// A local worker: JSON lines to the parent on stdout, commands from it on stdin.
class pipe_coordinator : public coordinator {
public:
    explicit pipe_coordinator(std::atomic<int>& stop) : stop_(stop) {
        std::thread([this] {
            std::string line;
            char buf[256];
            for (;;) {
                ssize_t n = ::read(0, buf, sizeof buf);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                line.append(buf, static_cast<std::size_t>(n));
                std::size_t nl;
                while ((nl = line.find('\n')) != std::string::npos) {
                    command(line.substr(0, nl));
                    line.erase(0, nl + 1);
                }
            }
            command("stop");  // the parent went away
        }).detach();
    }
    void ready(const std::vector<std::string>& filters) override {
        json j = json::object();
        j.add("type", json::string("ready"));
        json f = json::array();
        for (const auto& x : filters) f.push(json::string(x));
        j.add("filters", std::move(f));
        send(j.dump());
    }
    bool wait_go() override { return wait_for(go_); }
    void tick(const second_sample& s) override {
        json j = json::object();
        j.add("type", json::string("tick"));
        j.add("sample", sample_to_json(s, s.unix_s));
        send(j.dump());
    }
    void published(const std::vector<publisher_record>& publishers) override {
        json j = json::object();
        j.add("type", json::string("published"));
        json p = json::array();
        for (const auto& x : publishers) {
            json one = json::array();
            one.push(json::string(x.topic));
            one.push(json::number(static_cast<double>(x.sent)));
            p.push(std::move(one));
        }
        j.add("publishers", std::move(p));
        send(j.dump());
    }
    bool wait_drain(std::optional<std::uint64_t>& expected) override {
        bool go_on = wait_for(drain_);
        std::lock_guard<std::mutex> lock(mutex_);
        expected = expected_;
        return go_on;
    }
    void send(const std::string& line) {
        std::lock_guard<std::mutex> lock(out_mutex_);
        std::string l = line + "\n";
        std::size_t off = 0;
        while (off < l.size()) {
            ssize_t n = ::write(1, l.data() + off, l.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;
            off += static_cast<std::size_t>(n);
        }
    }

private:
    void command(const std::string& c) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (c == "go") {
            go_ = true;
        } else if (c.rfind("drain", 0) == 0) {  // "drain" or "drain <expected messages>"
            drain_ = true;
            if (c.size() > 6) expected_ = std::strtoull(c.c_str() + 6, nullptr, 10);
        } else if (c == "stop" && stop_.load() == 0) {
            stop_.store(static_cast<int>(exit_code::terminated));
        }
        cv_.notify_all();
    }
    bool wait_for(bool& flag) {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!flag && stop_.load() == 0) cv_.wait_for(lock, std::chrono::milliseconds(50));
        return flag && stop_.load() == 0;
    }

    std::atomic<int>& stop_;
    std::mutex mutex_, out_mutex_;
    std::condition_variable cv_;
    bool go_ = false;
    bool drain_ = false;
    std::optional<std::uint64_t> expected_;
};

/// One local worker process as the parent sees it.
struct child {
    pid_t pid = -1;
    int to = -1;    // its stdin
    int from = -1;  // its stdout
    std::string buffer;
    bool ready = false;
    bool published = false;
    std::vector<std::string> filters;                         // its subscribers'
    std::vector<std::pair<std::string, std::uint64_t>> sent;  // its publishers' topics and counts
    bool closed = false;
    std::optional<report> result;
};

void write_all(int fd, std::string_view s) {
    while (!s.empty()) {
        ssize_t n = ::write(fd, s.data(), s.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        s.remove_prefix(static_cast<std::size_t>(n));
    }
}

/// The worker's command line: the parent's, minus what only the parent does and minus the
/// password (it goes through the environment, out of `ps`).
std::vector<std::string> child_args(const bench_config& c, long index, long count) {
    static const std::vector<std::string_view> dropped{
        "--json", "--csv", "--plot", "--workers", "--worker-index", "--worker-count", "--prefix", "--pw", "-P"};
    std::vector<std::string> out{std::string(mode_name(c.kind))};
    const auto& a = c.args;
    std::size_t i = 0;
    if (!a.empty() && !a[0].empty() && a[0][0] != '-') i = 1;  // the scenario word
    for (; i < a.size(); ++i) {
        std::string_view arg = a[i];
        bool drop = false;
        for (auto d : dropped) {
            if (arg == d) {
                drop = true;
                ++i;  // and its value
                break;
            }
            if (arg.size() > d.size() && arg.substr(0, d.size()) == d && (arg[d.size()] == '=' || d == "-P")) {
                drop = true;
                break;
            }
        }
        if (!drop) out.emplace_back(arg);
    }
    for (std::string extra : {std::string("--worker-pipe"), std::string("--no-progress"), std::string("--worker-index"),
                              std::to_string(index), std::string("--worker-count"), std::to_string(count),
                              std::string("--prefix"), c.prefix})
        out.push_back(std::move(extra));
    return out;
}

child spawn_worker(const bench_config& c, long index, long count) {
    std::vector<std::string> args = child_args(c, index, count);
    args.insert(args.begin(), "mqbench");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_store;
    for (char** e = environ; *e; ++e)
        if (std::strncmp(*e, "MQKIT_PASSWORD=", 15) != 0) env_store.emplace_back(*e);
    if (c.conn.password) env_store.push_back("MQKIT_PASSWORD=" + *c.conn.password);
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);

    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
        throw error(exit_code::failure, fmt::format("cannot create a pipe for a worker: {}", std::strerror(errno)));
    pid_t pid = ::fork();
    if (pid < 0) throw error(exit_code::failure, fmt::format("cannot start a worker: {}", std::strerror(errno)));
    if (pid == 0) {
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        sigset_t none;
        sigemptyset(&none);
        ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
        ::execve("/proc/self/exe", argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    child ch;
    ch.pid = pid;
    ch.to = in[1];
    ch.from = out[0];
    return ch;
}

/// The local worker processes of one run, driven over their pipes: "go" once every worker is
/// ready, "drain <expected>" once every worker has published, "stop" on SIGINT/SIGTERM; their
/// per-second samples merged for the progress line; their reports merged at the end.
class worker_pool {
public:
    worker_pool(const bench_config& c, long workers, bool progress) : c_(c), progress_(progress) {
        const long count = c.worker_count * workers;
        for (long k = 0; k < workers; ++k) kids_.push_back(spawn_worker(c, c.worker_index * workers + k, count));
    }

    /// Drives the workers until every one has closed its pipe; then their merged report.
    report run() {
        while (running() > 0) {
            stop_on_signal();
            poll_once();
            send_go_when_ready();
            send_drain_when_published();
            flush_ticks(false);
        }
        flush_ticks(true);
        return collect();
    }

private:
    long running() const {
        long n = 0;
        for (const auto& k : kids_) n += k.closed ? 0 : 1;
        return n;
    }

    void tell_all(std::string_view line) {
        for (auto& k : kids_)
            if (!k.closed) write_all(k.to, line);
    }

    void stop_on_signal() {
        if (stop_sent_ || mqkit::detail::stop_signal::received() == 0) return;
        tell_all("stop\n");
        stop_sent_ = true;
    }

    /// Waits up to 200 ms for the workers' pipes (or a signal) and reads what came.
    void poll_once() {
        std::vector<pollfd> fds;
        std::vector<child*> owners;
        for (auto& k : kids_)
            if (!k.closed) {
                fds.push_back({k.from, POLLIN, 0});
                owners.push_back(&k);
            }
        fds.push_back({mqkit::detail::stop_signal::wake_fd(), POLLIN, 0});
        if (::poll(fds.data(), fds.size(), 200) < 0) return;  // EINTR: the next round
        for (std::size_t i = 0; i < owners.size(); ++i)
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) read_from(*owners[i]);
    }

    void read_from(child& k) {
        char buf[65536];
        const ssize_t n = ::read(k.from, buf, sizeof buf);
        if (n < 0 && errno == EINTR) return;
        if (n <= 0) {
            k.closed = true;
            ::close(k.from);
            ::close(k.to);
            return;
        }
        k.buffer.append(buf, static_cast<std::size_t>(n));
        for (std::size_t nl; (nl = k.buffer.find('\n')) != std::string::npos;) {
            const std::string line = k.buffer.substr(0, nl);
            k.buffer.erase(0, nl + 1);
            try {
                handle(k, line);
            } catch (const error&) {
                // a malformed line from a worker: its report will say what went wrong
            }
        }
    }

    /// One JSON line from a worker: ready, published, tick (a second's sample) or its report.
    void handle(child& k, const std::string& line) {
        const auto j = json::parse(line);
        const json* type = j ? j->find("type") : nullptr;
        if (!type) return;
        const std::string& t = type->as_string();
        if (t == "ready") {
            // Its subscribers' filters and, below, its publishers' counts: what each worker's drain
            // waits for ("drain N"). Without them every worker was told "drain 0" and stopped at
            // once, and messages still on their way were counted as lost.
            if (const json* f = j->find("filters"); f && f->type() == json::kind::array)
                for (const auto& x : f->items())
                    if (x.type() == json::kind::string) k.filters.push_back(x.as_string());
            k.ready = true;
        } else if (t == "published") {
            if (const json* p = j->find("publishers"); p && p->type() == json::kind::array)
                for (const auto& x : p->items())
                    if (x.type() == json::kind::array && x.items().size() == 2 &&
                        x.items()[0].type() == json::kind::string && x.items()[1].type() == json::kind::number)
                        k.sent.emplace_back(x.items()[0].as_string(),
                                            static_cast<std::uint64_t>(std::max(0.0, x.items()[1].as_number())));
            k.published = true;
        } else if (t == "tick") {
            if (const json* s = j->find("sample")) add_tick(sample_from_json(*s));
        } else if (t == "report") {
            if (const json* r = j->find("report")) k.result = report::from_json(*r);
        }
    }

    void add_tick(const second_sample& sample) {
        auto& [sum, workers] = pending_ticks_[sample.unix_s];
        sum.merge(sample);
        ++workers;
    }

    /// Prints each second once every running worker has reported it (or 2 s later), in order.
    void flush_ticks(bool all) {
        const long live = running();
        const std::int64_t newest = pending_ticks_.empty() ? 0 : pending_ticks_.rbegin()->first;
        while (!pending_ticks_.empty()) {
            auto it = pending_ticks_.begin();
            if (!all && it->second.second < live && it->first + 2 > newest) break;
            if (progress_ && it->first > last_printed_) {
                if (first_second_ == 0) first_second_ = it->first;
                print_progress(it->second.first, first_second_);
                last_printed_ = it->first;
            }
            pending_ticks_.erase(it);
        }
    }

    void send_go_when_ready() {
        if (go_sent_) return;
        for (const auto& k : kids_)
            if (!k.ready && !k.closed) return;
        tell_all("go\n");
        go_sent_ = true;
    }

    void send_drain_when_published() {
        if (!go_sent_ || drain_sent_) return;
        for (const auto& k : kids_)
            if (!k.published && !k.closed) return;
        // Every worker's publishers are known unless one ended early: then each subscriber waits
        // for quiet instead of a count.
        bool complete = true;
        for (const auto& k : kids_) complete = complete && k.published;
        for (auto& k : kids_) {
            if (k.closed) continue;
            std::uint64_t expected = 0;
            for (const auto& filter : k.filters)
                for (const auto& other : kids_)
                    for (const auto& [topic, n] : other.sent)
                        if (topic_matches(filter, topic)) expected += n;
            write_all(k.to, complete ? fmt::format("drain {}\n", expected) : std::string("drain\n"));
        }
        drain_sent_ = true;
    }

    /// Reaps the workers and merges their reports; a worker without one makes the run fail.
    report collect() {
        std::vector<report> parts;
        std::string missing;
        for (std::size_t i = 0; i < kids_.size(); ++i) {
            int status = 0;
            ::waitpid(kids_[i].pid, &status, 0);
            if (kids_[i].result)
                parts.push_back(std::move(*kids_[i].result));
            else
                missing = fmt::format("worker {} ended ({}) without a report", i,
                                      WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status))
                                                          : fmt::format("exit {}", WEXITSTATUS(status)));
        }
        report merged = merge(parts);
        if (parts.empty()) merged.config = c_.to_json();
        if (!missing.empty()) {
            merged.errors[missing] += 1;
            if (merged.exit_status == 0) {
                merged.exit_status = failed;
                merged.message = missing;
            }
        }
        return merged;
    }

    const bench_config& c_;
    const bool progress_;
    std::vector<child> kids_;
    bool go_sent_ = false, drain_sent_ = false, stop_sent_ = false;
    std::map<std::int64_t, std::pair<second_sample, long>> pending_ticks_;  // second -> (sum, workers)
    std::int64_t first_second_ = 0, last_printed_ = 0;
};

void write_file(const std::string& path, const std::string& text, std::vector<std::string>& problems) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (f) f << text;
    if (!f) problems.push_back(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
}

/// ": <why>" for the most frequent error of the report whose text starts with `prefix`, or "".
std::string why_of(const report& r, std::string_view prefix) {
    const std::pair<const std::string, std::uint64_t>* top = nullptr;
    for (const auto& e : r.errors)
        if (e.first.rfind(prefix, 0) == 0 && (!top || e.second > top->second)) top = &e;
    return top ? ": " + top->first.substr(prefix.size()) : std::string();
}

/// The run's exit status from its report, with one line per reason.
int evaluate(const report& r, std::vector<std::string>& reasons) {
    if (r.exit_status == static_cast<int>(exit_code::interrupted) ||
        r.exit_status == static_cast<int>(exit_code::terminated)) {
        reasons.push_back(fmt::format("{}; the results so far were written", detail::stopped_word(r.exit_status)));
        return r.exit_status;
    }
    if (r.exit_status != 0) {
        reasons.push_back(r.message.empty() ? "the run failed" : r.message);
        return r.exit_status;
    }
    if (r.connects == 0 && r.connect_attempts > 0) {
        const json* host = r.config.find("host");
        std::string where = host && host->type() == json::kind::string
                                ? fmt::format("{}:{}", host->as_string(), r.config.number_or("port", 0))
                                : "the broker";
        std::string why = r.connect_failures.empty() ? "no reason given" : r.connect_failures.begin()->first;
        if (host && host->type() == json::kind::string)
            if (auto p = mqkit::detail::probe_tcp(host->as_string(), static_cast<int>(r.config.number_or("port", 0)));
                p.what != mqkit::detail::tcp_probe::outcome::connected)
                why = p.reason;
        reasons.push_back(fmt::format("cannot connect to {}: {}", where, why));
        return failed;
    }
    int status = ok;
    for (const auto& [q, f] : r.loss()) {
        if (q > 0 && f.lost > 0) {
            reasons.push_back(
                fmt::format("{} of {} messages lost at QoS {}\nthe broker may drop messages for "
                            "subscribers that cannot keep up (mosquitto: max_queued_messages); "
                            "try a lower --rate or raise that limit",
                            f.lost, f.expected, q));
            status = lost;
        }
    }
    if (status != ok) return status;
    std::uint64_t failures = 0;
    for (const auto& [k, v] : r.connect_failures) failures += v;
    if (failures) {
        reasons.push_back(fmt::format("{} of {} connections failed ({})", failures, r.connect_attempts,
                                      r.connect_failures.begin()->first));
        status = degraded;
    }
    if (r.connection_lost) {
        reasons.push_back(fmt::format("{} connection{} lost during the run{}", r.connection_lost,
                                      r.connection_lost == 1 ? " was" : "s were", why_of(r, "connection lost: ")));
        status = degraded;
    }
    if (r.publish_failures) {
        reasons.push_back(fmt::format("{} publish{} failed{}", r.publish_failures, r.publish_failures == 1 ? "" : "es",
                                      why_of(r, "publish failed: ")));
        status = degraded;
    }
    for (const auto& [k, v] : r.errors)
        if (k.rfind("target rate not reached", 0) == 0 || k.rfind("subscription to", 0) == 0 ||
            k.rfind("worker", 0) == 0) {
            reasons.push_back(k);
            status = degraded;
        }
    return status;
}

/// Writes --json/--csv/--plot, prints the summary, and returns the exit status.
int finish(const bench_config& c, report& r) {
    std::vector<std::string> reasons;
    int status = evaluate(r, reasons);
    if (r.exit_status == 0) r.exit_status = status;
    if (r.message.empty() && !reasons.empty()) r.message = reasons.front();
    std::vector<std::string> problems;
    if (!c.json_file.empty()) write_file(c.json_file, r.to_json().dump(true) + "\n", problems);
    if (!c.csv_file.empty()) write_file(c.csv_file, series_csv(r), problems);
    if (!c.plot_file.empty()) write_file(c.plot_file, plot_svg(r), problems);
    std::string out = summary_text(r);
    if (r.e2e_latency.count())
        out += "\n" + histogram_text(r.e2e_latency, "end-to-end latency");
    else if (r.ack_latency.count())
        out += "\n" + histogram_text(r.ack_latency, "publish -> ack latency");
    else if (r.connect_latency.count())
        out += "\n" + histogram_text(r.connect_latency, "connect latency");
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    bool quiet = c.conn.quiet;
    for (const auto& p : problems) mqkit::detail::warn(tool_name, p, quiet);
    if (!problems.empty() && status == ok) status = failed;
    if (status != ok && !quiet) {
        // One error line, the reasons joined; the first hint (a reason's second line) below it.
        std::string line, hint;
        for (const auto& why : reasons) {
            auto nl = why.find('\n');
            line += (line.empty() ? "" : "; ") + why.substr(0, nl);
            if (nl != std::string::npos && hint.empty()) hint = why.substr(nl + 1);
        }
        std::fputs(fmt::format("{}: error: {}\n", tool_name, line).c_str(), stderr);
        if (!hint.empty()) std::fputs(fmt::format("{}: hint: {}\n", tool_name, hint).c_str(), stderr);
    }
    return status;
}

report read_report(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw error(exit_code::failure, fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    std::stringstream ss;
    ss << f.rdbuf();
    auto j = json::parse(ss.str());
    if (!j) throw error(exit_code::failure, fmt::format("'{}' is not JSON", path));
    try {
        return report::from_json(*j);
    } catch (const error& e) {
        throw error(exit_code::failure, fmt::format("'{}': {}", path, e.what()));
    }
}

int run_bench(bench_config& c) {
    if (c.kind == mode::merge) {
        std::vector<report> parts;
        for (const auto& f : c.merge_files) parts.push_back(read_report(f));
        report r = merge(parts);
        r.exit_status = 0;
        r.message.clear();
        for (const auto& p : parts)
            if (p.exit_status != 0 && r.exit_status == 0) {
                r.exit_status = p.exit_status;
                r.message = p.message;
            }
        return finish(c, r);
    }
    std::atomic<int> stop{0};
    mqkit::detail::stop_signal::on_signal([&stop] {
        if (stop.load() == 0) stop.store(static_cast<int>(mqkit::detail::stop_signal::status()));
    });
    long workers = c.workers > 0 ? c.workers : std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
    auto [a, b] = detail::partition(c.clients, c.worker_index, c.worker_count);
    workers = std::max(1L, std::min(workers, b - a));
    bool progress = progress_wanted(c);
    if (c.worker_pipe) {
        pipe_coordinator coord(stop);
        report r = detail::run_engine(c, coord, stop);
        json j = json::object();
        j.add("type", json::string("report"));
        j.add("report", r.to_json());
        coord.send(j.dump());
        return r.exit_status;
    }
    report r;
    if (workers == 1) {
        local_coordinator coord(progress, c.worker_count == 1);
        r = detail::run_engine(c, coord, stop);
    } else {
        r = worker_pool(c, workers, progress).run();
        // This process was signalled: its status, whatever the workers say (they were told "stop"
        // and report 143). received(), not `stop`: the pool acts on received(), which the signal
        // thread sets before it runs the callback that sets `stop`, so the pool can be done first.
        if (mqkit::detail::stop_signal::received() != 0) {
            r.exit_status = static_cast<int>(mqkit::detail::stop_signal::status());
            r.message = detail::stopped_word(r.exit_status);
        }
    }
    return finish(c, r);
}

}  // namespace

int run(int argc, char** argv) {
    return mqkit::detail::run_tool(mqbench_spec(), argc, argv, parse_bench,
                                   [](bench_config& c) { return run_bench(c); });
}

}  // namespace mqkit::bench

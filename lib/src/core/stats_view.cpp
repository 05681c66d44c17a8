// The live --stats view of mqsub and tssub.
#include "core/stats_view.hpp"

#include <sys/ioctl.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>

namespace mqkit::detail {
namespace {

constexpr std::size_t spark_points = 20;

std::size_t terminal_width() {
    winsize ws{};
    if (::ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    if (const char* cols = std::getenv("COLUMNS")) {
        long n = std::strtol(cols, nullptr, 10);
        if (n > 0 && n < 10000) return static_cast<std::size_t>(n);
    }
    return 80;
}

}  // namespace

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

stats_view::stats_view(double window, std::string field, stdout_writer& out, title_maker title)
    : out_(out), title_(std::move(title)), stats_(window, std::move(field)), start_(steady_seconds()) {
    const char* term = std::getenv("TERM");
    const char* no_color = std::getenv("NO_COLOR");
    terminal_ = ::isatty(1) == 1;
    ansi_ = terminal_ && !(term && std::string_view(term) == "dumb");
    style_.unicode = locale_is_utf8(+[](const char* name) -> const char* { return std::getenv(name); });
    style_.bold = ansi_ && !(no_color && *no_color);
    if (ansi_) out_.write("\x1b[2J\x1b[H");
}

void stats_view::add(const std::string& key, std::string_view value) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.add(key, value, steady_seconds());
}

bool stats_view::draw() {
    stats_snapshot snap;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        snap = stats_.snapshot(start_, steady_seconds(), spark_points);
    }
    if (!terminal_) return out_.write(render_stats_lines(snap));
    style_.width = terminal_width();
    std::string table = render_stats_table(snap, title_(snap.elapsed), style_);
    if (!ansi_) return out_.write(table + "\n");  // TERM=dumb: no cursor movement, one table after another
    std::string screen = "\x1b[H";
    for (char ch : table) {
        if (ch == '\n') screen += "\x1b[K";  // clear what the previous, longer line left
        screen += ch;
    }
    screen += "\x1b[J";
    return out_.write(screen);
}

bool run_stats_view(stats_view& view, double interval, double deadline, completion& done) {
    bool finished = false;
    while (true) {
        double wait = interval;
        if (deadline > 0) wait = std::min(wait, deadline - steady_seconds());
        if (wait > 0 && done.wait(wait)) {
            finished = true;
            break;
        }
        if (deadline > 0 && steady_seconds() >= deadline) break;
        if (!view.draw()) {
            done.finish(0);
            finished = true;
            break;
        }
    }
    view.draw();
    return finished;
}

}  // namespace mqkit::detail

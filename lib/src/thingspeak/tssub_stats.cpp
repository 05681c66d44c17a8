// tssub --stats: the channel's fields through core/stats' rolling windows, drawn as mqsub --stats draws topics.
#include "thingspeak/tssub_stats.hpp"

#include "tool/run.hpp"

#include <fmt/format.h>

#include <sys/ioctl.h>
#include <unistd.h>
#include <chrono>
#include <cstdlib>

namespace mqkit::thingspeak {
namespace {

constexpr std::size_t spark_points = 20;

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

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

feed_stats_view::feed_stats_view(const tssub_config& c, detail::stdout_writer& out)
    : config_(c), out_(out), stats_(c.stats.window, std::string()), start_(steady_seconds()) {
    const char* term = std::getenv("TERM");
    const char* no_color = std::getenv("NO_COLOR");
    terminal_ = ::isatty(1) == 1;
    ansi_ = terminal_ && !(term && std::string_view(term) == "dumb");
    style_.unicode = locale_is_utf8(detail::process_env);
    style_.bold = ansi_ && !(no_color && *no_color);
    if (ansi_) out_.write("\x1b[2J\x1b[H");
}

void feed_stats_view::add_field(int field, std::string_view value) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.add(fmt::format("field{}", field), value, steady_seconds());
}

bool feed_stats_view::draw() {
    stats_snapshot snap;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        snap = stats_.snapshot(start_, steady_seconds(), spark_points);
    }
    if (!terminal_) return out_.write(render_stats_lines(snap));
    style_.width = terminal_width();
    std::string table = render_stats_table(snap, title(snap), style_);
    if (!ansi_) return out_.write(table + "\n");  // TERM=dumb: one table after another
    std::string screen = "\x1b[H";
    for (char ch : table) {
        if (ch == '\n') screen += "\x1b[K";  // clear what the previous, longer line left
        screen += ch;
    }
    screen += "\x1b[J";
    return out_.write(screen);
}

std::string feed_stats_view::title(const stats_snapshot& snap) const {
    std::string what = config_.field != 0 ? fmt::format("channel {} field{}", config_.channel, config_.field)
                                          : fmt::format("channel {}", config_.channel);
    return fmt::format("tssub --stats  {}:{}  {}  window {} s  every {} s  up {:.0f} s", config_.conn.host,
                       config_.conn.port, what, format_stat(config_.stats.window), format_stat(config_.stats.interval),
                       snap.elapsed);
}

}  // namespace mqkit::thingspeak

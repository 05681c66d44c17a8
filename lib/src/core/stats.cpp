// mqsub --stats: rolling windows per topic, numbers out of payloads, sparklines, and the table and
// plain-line renderings. Everything here is pure: times and sizes come in as arguments.
#include "core/stats.hpp"

#include "core/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace mqkit {
namespace {

/// The last payload kept per topic; longer ones are cut (at a UTF-8 boundary).
constexpr std::size_t max_last_bytes = 256;

std::string_view trim(std::string_view s) {
    const char* space = " \t\r\n\f\v";
    auto first = s.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(space) - first + 1);
}

/// [+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?
bool is_plain_number(std::string_view s) {
    std::size_t i = 0;
    auto digits = [&] {
        std::size_t start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
        return i - start;
    };
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t mantissa = digits();
    if (i < s.size() && s[i] == '.') {
        ++i;
        mantissa += digits();
    }
    if (mantissa == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (digits() == 0) return false;
    }
    return i == s.size();
}

std::optional<double> plain_number(std::string_view payload) {
    std::string_view s = trim(payload);
    if (!is_plain_number(s)) return std::nullopt;
    std::string copy(s);
    double v = std::strtod(copy.c_str(), nullptr);
    if (!std::isfinite(v)) return std::nullopt;
    return v;
}

std::vector<std::string_view> split_dots(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        auto dot = path.find('.', start);
        parts.push_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) return parts;
        start = dot + 1;
    }
}

std::string cut_utf8(std::string_view s, std::size_t max_bytes) {
    if (s.size() <= max_bytes) return std::string(s);
    std::size_t n = max_bytes;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return std::string(s.substr(0, n));
}

}  // namespace

std::string stats_field_problem(std::string_view path) {
    if (path.empty()) return "empty path";
    for (auto part : split_dots(path))
        if (part.empty()) return "empty name before, after or between dots";
    return {};
}

std::optional<double> numeric_value(std::string_view payload, std::string_view field) {
    if (field.empty()) return plain_number(payload);
    auto doc = json::parse(payload);
    if (!doc) return std::nullopt;
    const json* at = &*doc;
    for (auto part : split_dots(field)) {
        if (at->type() == json::kind::object) {
            at = at->find(part);
        } else if (at->type() == json::kind::array && !part.empty() &&
                   part.find_first_not_of("0123456789") == std::string_view::npos && part.size() < 10) {
            std::size_t index = std::strtoul(std::string(part).c_str(), nullptr, 10);
            at = index < at->items().size() ? &at->items()[index] : nullptr;
        } else {
            at = nullptr;
        }
        if (!at) return std::nullopt;
    }
    if (at->type() == json::kind::number && std::isfinite(at->as_number())) return at->as_number();
    if (at->type() == json::kind::string) return plain_number(at->as_string());
    return std::nullopt;
}

rolling_window::rolling_window(double seconds)
    : seconds_(seconds),
      width_(seconds < 10.0        ? seconds / 10.0
             : seconds > 10.0 * 60 ? seconds / max_buckets
                                   : 1.0) {}

void rolling_window::add(double t, std::optional<double> value) {
    const auto slot = static_cast<std::int64_t>(std::floor(t / width_));
    if (buckets_.empty() || buckets_.back().slot < slot) buckets_.push_back(bucket{slot});
    bucket& b = buckets_.back();  // a time that went backwards lands in the newest bucket
    ++b.count;
    if (value) {
        const double v = *value;
        b.min = b.numeric == 0 ? v : std::min(b.min, v);
        b.max = b.numeric == 0 ? v : std::max(b.max, v);
        b.sum += v;
        ++b.numeric;
        recent_.push_back({t, v});
        if (recent_.size() > max_recent) recent_.pop_front();
    }
    ++total_;
    if (!value) ++total_text_;
    if (!first_t_) first_t_ = t;
}

void rolling_window::expire(double now) {
    const double cutoff = now - seconds_;
    while (!buckets_.empty() && static_cast<double>(buckets_.front().slot) * width_ < cutoff) buckets_.pop_front();
    // The sparkline's numbers leave with their bucket.
    while (!recent_.empty() && std::floor(recent_.front().t / width_) * width_ < cutoff) recent_.pop_front();
}

window_summary rolling_window::summary(double now, std::size_t recent_points) const {
    window_summary s;
    s.total = total_;
    s.total_text = total_text_;
    double span = first_t_ ? std::min(seconds_, now - *first_t_) : seconds_;
    span = std::max(span, std::min(1.0, seconds_));
    double sum = 0;
    for (const auto& b : buckets_) {
        s.in_window += static_cast<std::size_t>(b.count);
        if (b.numeric == 0) continue;
        s.numeric += static_cast<std::size_t>(b.numeric);
        sum += b.sum;
        s.min = s.min ? std::min(*s.min, b.min) : b.min;
        s.max = s.max ? std::max(*s.max, b.max) : b.max;
    }
    s.rate = static_cast<double>(s.in_window) / span;
    if (s.numeric > 0) s.mean = sum / static_cast<double>(s.numeric);
    const std::size_t n = std::min(recent_points, recent_.size());
    for (auto it = recent_.end() - static_cast<std::ptrdiff_t>(n); it != recent_.end(); ++it)
        s.recent.push_back(it->value);
    return s;
}

topic_stats::topic_stats(double window, std::string field) : window_(window), field_(std::move(field)), all_(window) {}

void topic_stats::add(const std::string& topic, std::string_view payload, double t) {
    const std::optional<double> value = numeric_value(payload, field_);
    all_.add(t, value);
    auto it = topics_.find(topic);
    if (it == topics_.end()) {
        if (topics_.size() >= max_topics) {
            ++untracked_;
            return;
        }
        it = topics_.try_emplace(topic, window_).first;
    }
    topic_state& st = it->second;
    st.samples.add(t, value);
    st.last = cut_utf8(payload, max_last_bytes);
    st.last_value = value;
}

stats_snapshot topic_stats::snapshot(double start, double now, std::size_t recent_points) {
    stats_snapshot snap;
    snap.elapsed = now - start;
    double last_sum = 0;
    std::size_t last_count = 0;
    for (auto& [topic, st] : topics_) {
        st.samples.expire(now);
        stats_row row;
        row.topic = topic;
        row.window = st.samples.summary(now, recent_points);
        row.last = st.last;
        row.last_value = st.last_value;
        if (st.last_value) {
            last_sum += *st.last_value;
            ++last_count;
        }
        snap.topics.push_back(std::move(row));
    }
    all_.expire(now);
    snap.all.all = true;
    snap.all.window = all_.summary(now, recent_points);
    snap.all.topics = topics_.size();
    snap.untracked = untracked_;
    if (last_count > 0) snap.all.last_value = last_sum / static_cast<double>(last_count);
    return snap;
}

std::string sparkline(const std::vector<double>& values, bool unicode) {
    static const std::array<const char*, 8> blocks = {"\u2581", "\u2582", "\u2583", "\u2584",
                                                      "\u2585", "\u2586", "\u2587", "\u2588"};
    static const char ascii[] = "_.-=+*#@";
    std::string out;
    if (values.empty()) return out;
    auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
    const double lo = *lo_it, hi = *hi_it;
    for (double v : values) {
        int level = 3;  // all equal: a flat line at mid height
        if (hi > lo) level = static_cast<int>(std::lround((v - lo) / (hi - lo) * 7.0));
        level = std::clamp(level, 0, 7);
        if (unicode)
            out += blocks[static_cast<std::size_t>(level)];
        else
            out += ascii[level];
    }
    return out;
}

std::string format_stat(std::optional<double> value) {
    if (!value) return "-";
    double v = *value;
    if (v == 0) return "0";
    if (std::fabs(v) < 1e15 && v == std::trunc(v)) return fmt::format("{:.0f}", v);
    return fmt::format("{:.6g}", v);
}

std::string render_stats_lines(const stats_snapshot& snap) {
    std::string out;
    auto common = [&](const window_summary& w) {
        out += fmt::format(" count={} text={} window={} rate={:.2f} numeric={} min={} mean={} max={}", w.total,
                           w.total_text, w.in_window, w.rate, w.numeric, format_stat(w.min), format_stat(w.mean),
                           format_stat(w.max));
    };
    for (const auto& row : snap.topics) {
        out += fmt::format("stats t={:.1f} topic=", snap.elapsed);
        json_quote(out, row.topic);
        common(row.window);
        out += " last=";
        json_quote(out, row.last);
        out += '\n';
    }
    out += fmt::format("stats t={:.1f} all topics={}", snap.elapsed, snap.all.topics);
    common(snap.all.window);
    out += fmt::format(" last_mean={}", format_stat(snap.all.last_value));
    if (snap.untracked > 0) out += fmt::format(" untracked={}", snap.untracked);
    out += '\n';
    return out;
}

std::size_t display_width(std::string_view text) {
    std::size_t n = 0;
    for (unsigned char c : text)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

namespace {

/// The first `width` columns of `text`, ending in an ellipsis when cut.
std::string fit(std::string_view text, std::size_t width, bool unicode) {
    if (display_width(text) <= width) return std::string(text);
    if (width == 0) return {};
    std::string out;
    std::size_t cols = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if ((c & 0xC0) != 0x80) {
            if (cols + 1 == width) break;
            ++cols;
        }
        out += text[i];
    }
    out += unicode ? "\u2026" : "~";
    return out;
}

/// The last `width` columns of `text` (a sparkline keeps its newest values).
std::string last_columns(std::string_view text, std::size_t width) {
    std::size_t cols = display_width(text);
    std::size_t i = 0;
    while (cols > width && i < text.size()) {
        do ++i;
        while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80);
        --cols;
    }
    return std::string(text.substr(i));
}

/// Control characters become '?', and so does every non-ASCII byte when the terminal is not UTF-8.
std::string printable(std::string_view text, bool unicode) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7F || (!unicode && c >= 0x80))
            out += '?';
        else
            out += static_cast<char>(c);
    }
    return out;
}

enum column { col_topic, col_count, col_rate, col_last, col_min, col_mean, col_max, col_trend, col_n };

constexpr std::array<const char*, col_n> headers = {"TOPIC", "COUNT", "RATE/s", "LAST", "MIN", "MEAN", "MAX", "TREND"};
constexpr std::array<column, 6> drop_order = {col_trend, col_min, col_max, col_rate, col_last, col_count};
constexpr std::size_t gap = 2;
constexpr std::size_t topic_min = 8, topic_max = 40, last_min = 6, last_max = 20, trend_min = 6;

std::array<std::string, col_n> cells_of(const stats_row& row, bool unicode) {
    const window_summary& w = row.window;
    std::array<std::string, col_n> c;
    c[col_topic] = row.all ? fmt::format("(all {} topic{})", row.topics, row.topics == 1 ? "" : "s")
                           : printable(row.topic, unicode);
    c[col_count] = std::to_string(w.total);
    c[col_rate] = fmt::format("{:.2f}", w.rate);
    c[col_last] = row.all ? format_stat(row.last_value) : printable(row.last, unicode);
    c[col_min] = format_stat(w.min);
    c[col_mean] = format_stat(w.mean);
    c[col_max] = format_stat(w.max);
    if (!w.recent.empty())
        c[col_trend] = sparkline(w.recent, unicode);
    else if (w.total_text > 0)
        c[col_trend] = "(text)";
    return c;
}

}  // namespace

std::string render_stats_table(const stats_snapshot& snap, const std::string& title, const table_style& style) {
    const std::size_t width = std::max<std::size_t>(style.width, 1);
    std::vector<std::array<std::string, col_n>> rows;
    std::array<std::string, col_n> header;
    for (std::size_t i = 0; i < col_n; ++i) header[i] = headers[i];
    rows.push_back(header);
    for (const auto& r : snap.topics) rows.push_back(cells_of(r, style.unicode));
    rows.push_back(cells_of(snap.all, style.unicode));

    std::array<std::size_t, col_n> natural{}, minimum{};
    std::array<bool, col_n> shown{};
    for (std::size_t i = 0; i < col_n; ++i) {
        for (const auto& r : rows) natural[i] = std::max(natural[i], display_width(r[i]));
        shown[i] = true;
    }
    natural[col_topic] = std::min(natural[col_topic], topic_max);
    natural[col_last] = std::min(natural[col_last], last_max);
    minimum = natural;
    minimum[col_topic] = std::min(natural[col_topic], topic_min);
    minimum[col_last] = std::min(natural[col_last], last_min);
    minimum[col_trend] = std::min(natural[col_trend], trend_min);

    auto total = [&](const std::array<std::size_t, col_n>& w) {
        std::size_t sum = 0, n = 0;
        for (std::size_t i = 0; i < col_n; ++i)
            if (shown[i]) {
                sum += w[i];
                ++n;
            }
        return sum + (n > 0 ? (n - 1) * gap : 0);
    };
    for (column c : drop_order) {
        if (total(minimum) <= width) break;
        shown[c] = false;
    }
    std::array<std::size_t, col_n> w = minimum;
    std::size_t spare = width > total(w) ? width - total(w) : 0;
    for (column c : {col_topic, col_last, col_trend}) {  // the trend gives way first
        if (!shown[c]) continue;
        std::size_t grow = std::min(spare, natural[c] - w[c]);
        w[c] += grow;
        spare -= grow;
    }

    auto clip = [&](const std::string& line) { return fit(line, width, style.unicode) + "\n"; };
    std::string out = clip(printable(title, style.unicode));
    for (std::size_t r = 0; r < rows.size(); ++r) {
        std::string line;
        bool first = true;
        for (std::size_t i = 0; i < col_n; ++i) {
            if (!shown[i]) continue;
            if (!first) line.append(gap, ' ');
            first = false;
            const bool spark = i == col_trend && r > 0 && rows[r][i] != "(text)";
            std::string cell = spark ? last_columns(rows[r][i], w[i]) : fit(rows[r][i], w[i], style.unicode);
            std::size_t pad = w[i] - std::min(w[i], display_width(cell));
            const bool left = i == col_topic || i == col_last || i == col_trend;
            if (left)
                line += cell + std::string(i + 1 < col_n ? pad : 0, ' ');
            else
                line += std::string(pad, ' ') + cell;
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        line = fit(line, width, style.unicode);
        if (r == 0 && style.bold)
            out += "\x1b[1m" + line + "\x1b[0m\n";
        else
            out += line + "\n";
    }
    if (snap.all.window.total_text > 0)
        out += clip(fmt::format("{} non-numeric message{} counted, not averaged", snap.all.window.total_text,
                                snap.all.window.total_text == 1 ? "" : "s"));
    if (!snap.topics.empty()) out += clip("LAST of the all row: mean of each topic's last value");
    if (snap.untracked > 0)
        out += clip(fmt::format("{} message{} on topics beyond the first {} counted in the all row only",
                                snap.untracked, snap.untracked == 1 ? "" : "s", topic_stats::max_topics));
    return out;
}

bool locale_is_utf8(const char* (*env)(const char*)) {
    for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
        const char* v = env ? env(name) : nullptr;
        if (!v || !*v) continue;
        std::string s(v);
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
        return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
    }
    return false;
}

}  // namespace mqkit

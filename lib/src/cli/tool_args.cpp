// What every tool does with its argv before parsing: copy it, scrub secrets from the process's
// own copy, spot --quiet and --no-config, and read the tool's config file.
#include "cli/tool_args.hpp"

#include "cli/parser.hpp"
#include "mqkit/error.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace mqkit::detail {

std::vector<std::string> args_of(int argc, char** argv) {
    std::vector<std::string> out;
    for (int i = 1; i < argc; ++i) out.emplace_back(argv[i]);
    return out;
}

process_identity current_identity() {
    process_identity who;
    who.pid = static_cast<long>(::getpid());
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) who.hostname = host;
    return who;
}

void scrub_secrets(int argc, char** argv) {
    auto blank = [](char* s) { std::memset(s, '*', std::strlen(s)); };
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--") break;
        if ((a == "-P" || a == "--pw" || a == "--legacy-api-key") && i + 1 < argc) {
            blank(argv[++i]);
        } else if (a.rfind("--pw=", 0) == 0) {
            blank(argv[i] + 5);
        } else if (a.rfind("--legacy-api-key=", 0) == 0) {
            blank(argv[i] + 17);
        } else if (a.size() > 2 && a.rfind("-P", 0) == 0) {
            blank(argv[i] + 2);
        } else if ((a == "-L" || a == "--url" || a == "--proxy") && i + 1 < argc) {
            // mqtt://user:password@host -> mqtt://user:********@host
            char* url = argv[++i];
            char* scheme = std::strstr(url, "://");
            char* at = scheme ? std::strchr(scheme + 3, '@') : nullptr;
            char* slash = scheme ? std::strchr(scheme + 3, '/') : nullptr;
            if (at && (!slash || at < slash)) {
                char* colon =
                    static_cast<char*>(std::memchr(scheme + 3, ':', static_cast<std::size_t>(at - scheme - 3)));
                if (colon) std::memset(colon + 1, '*', static_cast<std::size_t>(at - colon - 1));
            }
        }
    }
}

bool has_quiet(const std::vector<std::string>& args) {
    return has_flag(args, "--quiet");
}

bool has_flag(const std::vector<std::string>& args, std::string_view flag) {
    for (const auto& a : args) {
        if (a == "--") break;
        if (a == flag) return true;
    }
    return false;
}

namespace {

/// The arguments in the config or options file at `path`. A missing file gives nothing when
/// `missing_ok`, else an error naming `what`.
std::vector<std::string> read_args_file(const tool_spec& spec, const std::string& path, bool missing_ok,
                                        std::string_view what, std::vector<std::string>& warnings) {
    const std::string hint = what == "-o" ? std::string() : std::string("fix it, or give --no-config");
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (missing_ok && (errno == ENOENT || errno == ENOTDIR)) return {};
        throw error(exit_code::failure, fmt::format("cannot read {} {}: {}", what, path, std::strerror(errno)), hint);
    }
    struct stat st {};
    std::string text;
    bool ok = ::fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode);
    char buf[4096];
    for (ssize_t n = 0; ok && (n = ::read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0) {
            if (errno == EINTR) continue;
            ok = false;
            break;
        }
        text.append(buf, static_cast<std::size_t>(n));
    }
    int err = errno;
    ::close(fd);
    if (!ok)
        throw error(exit_code::failure,
                    fmt::format("cannot read {} {}: {}", what, path,
                                S_ISDIR(st.st_mode) ? "it is a directory" : std::strerror(err)),
                    hint);
    std::vector<std::string> args = config_file_args(spec, path, text);
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0 && args_hold_password(args))
        warnings.push_back(fmt::format("{} holds a password and can be read by other users; chmod 600 it", path));
    return args;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 || errno != ENOENT;
}

}  // namespace

std::vector<std::string> read_config_file(const tool_spec& spec, env_lookup env, std::vector<std::string>& warnings) {
    std::string path = config_file_path(spec.name, env);
    if (path.empty()) return {};
    // mqkit's own file first; without it, the mosquitto client's one (mosquitto_sub for mqsub).
    if (std::string theirs = mosquitto_client_name(spec.name); !theirs.empty() && !exists(path))
        path = config_file_path(theirs, env);
    return read_args_file(spec, path, true, "config file", warnings);
}

std::vector<std::string> config_args(const tool_spec& spec, const std::vector<std::string>& args, env_lookup env,
                                     std::vector<std::string>& warnings) {
    std::vector<std::string> options_files;
    if (spec.find("options-file")) {
        raw_args raw = tokenize(spec, args);  // argv errors are reported before the file's
        if (auto it = raw.values.find("options-file"); it != raw.values.end()) options_files = it->second;
    }
    if (options_files.size() > 1) throw usage_error("-o/--options-file given more than once; give one options file");
    if (options_files.size() == 1) return read_args_file(spec, options_files.front(), false, "-o", warnings);
    if (has_flag(args, "--no-config")) return {};
    return read_config_file(spec, env, warnings);
}

}  // namespace mqkit::detail

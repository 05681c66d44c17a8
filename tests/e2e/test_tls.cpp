// End-to-end tests of secure connections: TLS, client certificates, WebSockets, secrets and config files.
#include "support/broker.hpp"
#include "support/process.hpp"

#include "catch_compat.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

broker_options tls_options() {
    broker_options o;
    o.tls = true;
    return o;
}

args at(const broker& b, int port, args a) {
    a.insert(a.begin(), {"-h", b.host(), "-p", std::to_string(port)});
    return a;
}

run_result mqpub(const args& a, const env_list& env = {}) {
    return run_tool(tool("mqpub"), a, {}, 20s, env);
}

void write(const std::string& path, const std::string& text, mode_t mode = 0600) {
    std::ofstream(path, std::ios::trunc) << text;
    ::chmod(path.c_str(), mode);
}

/// Starts mqsub with client id `id` and waits until the broker has acknowledged its subscription.
std::unique_ptr<background_process> start_sub(const broker& b, const std::string& id, args a,
                                              const env_list& env = {}) {
    a.insert(a.end(), {"-i", id});
    auto p = std::make_unique<background_process>(tool("mqsub"), a, env);
    INFO(p->err());
    REQUIRE(b.wait_for_log("Sending SUBACK to " + id, 10s));
    return p;
}

/// A minimal HTTP CONNECT proxy on 127.0.0.1 for --proxy tests: a thread per client, tunnels only to
/// 127.0.0.1, and records the request line and Proxy-Authorization header of each CONNECT.
class connect_proxy {
public:
    connect_proxy() {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 4) != 0 ||
            ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("connect_proxy: cannot listen on 127.0.0.1");
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~connect_proxy() {
        stop_ = true;
        thread_.join();
        ::close(listen_fd_);
    }
    int port() const { return port_; }
    /// "CONNECT host:port HTTP/1.1" lines seen, each followed by " auth=<header value>" if one was sent.
    std::vector<std::string> requests() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return requests_;
    }

private:
    // Waits up to 100 ms for fd to become readable.
    static bool readable(int fd) {
        pollfd p{fd, POLLIN, 0};
        return ::poll(&p, 1, 100) == 1;
    }
    void serve() {
        while (!stop_) {
            if (!readable(listen_fd_)) continue;
            int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            tunnels_.emplace_back([this, client] {
                tunnel(client);
                ::close(client);
            });
        }
        for (auto& t : tunnels_) t.join();
    }
    void tunnel(int client) {
        std::string head;
        char buf[4096];
        while (head.find("\r\n\r\n") == std::string::npos && !stop_) {
            if (!readable(client)) continue;
            ssize_t n = ::read(client, buf, sizeof buf);
            if (n <= 0) return;
            head.append(buf, static_cast<std::size_t>(n));
        }
        std::string line = head.substr(0, head.find("\r\n"));
        if (auto at = head.find("Proxy-authorization: "); at != std::string::npos)
            line += " auth=" + head.substr(at + 21, head.find("\r\n", at) - at - 21);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            requests_.push_back(line);
        }
        const std::string prefix = "CONNECT 127.0.0.1:";
        if (line.rfind(prefix, 0) != 0) return;  // loopback only
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(line.substr(prefix.size()))));
        int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(server);
            return;
        }
        const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
        if (::write(client, ok.data(), ok.size()) == static_cast<ssize_t>(ok.size())) {
            for (bool open = true; open && !stop_;) {
                pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
                if (::poll(p, 2, 100) <= 0) continue;
                for (int i = 0; i < 2 && open; ++i) {
                    if (p[i].revents == 0) continue;
                    ssize_t n = ::read(p[i].fd, buf, sizeof buf);
                    open = n > 0 && ::write(p[1 - i].fd, buf, static_cast<std::size_t>(n)) == n;
                }
            }
        }
        ::close(server);
    }

    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::vector<std::thread> tunnels_;  // serve()'s own
    mutable std::mutex mutex_;
    std::vector<std::string> requests_;
};

std::string cmdline_of(pid_t pid) {
    return run_tool("/bin/cat", {"/proc/" + std::to_string(pid) + "/cmdline"}).out;
}

}  // namespace

TEST_CASE("TLS with a server certificate: publish and subscribe round trip", "[e2e][tls]") {
    broker b(tls_options());
    auto sub =
        start_sub(b, "tls-sub", at(b, b.tls_port(), {"--cafile", b.ca_file(), "-t", "secure/#", "-v", "-C", "2"}));
    auto by_ip = mqpub(at(b, b.tls_port(), {"--cafile", b.ca_file(), "-t", "secure/ip", "-m", "one", "-q", "1"}));
    INFO(describe(by_ip));
    CHECK(by_ip.exit_code == 0);
    CHECK(by_ip.err.empty());
    // The certificate also names localhost; -L mqtts:// with --cafile checks it the same way.
    auto by_name = mqpub({"-L", "mqtts://localhost:" + std::to_string(b.tls_port()) + "/secure/name", "--cafile",
                          b.ca_file(), "-m", "two"});
    INFO(describe(by_name));
    CHECK(by_name.exit_code == 0);
    auto r = sub->wait(10s);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "secure/ip one\nsecure/name two\n");
    // -d over TLS prints exactly what it prints over plain TCP.
    auto traced =
        mqpub(at(b, b.tls_port(), {"--cafile", b.ca_file(), "-i", "tdbg", "-t", "t", "-m", "m", "-q", "1", "-d"}));
    const std::string pre = "Client tdbg ";
    CHECK(traced.out == pre + "sending CONNECT\n" + pre + "received CONNACK (0)\n" + pre +
                            "sending PUBLISH (d0, q1, r0, m1, 't', ... (1 bytes))\n" + pre +
                            "received PUBACK (Mid: 1, RC:0)\n" + pre + "sending DISCONNECT\n");
    CHECK(b.log().find("New client connected from 127.0.0.1") != std::string::npos);
}

TEST_CASE("CA sources: --capath and the system store with or without --cafile", "[e2e][tls]") {
    broker b(tls_options());
    const std::string capath = b.dir() + "/capath";
    std::filesystem::create_directories(capath);
    std::filesystem::copy_file(b.ca_file(), capath + "/ca.crt");
    REQUIRE(run_tool("openssl", {"rehash", capath}).exit_code == 0);
    auto by_dir = mqpub(at(b, b.tls_port(), {"--capath", capath, "-t", "c", "-m", "x"}));
    INFO(describe(by_dir));
    CHECK(by_dir.exit_code == 0);
    auto file_and_os =
        mqpub(at(b, b.tls_port(), {"--cafile", b.ca_file(), "--tls-use-os-certs", "-t", "c", "-m", "x"}));
    INFO(describe(file_and_os));
    CHECK(file_and_os.exit_code == 0);
    auto dir_and_os = mqpub(at(b, b.tls_port(), {"--capath", capath, "--tls-use-os-certs", "-t", "c", "-m", "x"}));
    INFO(describe(dir_and_os));
    CHECK(dir_and_os.exit_code == 0);
    // The system store alone does not know the test CA.
    auto os_only = mqpub(at(b, b.tls_port(), {"--tls-use-os-certs", "-t", "c", "-m", "x"}));
    CHECK(os_only.exit_code == 8);
    CHECK(os_only.err.find("is not signed by a trusted CA") != std::string::npos);
}

TEST_CASE("mutual TLS: a client certificate is required and used", "[e2e][tls]") {
    broker b(tls_options());
    const std::string port = std::to_string(b.mtls_port());
    SECTION("with --cert and --key") {
        auto r = mqpub(
            at(b, b.mtls_port(),
               {"--cafile", b.ca_file(), "--cert", b.client_cert(), "--key", b.client_key(), "-t", "m", "-m", "x"}));
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
    }
    SECTION("without a client certificate") {
        auto r = mqpub(at(b, b.mtls_port(), {"--cafile", b.ca_file(), "-t", "m", "-m", "x"}));
        CHECK(r.exit_code == 8);
        CHECK(r.err == "mqpub: error: TLS: the broker at 127.0.0.1:" + port +
                           " requires a client certificate\nmqpub: hint: give one with --cert and --key\n");
    }
    SECTION("an encrypted key with its passphrase from a file or the environment") {
        const std::string pw_file = b.dir() + "/key-passphrase";
        write(pw_file, broker::key_passphrase() + "\n");
        args base = at(b, b.mtls_port(),
                       {"--cafile", b.ca_file(), "--cert", b.client_cert(), "--key", b.client_key_encrypted(), "-t",
                        "m", "-m", "x"});
        args with_file = base;
        with_file.insert(with_file.end(), {"--key-pw-file", pw_file});
        auto f = mqpub(with_file);
        INFO(describe(f));
        CHECK(f.exit_code == 0);
        auto e = mqpub(base, {{"MQKIT_KEY_PASSWORD", broker::key_passphrase()}});
        INFO(describe(e));
        CHECK(e.exit_code == 0);
        auto missing = mqpub(base);
        CHECK(missing.exit_code == 1);
        CHECK(missing.err.rfind(
                  "mqpub: error: --key: '" + b.client_key_encrypted() + "' is encrypted and no passphrase was given\n",
                  0) == 0);
        auto wrong = mqpub(base, {{"MQKIT_KEY_PASSWORD", "not-the-passphrase"}});
        CHECK(wrong.exit_code == 1);
        CHECK(wrong.err == "mqpub: error: --key: cannot load '" + b.client_key_encrypted() +
                               "': wrong passphrase, or the key does not belong to --cert '" + b.client_cert() + "'\n");
        CHECK(wrong.err.find("not-the-passphrase") == std::string::npos);
    }
}

TEST_CASE("host name checks: --insecure is the only way past a certificate for another host, or any other",
          "[e2e][tls]") {
    broker b(tls_options());
    auto strict = mqpub(at(b, b.wrong_host_port(), {"--cafile", b.ca_file(), "-t", "h", "-m", "x"}));
    CHECK(strict.exit_code == 8);
    CHECK(strict.err ==
          "mqpub: error: TLS: the broker's certificate does not match the host name '127.0.0.1'\n"
          "mqpub: hint: connect by a name the certificate holds, or skip this check with --insecure "
          "(unsafe)\n");
    auto sub = run_tool(tool("mqsub"), at(b, b.wrong_host_port(), {"--cafile", b.ca_file(), "-t", "h", "-W", "5"}));
    CHECK(sub.exit_code == 8);
    auto insecure = mqpub(at(b, b.wrong_host_port(), {"--cafile", b.ca_file(), "--insecure", "-t", "h", "-m", "x"}));
    INFO(describe(insecure));
    CHECK(insecure.exit_code == 0);
    CHECK(insecure.err.rfind("mqpub: warning: --insecure: the broker's certificate is not verified at all", 0) == 0);
    // As mosquitto 2.1 documents it, --insecure turns off all verification: also of the chain
    // (mosquitto 2.0 and mqkit before checked only the name), and of the expiry date.
    auto untrusted =
        mqpub(at(b, b.wrong_host_port(), {"--cafile", b.other_ca_file(), "--insecure", "-t", "h", "-m", "x"}));
    INFO(describe(untrusted));
    CHECK(untrusted.exit_code == 0);
    auto expired = mqpub(at(b, b.expired_port(), {"--cafile", b.other_ca_file(), "--insecure", "-t", "h", "-m", "x"}));
    INFO(describe(expired));
    CHECK(expired.exit_code == 0);
    auto still_checked = mqpub(at(b, b.wrong_host_port(), {"--cafile", b.other_ca_file(), "-t", "h", "-m", "x"}));
    CHECK(still_checked.exit_code == 8);
}

TEST_CASE("TLS errors: one clear line and a documented exit code", "[e2e][tls][errors]") {
    broker b(tls_options());
    const std::string tls_port = std::to_string(b.tls_port());
    SECTION("expired server certificate") {
        auto r = mqpub(at(b, b.expired_port(), {"--cafile", b.ca_file(), "-t", "e", "-m", "x"}));
        CHECK(r.exit_code == 8);
        CHECK(r.err == "mqpub: error: TLS: the broker's certificate at 127.0.0.1:" + std::to_string(b.expired_port()) +
                           " has expired\n");
    }
    SECTION("server certificate from an untrusted CA") {
        auto r = mqpub(at(b, b.tls_port(), {"--cafile", b.other_ca_file(), "-t", "e", "-m", "x"}));
        CHECK(r.exit_code == 8);
        CHECK(r.err.rfind("mqpub: error: TLS: the broker's certificate at 127.0.0.1:" + tls_port +
                              " is not signed by a trusted CA\nmqpub: hint: ",
                          0) == 0);
    }
    SECTION("bad CA file or directory") {
        auto r = mqpub(at(b, b.tls_port(), {"--cafile", "/nonexistent/ca.pem", "-t", "e", "-m", "x"}));
        CHECK(r.exit_code == 1);
        CHECK(r.err == "mqpub: error: --cafile: cannot read '/nonexistent/ca.pem': No such file or directory\n");
        auto d = mqpub(at(b, b.tls_port(), {"--capath", b.ca_file(), "-t", "e", "-m", "x"}));
        CHECK(d.exit_code == 1);
        CHECK(d.err == "mqpub: error: --capath: '" + b.ca_file() + "' is not a directory\n");
        auto not_pem = mqpub(at(b, b.tls_port(), {"--cafile", b.config_path(), "-t", "e", "-m", "x"}));
        CHECK(not_pem.exit_code == 1);
        CHECK(not_pem.err == "mqpub: error: --cafile: '" + b.config_path() + "' holds no PEM certificate\n");
    }
    SECTION("unreadable or mismatched client key") {
        auto r = mqpub(at(b, b.mtls_port(),
                          {"--cafile", b.ca_file(), "--cert", b.client_cert(), "--key", "/nonexistent/client.key", "-t",
                           "e", "-m", "x"}));
        CHECK(r.exit_code == 1);
        CHECK(r.err == "mqpub: error: --key: cannot read '/nonexistent/client.key': No such file or directory\n");
        auto dir =
            mqpub(at(b, b.mtls_port(),
                     {"--cafile", b.ca_file(), "--cert", b.client_cert(), "--key", b.dir(), "-t", "e", "-m", "x"}));
        CHECK(dir.exit_code == 1);
        CHECK(dir.err == "mqpub: error: --key: cannot read '" + b.dir() + "': Is a directory\n");
        auto other = mqpub(at(
            b, b.mtls_port(),
            {"--cafile", b.ca_file(), "--cert", b.client_cert(), "--key", b.dir() + "/ca.key", "-t", "e", "-m", "x"}));
        CHECK(other.exit_code == 1);
        CHECK(other.err ==
              "mqpub: error: --key: '" + b.dir() + "/ca.key' does not belong to --cert '" + b.client_cert() + "'\n");
    }
    SECTION("TLS to a plain port, plain MQTT to a TLS port") {
        auto r = mqpub(at(b, b.port(), {"--cafile", b.ca_file(), "-t", "e", "-m", "x"}));
        CHECK(r.exit_code == 8);
        CHECK(r.err.rfind("mqpub: error: TLS: the broker at 127.0.0.1:" + std::to_string(b.port()) +
                              " did not answer the TLS handshake (is it a plain MQTT port?)\nmqpub: hint: ",
                          0) == 0);
        auto plain = mqpub(at(b, b.tls_port(), {"-t", "e", "-m", "x"}));
        // mosquitto closes the connection without a CONNACK: mosquitto_pub calls that a lost connection (7).
        CHECK(plain.exit_code == 7);
        CHECK(plain.err == "mqpub: error: cannot connect to 127.0.0.1:" + std::to_string(b.tls_port()) +
                               ": the broker closed the connection without answering the MQTT CONNECT (is it an "
                               "MQTT broker, or does it expect TLS?)\n");
    }
    SECTION("--ciphers and --tls-alpn reach OpenSSL") {
        auto ok = mqpub(at(b, b.tls_port(),
                           {"--cafile", b.ca_file(), "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256", "--tls-alpn", "mqtt",
                            "-t", "e", "-m", "x"}));
        INFO(describe(ok));
        CHECK(ok.exit_code == 0);
        auto bad =
            mqpub(at(b, b.tls_port(), {"--cafile", b.ca_file(), "--ciphers", "NO-SUCH-CIPHER", "-t", "e", "-m", "x"}));
        CHECK(bad.exit_code == 1);
        CHECK(bad.err == "mqpub: error: --ciphers: OpenSSL knows no cipher in 'NO-SUCH-CIPHER'\n");
    }
    SECTION("unsupported TLS options say so") {
        auto v13 =
            mqpub(at(b, b.tls_port(), {"--cafile", b.ca_file(), "--tls-version", "tlsv1.3", "-t", "e", "-m", "x"}));
        CHECK(v13.exit_code == 1);
        CHECK(v13.err.find("--tls-version tlsv1.3: not supported by this build") != std::string::npos);
        auto v12 =
            mqpub(at(b, b.tls_port(), {"--cafile", b.ca_file(), "--tls-version", "tlsv1.2", "-t", "e", "-m", "x"}));
        CHECK(v12.exit_code == 0);
    }
}

TEST_CASE("passwords and ACLs over TLS", "[e2e][tls][auth]") {
    broker_options o = tls_options();
    o.users = {{"dave", "tls-secret"}};
    o.allow_anonymous = false;
    o.acl = "user dave\ntopic readwrite allowed/#\n";
    broker b(o);
    const std::string pw_file = b.dir() + "/dave.pw";
    write(pw_file, "tls-secret\n");
    args base = at(b, b.tls_port(), {"--cafile", b.ca_file(), "-u", "dave"});
    auto with = [&](args extra) {
        args a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    SECTION("wrong password: CONNACK code as exit status, no secret in the output") {
        auto r = mqpub(with({"-P", "wrong-one", "-t", "allowed/x", "-m", "x"}));
        CHECK(r.exit_code == 5);
        CHECK(r.err.rfind("mqpub: error: connection refused: not authorised\n", 0) == 0);
        CHECK(r.err.find("wrong-one") == std::string::npos);
        auto v5 = mqpub(with({"-P", "wrong-one", "-V", "5", "-t", "allowed/x", "-m", "x"}));
        CHECK(v5.exit_code == 135);  // mosquitto answers a bad password with "not authorized" in v5
        CHECK(v5.err.rfind("mqpub: error: not authorized\n", 0) == 0);
    }
    SECTION("password from --pw-file and from MQKIT_PASSWORD") {
        auto f = mqpub(with({"--pw-file", pw_file, "-t", "allowed/x", "-m", "x", "-d"}));
        INFO(describe(f));
        CHECK(f.exit_code == 0);
        CHECK(f.out.find("tls-secret") == std::string::npos);
        auto e = mqpub(with({"-t", "allowed/x", "-m", "x"}), {{"MQKIT_PASSWORD", "tls-secret"}});
        CHECK(e.exit_code == 0);
        auto missing = mqpub(with({"--pw-file", b.dir() + "/nope", "-t", "allowed/x", "-m", "x"}));
        CHECK(missing.exit_code == 1);
        CHECK(missing.err ==
              "mqpub: error: --pw-file: cannot read '" + b.dir() + "/nope': No such file or directory\n");
    }
    SECTION("ACL denial: MQTT v5 QoS 1 reports the PUBACK reason code; MQTT 3.1.1 drops silently") {
        auto v5 = mqpub(with({"--pw-file", pw_file, "-V", "5", "-q", "1", "-t", "denied/x", "-m", "x"}));
        CHECK(v5.exit_code == 135);
        CHECK(v5.err == "mqpub: error: 1 of 1 messages were not acknowledged: not authorized\n");
        // -d shows the PUBACK's reason code, as mosquitto_pub -d does ("RC:135").
        auto d = mqpub(
            with({"--pw-file", pw_file, "-V", "5", "-q", "1", "-t", "denied/x", "-m", "x", "-d", "-i", "denied"}));
        CHECK(d.exit_code == 135);
        CHECK(d.out.find("Client denied received PUBACK (Mid: 1, RC:135)\n") != std::string::npos);
        auto v3 = mqpub(with({"--pw-file", pw_file, "-q", "1", "-t", "denied/x", "-m", "x"}));
        CHECK(v3.exit_code == 0);
        CHECK(b.log().find("Denied PUBLISH") != std::string::npos);
    }
}

TEST_CASE("WebSockets: publish and subscribe over ws:// and wss://", "[e2e][ws]") {
    broker_options o = tls_options();
    o.websockets = true;
    broker b(o);
    const std::string ws = "ws://127.0.0.1:" + std::to_string(b.ws_port());
    auto sub = start_sub(b, "ws-sub", {"-L", ws + "/web/#", "-v", "-C", "3"});
    auto by_url = mqpub({"-L", ws + "/web/url", "-m", "one"});
    INFO(describe(by_url));
    CHECK(by_url.exit_code == 0);
    auto by_flag = mqpub(at(b, b.ws_port(), {"--ws", "--ws-path", "/mqtt", "-t", "web/flag", "-m", "two"}));
    INFO(describe(by_flag));
    CHECK(by_flag.exit_code == 0);
    auto secure = mqpub(
        {"-L", "wss://localhost:" + std::to_string(b.wss_port()) + "/web/tls", "--cafile", b.ca_file(), "-m", "three"});
    INFO(describe(secure));
    CHECK(secure.exit_code == 0);
    auto r = sub->wait(10s);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "web/url one\nweb/flag two\nweb/tls three\n");
    auto not_ws = mqpub(at(b, b.port(), {"--ws", "-t", "web/x", "-m", "x"}));
    CHECK(not_ws.exit_code == 1);
    CHECK(not_ws.err.find("the WebSocket handshake for path '/mqtt' failed") != std::string::npos);
}

TEST_CASE("config files are read before the command line which wins", "[e2e][config]") {
    broker_options o;
    o.users = {{"erin", "cfg-secret"}};
    o.allow_anonymous = false;
    broker b(o);
    const std::string dir = b.dir() + "/xdg";
    std::filesystem::create_directories(dir);
    const env_list env = {{"XDG_CONFIG_HOME", dir}};
    const std::string port = std::to_string(b.port());
    SECTION("options from the file are applied") {
        write(dir + "/mqpub", "# broker of the lab\n-h 127.0.0.1\n\n--port " + port + "\n-u erin\n-P cfg-secret\n");
        write(dir + "/mqsub", "-h 127.0.0.1\n-p " + port + "\n-u erin\n-P cfg-secret\n");
        auto sub = start_sub(b, "cfg-sub", {"-t", "cfg/#", "-v", "-C", "1"}, env);
        auto r = mqpub({"-t", "cfg/a", "-m", "from config"}, env);
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
        CHECK(sub->wait(10s).out == "cfg/a from config\n");
    }
    SECTION("the command line overrides the file; --no-config skips it") {
        write(dir + "/mqpub", "-h 127.0.0.1\n-p 1\n-u erin\n-P cfg-secret\n");
        auto r = mqpub({"-p", port, "-t", "cfg/a", "-m", "x"}, env);
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        auto bare = mqpub({"-h", "127.0.0.1", "-p", port, "-t", "cfg/a", "-m", "x", "--no-config"}, env);
        CHECK(bare.exit_code == 5);  // no user name or password without the file
    }
    SECTION("a file with a password that others can read gets a warning") {
        write(dir + "/mqpub", "-h 127.0.0.1\n-p " + port + "\n-u erin\n-P cfg-secret\n", 0644);
        auto r = mqpub({"-t", "cfg/a", "-m", "x"}, env);
        CHECK(r.exit_code == 0);
        CHECK(r.err ==
              "mqpub: warning: " + dir + "/mqpub holds a password and can be read by other users; chmod 600 it\n");
        ::chmod((dir + "/mqpub").c_str(), 0600);
        CHECK(mqpub({"-t", "cfg/a", "-m", "x"}, env).err.empty());
    }
    SECTION("a bad line is named by file and line") {
        write(dir + "/mqpub", "-h 127.0.0.1\n--colour red\n");
        auto r = mqpub({"-t", "cfg/a", "-m", "x"}, env);
        CHECK(r.exit_code == 1);
        CHECK(r.err ==
              "mqpub: error: " + dir + "/mqpub:2: unknown option '--colour'\nmqpub: hint: see 'mqpub --help'\n");
    }
}

TEST_CASE("passwords from the environment or a file never reach the process list", "[e2e][secrets]") {
    broker b({{{"frank", "pw-in-env"}, {"grace", "pw-in-file"}, {"heidi", "pw-on-argv"}}, "", false});
    const std::string pw_file = b.dir() + "/grace.pw";
    write(pw_file, "pw-in-file\n");
    auto env_sub = start_sub(b, "env-sub", {"-h", b.host(), "-p", std::to_string(b.port()), "-t", "s", "-u", "frank"},
                             {{"MQKIT_PASSWORD", "pw-in-env"}});
    auto file_sub =
        start_sub(b, "file-sub",
                  {"-h", b.host(), "-p", std::to_string(b.port()), "-t", "s", "-u", "grace", "--pw-file", pw_file});
    auto argv_sub = start_sub(
        b, "argv-sub", {"-h", b.host(), "-p", std::to_string(b.port()), "-t", "s", "-u", "heidi", "-P", "pw-on-argv"});
    CHECK(cmdline_of(env_sub->pid()).find("pw-in-env") == std::string::npos);
    const std::string file_cmdline = cmdline_of(file_sub->pid());
    CHECK(file_cmdline.find("pw-in-file") == std::string::npos);
    CHECK(file_cmdline.find(pw_file) != std::string::npos);
    const std::string argv_cmdline = cmdline_of(argv_sub->pid());
    CHECK(argv_cmdline.find("pw-on-argv") == std::string::npos);
    CHECK(argv_cmdline.find(std::string("-P") + '\0' + "**********") != std::string::npos);
}

TEST_CASE("proxy: --proxy tunnels through an HTTP CONNECT proxy and the http_proxy variable is ignored",
          "[e2e][proxy]") {
    broker b(tls_options());
    connect_proxy proxy;
    const std::string via = "http://tunnel:tunnel-pw@127.0.0.1:" + std::to_string(proxy.port());
    auto plain = mqpub(at(b, b.port(), {"--proxy", via, "-t", "p", "-m", "x", "-d"}));
    INFO(describe(plain));
    CHECK(plain.exit_code == 0);
    CHECK(plain.out.find("tunnel-pw") == std::string::npos);
    auto tls = mqpub(at(b, b.tls_port(), {"--proxy", via, "--cafile", b.ca_file(), "-t", "p", "-m", "x"}));
    INFO(describe(tls));
    CHECK(tls.exit_code == 0);
    const auto seen = proxy.requests();
    REQUIRE(seen.size() == 2);
    // Basic auth of "tunnel:tunnel-pw".
    CHECK(seen[0] == "CONNECT 127.0.0.1:" + std::to_string(b.port()) + " HTTP/1.1 auth=Basic dHVubmVsOnR1bm5lbC1wdw==");
    CHECK(seen[1].rfind("CONNECT 127.0.0.1:" + std::to_string(b.tls_port()) + " HTTP/1.1", 0) == 0);
    // Paho C would send every connection through $http_proxy; mqkit, like mosquitto, does not.
    auto env = mqpub(at(b, b.port(), {"-t", "p", "-m", "x"}), {{"http_proxy", via}, {"https_proxy", via}});
    CHECK(env.exit_code == 0);
    CHECK(proxy.requests().size() == 2);
    // mqbench's clients go through it too (and its pacemaker client, which keeps its tunnel open).
    auto bench = run_tool(tool("mqbench"), {"pub", "-h", "127.0.0.1", "-p", std::to_string(b.port()), "-c", "1", "-n",
                                            "3", "-q", "1", "--workers", "1", "--no-progress", "--proxy", via});
    INFO(describe(bench));
    CHECK(bench.exit_code == 0);
    CHECK(proxy.requests().size() >= 3);
    // socks5h:// goes through mqkit's own SOCKS5 client instead (test_tunnel.cpp), never this proxy.
}

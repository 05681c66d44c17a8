// End-to-end tests of what mqkit does itself where Paho cannot (lib/src/mqtt/tunnel.cpp): SOCKS5
// proxies (microsocks), TLS-PSK, --tls-keylog, and the host name checked inside the TLS handshake.
#include "support/broker.hpp"
#include "support/process.hpp"
#include "support/tools.hpp"

#include "catch_compat.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using namespace mqkit::test;
using namespace std::chrono_literals;
using args = std::vector<std::string>;

namespace {

bool have(const std::string& program) {
    return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) == 0;
}

/// microsocks on a free loopback port, with a user name and password unless `user` is empty.
class socks_proxy {
public:
    explicit socks_proxy(const std::string& user = {}, const std::string& password = {}) : port_(broker::free_port()) {
        args a{"-i", "127.0.0.1", "-p", std::to_string(port_), "-b", "127.0.0.1"};
        if (!user.empty()) a.insert(a.end(), {"-u", user, "-P", password});
        proc_ = std::make_unique<background_process>("microsocks", a);
        // Ready once it accepts a TCP connection.
        for (int i = 0; i < 200 && !accepts(); ++i) ::usleep(10000);
        REQUIRE(accepts());
    }
    int port() const { return port_; }

private:
    bool accepts() const {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port_));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(fd);
        return ok;
    }
    int port_;
    std::unique_ptr<background_process> proc_;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

broker_options tls_broker() {
    broker_options o;
    o.tls = true;
    return o;
}

std::vector<std::string> at(const broker& b, int port, std::vector<std::string> a) {
    a.insert(a.begin(), {"-h", b.host(), "-p", std::to_string(port)});
    return a;
}

}  // namespace

TEST_CASE("SOCKS5: publish and subscribe through --proxy socks5h://", "[e2e][proxy]") {
    if (!have("microsocks")) {
        WARN("microsocks is not installed (scripts/deps.sh): SOCKS5 not tested");
        return;
    }
    broker b;
    socks_proxy with_auth("user", "pass:word");
    const std::string proxy = "socks5h://user:pass%3Aword@127.0.0.1:" + std::to_string(with_auth.port());
    auto sub = std::make_unique<background_process>(
        tool("mqsub"), args{"-h", "localhost", "-p", std::to_string(b.port()), "-t", "via/#", "-v", "-C", "2", "-i",
                            "socks-sub", "--proxy", proxy});
    REQUIRE(b.wait_for_log("Sending SUBACK to socks-sub", 10s));
    // The proxy resolves "localhost" (socks5h); the broker sees the proxy's connection.
    auto pub = mqpub(b, {"-t", "via/auth", "-m", "one", "-q", "1", "--proxy", proxy});
    INFO(describe(pub));
    CHECK(pub.exit_code == 0);
    socks_proxy open;
    auto anon =
        mqpub(b, {"-t", "via/none", "-m", "two", "--proxy", "socks5h://127.0.0.1:" + std::to_string(open.port())});
    CHECK(anon.exit_code == 0);
    auto r = sub->wait(10s);
    INFO(describe(r));
    CHECK(r.out == "via/auth one\nvia/none two\n");
}

TEST_CASE("SOCKS5: a refused login, a missing proxy, an unknown host", "[e2e][proxy][errors]") {
    if (!have("microsocks")) return;
    broker b;
    socks_proxy with_auth("user", "right");
    const std::string where = "127.0.0.1:" + std::to_string(with_auth.port());
    auto wrong = mqpub(b, {"-t", "x", "-m", "y", "--proxy", "socks5h://user:wrong@" + where});
    CHECK(wrong.exit_code == 1);
    CHECK(wrong.err == "mqpub: error: the SOCKS5 proxy " + where + " refused the user name and password\n");
    CHECK(wrong.err.find("wrong") == wrong.err.rfind("wrong"));  // the password is never printed
    auto none = mqpub(b, {"-t", "x", "-m", "y", "--proxy", "socks5h://" + where});
    CHECK(none.exit_code == 1);
    CHECK(none.err == "mqpub: error: the SOCKS5 proxy " + where +
                          " requires a user name and password (socks5h://user:password@...)\n");
    const int closed = broker::free_port();
    auto absent = mqpub(b, {"-t", "x", "-m", "y", "--proxy", "socks5h://127.0.0.1:" + std::to_string(closed)});
    CHECK(absent.exit_code == 1);
    CHECK(absent.err == "mqpub: error: cannot connect to the SOCKS5 proxy 127.0.0.1:" + std::to_string(closed) +
                            ": Connection refused\n");
    socks_proxy open;
    auto nohost = run_tool(tool("mqpub"), {"-h", "no-such-host.invalid", "-t", "x", "-m", "y", "--proxy",
                                           "socks5h://127.0.0.1:" + std::to_string(open.port())});
    CHECK(nohost.exit_code == 1);
    CHECK(nohost.err.rfind("mqpub: error: the SOCKS5 proxy 127.0.0.1:" + std::to_string(open.port()) +
                               " could not connect to no-such-host.invalid:1883: ",
                           0) == 0);
}

TEST_CASE("SOCKS5 with TLS: the broker's name is checked, not the tunnel's", "[e2e][proxy][tls]") {
    if (!have("microsocks")) return;
    broker b(tls_broker());
    socks_proxy open;
    const std::string proxy = "socks5h://127.0.0.1:" + std::to_string(open.port());
    auto ok =
        run_tool(tool("mqpub"), at(b, b.tls_port(), {"--cafile", b.ca_file(), "-t", "s", "-m", "x", "--proxy", proxy}));
    INFO(describe(ok));
    CHECK(ok.exit_code == 0);
    auto wrong = run_tool(
        tool("mqpub"), at(b, b.wrong_host_port(), {"--cafile", b.ca_file(), "-t", "s", "-m", "x", "--proxy", proxy}));
    CHECK(wrong.exit_code == 8);
    CHECK(wrong.err == "mqpub: error: TLS: the broker's certificate does not match the host name '127.0.0.1'\n");
}

TEST_CASE("SOCKS5 with WebSockets, and wss with a key log: Paho speaks ws to the relay", "[e2e][proxy][ws]") {
    broker_options o = tls_broker();
    o.websockets = true;
    broker b(o);
    auto sub = std::make_unique<background_process>(
        tool("mqsub"), at(b, b.wss_port(),
                          {"--ws", "--cafile", b.ca_file(), "--tls-keylog", "/dev/null", "-t", "ws/#", "-v", "-C", "1",
                           "-i", "wss-sub"}));
    REQUIRE(b.wait_for_log("Sending SUBACK to wss-sub", 10s));
    if (have("microsocks")) {
        socks_proxy open;
        auto pub = run_tool(tool("mqpub"), at(b, b.ws_port(),
                                              {"--ws", "-t", "ws/x", "-m", "through", "--proxy",
                                               "socks5h://127.0.0.1:" + std::to_string(open.port())}));
        INFO(describe(pub));
        CHECK(pub.exit_code == 0);
    } else {
        CHECK(run_tool(tool("mqpub"), at(b, b.ws_port(), {"--ws", "-t", "ws/x", "-m", "through"})).exit_code == 0);
    }
    auto r = sub->wait(10s);
    INFO(describe(r));
    CHECK(r.out == "ws/x through\n");
}

TEST_CASE("TLS key log: --tls-keylog appends the session secrets, and the name is checked inside the handshake",
          "[e2e][tls]") {
    broker b(tls_broker());
    temp_file keylog(0);
    auto pub =
        run_tool(tool("mqpub"),
                 at(b, b.tls_port(), {"--cafile", b.ca_file(), "-t", "k", "-m", "x", "--tls-keylog", keylog.path()}));
    INFO(describe(pub));
    CHECK(pub.exit_code == 0);
    const std::string once = read_file(keylog.path());
    CHECK(once.find("CLIENT_TRAFFIC_SECRET_0 ") != std::string::npos);  // TLS 1.3, NSS key log format
    CHECK(once.find("SERVER_HANDSHAKE_TRAFFIC_SECRET ") != std::string::npos);
    auto sub = run_tool(tool("mqsub"),
                        at(b, b.tls_port(), {"--cafile", b.ca_file(), "-t", "k", "-E", "--tls-keylog", keylog.path()}));
    CHECK(sub.exit_code == 0);
    CHECK(read_file(keylog.path()).size() > once.size());  // appended
    // A host name mismatch ends the handshake with a bad_certificate alert, as with mosquitto 2.1.
    auto wrong = run_tool(
        tool("mqpub"),
        at(b, b.wrong_host_port(), {"--cafile", b.ca_file(), "-t", "k", "-m", "x", "--tls-keylog", keylog.path()}));
    CHECK(wrong.exit_code == 8);
    CHECK(wrong.err == "mqpub: error: TLS: the broker's certificate does not match the host name '127.0.0.1'\n");
    CHECK(b.wait_for_log("alert bad certificate", 10s));
    auto untrusted = run_tool(
        tool("mqpub"),
        at(b, b.tls_port(), {"--cafile", b.other_ca_file(), "-t", "k", "-m", "x", "--tls-keylog", keylog.path()}));
    CHECK(untrusted.exit_code == 8);
    CHECK(untrusted.err == "mqpub: error: TLS: the broker's certificate at 127.0.0.1:" + std::to_string(b.tls_port()) +
                               " is not signed by a trusted CA\n");
    auto insecure = run_tool(tool("mqpub"), at(b, b.wrong_host_port(),
                                               {"--cafile", b.other_ca_file(), "--insecure", "-t", "k", "-m", "x",
                                                "--tls-keylog", keylog.path()}));
    CHECK(insecure.exit_code == 0);
    auto unwritable = run_tool(
        tool("mqpub"),
        at(b, b.tls_port(), {"--cafile", b.ca_file(), "-t", "k", "-m", "x", "--tls-keylog", "/nonexistent/dir/keys"}));
    CHECK(unwritable.exit_code == 1);
    CHECK(unwritable.err ==
          "mqpub: error: --tls-keylog: cannot append to '/nonexistent/dir/keys': No such file or directory\n");
}

TEST_CASE("TLS-PSK: --psk and --psk-identity, TLS with a pre-shared key", "[e2e][tls]") {
    const int psk_port = broker::free_port();
    // A PSK listener besides the plain one (its psk file in a temp dir of this test).
    broker_options p;
    p.extra_config = "listener " + std::to_string(psk_port) + " 127.0.0.1\npsk_hint mqkit-test\npsk_file " +
                     "PSKFILE\nuse_identity_as_username false\n";
    char dir[] = "/tmp/mqkit-e2e-psk-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    const std::string psk_file = std::string(dir) + "/psk";
    std::ofstream(psk_file) << "lab-client:0123456789abcdef0123456789abcdef\n";
    p.extra_config.replace(p.extra_config.find("PSKFILE"), 7, psk_file);
    broker pb(p);
    auto sub = std::make_unique<background_process>(
        tool("mqsub"), at(pb, psk_port,
                          {"--psk", "0123456789abcdef0123456789abcdef", "--psk-identity", "lab-client", "-t", "psk/#",
                           "-v", "-C", "1", "-i", "psk-sub"}));
    REQUIRE(pb.wait_for_log("Sending SUBACK to psk-sub", 10s));
    auto pub = mqpub(pb, {"-p", std::to_string(psk_port), "--psk", "0123456789ABCDEF0123456789ABCDEF", "--psk-identity",
                          "lab-client", "-t", "psk/x", "-m", "secret"});
    INFO(describe(pub));
    CHECK(pub.exit_code == 0);
    CHECK(sub->wait(10s).out == "psk/x secret\n");
    auto wrong = mqpub(
        pb, {"-p", std::to_string(psk_port), "--psk", "00", "--psk-identity", "lab-client", "-t", "psk/x", "-m", "x"});
    CHECK(wrong.exit_code == 8);
    CHECK(wrong.err.rfind(
              "mqpub: error: TLS-PSK: the handshake with 127.0.0.1:" + std::to_string(psk_port) + " failed (", 0) == 0);
    (void)std::system(("rm -rf " + std::string(dir)).c_str());
}

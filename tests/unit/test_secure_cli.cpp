// Unit tests for the secure-connection flags (TLS, WebSockets, proxy, password file) and config files.
#include "core/proxy_url.hpp"
#include "mqkit/cli.hpp"
#include "mqkit/error.hpp"

#include "catch_compat.hpp"

#include <map>
#include <string>
#include <vector>

using namespace mqkit;
using args = std::vector<std::string>;

namespace {

const process_identity who{4242, "testhost"};

std::map<std::string, std::string>& env_vars() {
    static std::map<std::string, std::string> env;
    return env;
}

const char* lookup(const char* name) {
    auto it = env_vars().find(name);
    return it == env_vars().end() ? nullptr : it->second.c_str();
}

args with_message(args a) {
    a.insert(a.end(), {"-t", "a/b", "-m", "x"});
    return a;
}

connection_config conn(const args& a) {
    return parse_pub(with_message(a), lookup, who).config.conn;
}

struct failure {
    int status = 0;
    std::string message;
    std::string hint;
};

// What parsing `a` (plus -t and -m) throws; status 0 if it does not.
failure fails(const args& a) {
    try {
        parse_pub(with_message(a), lookup, who);
    } catch (const error& e) {
        return {e.status(), e.what(), e.hint()};
    }
    return {};
}

std::string message(const args& a) {
    return fails(a).message;
}

}  // namespace

TEST_CASE("TLS is off by default and every TLS flag has its mosquitto default", "[cli][tls]") {
    env_vars().clear();
    auto c = conn({});
    CHECK_FALSE(c.tls.enabled);
    CHECK(c.tls.cafile.empty());
    CHECK(c.tls.capath.empty());
    CHECK(c.tls.certfile.empty());
    CHECK(c.tls.keyfile.empty());
    CHECK(c.tls.ciphers.empty());
    CHECK(c.tls.version.empty());
    CHECK(c.tls.alpn.empty());
    CHECK_FALSE(c.tls.insecure);
    CHECK_FALSE(c.tls.use_os_certs);
    CHECK(c.transport_kind == transport::tcp);
    CHECK(c.ws_path == "/mqtt");
    CHECK(c.proxy.empty());
    CHECK(c.password_file.empty());
    CHECK(parse_pub(with_message({}), lookup, who).warnings.empty());
}

TEST_CASE("TLS is enabled by --cafile or --capath or --tls-use-os-certs and moves to port 8883", "[cli][tls]") {
    env_vars().clear();
    for (const auto& a : {args{"--cafile", "/etc/ca.pem"}, args{"--cafile=/etc/ca.pem"}}) {
        auto c = conn(a);
        CHECK(c.tls.enabled);
        CHECK(c.tls.cafile == "/etc/ca.pem");
        CHECK_FALSE(c.tls.use_os_certs);
        CHECK(c.port == 8883);
    }
    auto p = conn({"--capath", "/etc/ssl/certs", "-p", "9999"});
    CHECK(p.tls.enabled);
    CHECK(p.tls.capath == "/etc/ssl/certs");
    CHECK(p.port == 9999);
    auto os = conn({"--tls-use-os-certs"});
    CHECK(os.tls.enabled);
    CHECK(os.tls.use_os_certs);
    CHECK(os.port == 8883);
    auto both = conn({"--cafile", "/ca.pem", "--tls-use-os-certs"});
    CHECK(both.tls.use_os_certs);
    CHECK(both.tls.cafile == "/ca.pem");
    CHECK(message({"--cafile", "/a", "--capath", "/b", "--tls-use-os-certs"}) ==
          "--cafile, --capath and --tls-use-os-certs cannot all be used together (Eclipse Paho MQTT takes one CA "
          "file and one CA directory)");
    CHECK(message({"--cafile="}) == "--cafile: empty value");
    try {
        parse_pub({"-t", "a", "-m", "x", "--cafile"}, lookup, who);
        FAIL("no error");
    } catch (const usage_error& e) {
        CHECK(std::string(e.what()) == "--cafile: missing argument <file>");
    }
}

TEST_CASE("port 8883 and mqtts:// mean TLS with the system CA store as in mosquitto", "[cli][tls]") {
    env_vars().clear();
    auto p = conn({"-p", "8883"});
    CHECK(p.tls.enabled);
    CHECK(p.tls.use_os_certs);
    auto u = parse_pub({"-L", "mqtts://broker.example/t", "-m", "x"}, lookup, who).config.conn;
    CHECK(u.tls.enabled);
    CHECK(u.tls.use_os_certs);
    CHECK(u.port == 8883);
    CHECK(u.transport_kind == transport::tcp);
    auto ca =
        parse_pub({"-L", "mqtts://broker.example:9883/t", "--cafile", "/ca.pem", "-m", "x"}, lookup, who).config.conn;
    CHECK(ca.port == 9883);
    CHECK_FALSE(ca.tls.use_os_certs);
    auto plain = parse_pub({"-L", "mqtt://broker.example/t", "-m", "x"}, lookup, who).config.conn;
    CHECK_FALSE(plain.tls.enabled);
    CHECK(plain.port == 1883);
}

TEST_CASE("client certificate: --cert and --key go together and need TLS", "[cli][tls]") {
    env_vars().clear();
    auto c = conn({"--cafile", "/ca.pem", "--cert", "/c.pem", "--key", "/k.pem"});
    CHECK(c.tls.certfile == "/c.pem");
    CHECK(c.tls.keyfile == "/k.pem");
    CHECK(c.tls.key_password.empty());
    CHECK(message({"--cafile", "/ca.pem", "--cert", "/c.pem"}) ==
          "--cert needs --key (the private key of that certificate)");
    CHECK(message({"--cafile", "/ca.pem", "--key", "/k.pem"}) == "--key needs --cert (the certificate of that key)");
    auto plain = fails({"--cert", "/c.pem", "--key", "/k.pem"});
    CHECK(plain.status == 1);
    CHECK(plain.message == "--cert needs TLS: give --cafile, --capath or --tls-use-os-certs");
    CHECK(plain.hint == "or use an mqtts:// or wss:// URL, or port 8883");
}

TEST_CASE("the key passphrase comes from --key-pw-file or MQKIT_KEY_PASSWORD", "[cli][tls][secrets]") {
    env_vars().clear();
    const args tls = {"--cafile", "/ca.pem", "--cert", "/c.pem", "--key", "/k.pem"};
    auto from_file = tls;
    from_file.insert(from_file.end(), {"--key-pw-file", "/kpw"});
    CHECK(conn(from_file).tls.key_password_file == "/kpw");
    env_vars()["MQKIT_KEY_PASSWORD"] = "pass phrase";
    CHECK(conn(tls).tls.key_password == "pass phrase");
    CHECK(conn(from_file).tls.key_password.empty());  // the file wins
    env_vars().clear();
    CHECK(message({"--cafile", "/ca.pem", "--key-pw-file", "/kpw"}) == "--key-pw-file needs --key");
    CHECK(message({"--key-pw-file", "/kpw"}).rfind("--key-pw-file needs TLS", 0) == 0);
}

TEST_CASE("TLS options: --keyform --tls-version --ciphers --tls-alpn", "[cli][tls]") {
    env_vars().clear();
    CHECK(conn({"--cafile", "/ca", "--keyform", "pem"}).tls.enabled);
    auto engine = fails({"--cafile", "/ca", "--keyform", "engine"});
    CHECK(engine.status == 1);
    CHECK(engine.message.find("--keyform engine: not supported by this build") == 0);
    CHECK(message({"--cafile", "/ca", "--keyform", "der"}) == "--keyform: unknown key form 'der' (use pem)");

    CHECK(conn({"--cafile", "/ca", "--tls-version", "tlsv1.2"}).tls.version == "tlsv1.2");
    CHECK(conn({"--cafile", "/ca", "--tls-version=tlsv1.2"}).tls.version == "tlsv1.2");
    for (const char* v : {"tlsv1.3", "tlsv1.1"}) {
        auto f = fails({"--cafile", "/ca", "--tls-version", v});
        CHECK(f.status == 1);
        CHECK(f.message.rfind(std::string("--tls-version ") + v + ": not supported by this build", 0) == 0);
    }
    CHECK(message({"--cafile", "/ca", "--tls-version", "ssl3"}) ==
          "--tls-version: unknown version 'ssl3' (use tlsv1.2)");

    CHECK(conn({"--cafile", "/ca", "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384"}).tls.ciphers ==
          "ECDHE-ECDSA-AES256-GCM-SHA384");
    CHECK(conn({"--cafile", "/ca", "--tls-alpn", "mqtt"}).tls.alpn == "mqtt");
    for (const args& a :
         {args{"--ciphers", "x"}, args{"--tls-alpn", "x"}, args{"--tls-version", "tlsv1.2"}, args{"--keyform", "pem"}})
        CHECK(message(a).rfind(a[0] + " needs TLS", 0) == 0);
}

TEST_CASE("TLS option --insecure needs TLS and warns", "[cli][tls]") {
    env_vars().clear();
    auto r = parse_pub(with_message({"--cafile", "/ca", "--insecure"}), lookup, who);
    CHECK(r.config.conn.tls.insecure);
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].rfind("--insecure: the broker's certificate is not verified at all", 0) == 0);
    auto s = parse_sub({"-t", "a", "-p", "8883", "--insecure"}, lookup, who);
    CHECK(s.config.conn.tls.insecure);
    CHECK(s.warnings.size() == 1);
    CHECK(message({"--insecure"}) == "--insecure needs TLS: give --cafile, --capath or --tls-use-os-certs");
}

TEST_CASE("options Paho cannot do are refused by name", "[cli][tls]") {
    env_vars().clear();
    for (const char* flag : {"--tls-engine", "--tls-engine-kpass-sha1"}) {
        auto f = fails({flag, "x"});
        CHECK(f.status == 1);
        CHECK(f.message == std::string(flag) + ": not supported by this build (Eclipse Paho MQTT cannot do it)");
    }
    CHECK(message({"--unix", "/tmp/s"}).find("not supported by this build") != std::string::npos);
}

TEST_CASE("TLS-PSK: --psk with --psk-identity, in hexadecimal, without certificates", "[cli][tls]") {
    env_vars().clear();
    auto c = conn({"--psk", "0123abcDEF", "--psk-identity", "lab"});
    CHECK(c.tls.enabled);
    CHECK(c.tls.psk == "0123abcDEF");
    CHECK(c.tls.psk_identity == "lab");
    CHECK(c.port == 8883);  // TLS without -p, as with --cafile
    CHECK_FALSE(c.tls.use_os_certs);
    CHECK(conn({"--psk", "00", "--psk-identity", "lab", "-p", "1884"}).port == 1884);
    CHECK(message({"--psk", "x"}) == "--psk: the key must be given in hexadecimal digits, e.g. --psk 1a2b3c4d");
    CHECK(message({"--psk", "00"}) == "--psk needs --psk-identity");
    CHECK(message({"--psk-identity", "lab"}) == "--psk-identity needs --psk");
    CHECK(message({"--psk", "00", "--psk-identity", "lab", "--cafile", "/ca"}) ==
          "only one of --psk or --cafile/--capath may be used: TLS-PSK needs no certificates");
    CHECK(message({"--psk", "00", "--psk-identity", "lab", "--capath", "/etc/ssl/certs"}) ==
          "only one of --psk or --cafile/--capath may be used: TLS-PSK needs no certificates");
}

TEST_CASE("WebSockets: ws:// and wss:// URLs and the --ws and --ws-path flags", "[cli][ws]") {
    env_vars().clear();
    auto ws = parse_sub({"-L", "ws://broker.example/a/b"}, lookup, who).config;
    CHECK(ws.conn.transport_kind == transport::websocket);
    CHECK(ws.conn.port == 80);
    CHECK_FALSE(ws.conn.tls.enabled);
    CHECK(ws.conn.ws_path == "/mqtt");
    CHECK(ws.topics == std::vector<std::string>{"a/b"});  // the URL's path is the topic, as for mqtt://
    auto wss = parse_sub({"-L", "wss://broker.example:8443/t", "--ws-path", "/ws"}, lookup, who).config.conn;
    CHECK(wss.transport_kind == transport::websocket);
    CHECK(wss.tls.enabled);
    CHECK(wss.tls.use_os_certs);
    CHECK(wss.port == 8443);
    CHECK(wss.ws_path == "/ws");
    CHECK(parse_sub({"-L", "wss://b/t"}, lookup, who).config.conn.port == 443);

    auto flag = conn({"--ws"});
    CHECK(flag.transport_kind == transport::websocket);
    CHECK(flag.port == 80);
    CHECK(conn({"--ws", "--cafile", "/ca"}).port == 443);
    CHECK(conn({"--ws", "-p", "9001"}).port == 9001);
    CHECK(conn({"--ws", "--ws-path=/mqtt/ws"}).ws_path == "/mqtt/ws");
    CHECK(message({"--ws-path", "/x"}) == "--ws-path needs WebSockets: give --ws or a ws:// or wss:// URL");
    CHECK(message({"--ws", "--ws-path", "mqtt"}) == "--ws-path: 'mqtt' does not start with '/'");
    CHECK(message({"--ws", "--ws-path", "/a b"}) == "--ws-path: the path may not contain spaces or line breaks");
    CHECK(message({"-L", "wsx://b/t"}) == "-L: unsupported scheme 'wsx://' (use mqtt://, mqtts://, ws:// or wss://)");
}

TEST_CASE("proxy: --proxy takes an HTTP CONNECT proxy (Paho's) or a SOCKS5 one (mqkit's)", "[cli][proxy]") {
    env_vars().clear();
    CHECK(conn({"--proxy", "http://proxy.example:3128"}).proxy == "http://proxy.example:3128");
    CHECK(conn({"--proxy=http://u:p@proxy.example"}).proxy == "http://u:p@proxy.example");
    CHECK(conn({"--proxy", "socks5h://u:secret@proxy.example:1080"}).proxy == "socks5h://u:secret@proxy.example:1080");
    CHECK(conn({"--proxy", "socks5h://[::1]"}).proxy == "socks5h://[::1]");
    auto local = fails({"--proxy", "socks5://u:secret@proxy.example:1080"});
    CHECK(local.status == 1);
    CHECK(local.message == "--proxy: socks5:// resolves names on this machine, which mqkit does not do");
    CHECK(local.hint.rfind("use socks5h://", 0) == 0);
    CHECK(message({"--proxy", "ftp://u:secret@x"}) ==
          "--proxy: not a URL of the form http:// or socks5h://[user[:password]@]host[:port]");
    CHECK(message({"--proxy", "http://"}) == "--proxy: no host in the URL");
    CHECK(message({"--proxy", "http://proxy:99999"}) == "--proxy port: '99999' is not a port (1-65535)");
    CHECK(message({"--proxy", "socks5h://proxy:"}) == "--proxy port: '' is not a port (1-65535)");
    CHECK(message({"--proxy", "socks5h://:pw@proxy"}) == "--proxy: empty user name before '@'");
    CHECK(message({"--proxy", "socks5h://u:%zz@proxy"}) ==
          "--proxy: bad %-escape in the password (use %XX, e.g. %40 for @)");
    CHECK(message({"--proxy", "socks5h://[::1"}) == "--proxy: missing ']' after the IPv6 address");
}

TEST_CASE("proxy URLs: parts, default ports, percent-decoding", "[cli][proxy]") {
    auto s = detail::parse_proxy_url("socks5h://us%40er:pass%3Aword@proxy.example:1081");
    CHECK(s.socks());
    CHECK(s.username == std::optional<std::string>("us@er"));
    CHECK(s.password == std::optional<std::string>("pass:word"));
    CHECK(s.host == "proxy.example");
    CHECK(s.port == 1081);
    CHECK(detail::parse_proxy_url("socks5h://proxy").port == 1080);
    CHECK_FALSE(detail::parse_proxy_url("socks5h://proxy").username);
    CHECK(detail::parse_proxy_url("http://proxy").port == 8080);
    auto v6 = detail::parse_proxy_url("socks5h://[::1]:9050");
    CHECK(v6.host == "::1");
    CHECK(v6.port == 9050);
    CHECK(detail::parse_proxy_url("socks5h://user@h").password == std::nullopt);
}

TEST_CASE("password file: --pw-file is read at connect time and never from argv", "[cli][secrets]") {
    env_vars().clear();
    auto c = conn({"-u", "alice", "--pw-file", "/run/secrets/mqtt"});
    CHECK(c.password_file == "/run/secrets/mqtt");
    CHECK_FALSE(c.password);
    env_vars()["MQKIT_PASSWORD"] = "from-env";
    CHECK_FALSE(conn({"-u", "alice", "--pw-file", "/pw"}).password);  // the file wins over the environment
    CHECK(*conn({"-u", "alice"}).password == "from-env");
    env_vars().clear();
    auto url = parse_pub({"-L", "mqtt://alice:inurl@b/t", "--pw-file", "/pw", "-m", "x"}, lookup, who).config.conn;
    CHECK_FALSE(url.password);
    CHECK(url.password_file == "/pw");
    CHECK(message({"-u", "a", "-P", "x", "--pw-file", "/pw"}) == "give only one of -P/--pw and --pw-file");
    CHECK(message({"--pw-file", "/pw"}) == "--pw-file needs a user name (-u); MQTT 3.1.1 has no password without one");
    CHECK(conn({"--pw-file", "/pw", "-V", "5"}).password_file == "/pw");
    CHECK(message({"-u", "a", "--pw-file="}) == "--pw-file: empty file name");
}

TEST_CASE("config file: --no-config is accepted by every tool", "[cli][config]") {
    CHECK(parse_pub(with_message({"--no-config"}), lookup, who).action == cli_action::run);
    CHECK(parse_sub({"-t", "a", "--no-config"}, lookup, who).action == cli_action::run);
}

TEST_CASE("config file location follows XDG like mosquitto clients", "[config]") {
    env_vars().clear();
    CHECK(config_file_path("mqpub", lookup).empty());
    env_vars()["HOME"] = "/home/u";
    CHECK(config_file_path("mqpub", lookup) == "/home/u/.config/mqpub");
    env_vars()["XDG_CONFIG_HOME"] = "/xdg";
    CHECK(config_file_path("mqsub", lookup) == "/xdg/mqsub");
    env_vars()["XDG_CONFIG_HOME"] = "";
    CHECK(config_file_path("mqsub", lookup) == "/home/u/.config/mqsub");
    CHECK(config_file_path("mqsub", nullptr).empty());
    env_vars().clear();
}

TEST_CASE("config file lines become arguments", "[config]") {
    const auto& spec = mqpub_spec();
    auto a = config_file_args(spec, "/f",
                              "# comment\n\n  -h broker.local  \n--cafile /etc/ssl/my ca.pem\r\n-d\n"
                              "-D connect user-property k v\n--qos=1\n\t# indented comment\n");
    CHECK(a == args{"-h", "broker.local", "--cafile", "/etc/ssl/my ca.pem", "-d", "-D", "connect", "user-property", "k",
                    "v", "--qos=1"});
    CHECK(config_file_args(spec, "/f", "").empty());
    CHECK(config_file_args(spec, "/f", "-m hello world").back() == "hello world");

    // A config file's arguments go first, so the command line's value wins.
    args all = config_file_args(spec, "/f", "-p 1884\n-h a\n");
    all.insert(all.end(), {"-p", "1999", "-t", "t", "-m", "x"});
    auto c = parse_pub(all, lookup, who).config.conn;
    CHECK(c.port == 1999);
    CHECK(c.host == "a");
}

TEST_CASE("bad config file lines are named by file and line", "[config]") {
    const auto& spec = mqsub_spec();
    auto error_of = [&](const std::string& text) -> failure {
        try {
            config_file_args(spec, "/home/u/.config/mqsub", text);
        } catch (const error& e) {
            return {e.status(), e.what(), e.hint()};
        }
        return {};
    };
    auto unknown = error_of("-h x\n\n--colr red\n");
    CHECK(unknown.status == 1);
    CHECK(unknown.message == "/home/u/.config/mqsub:3: unknown option '--colr'");
    CHECK(error_of("broker.local\n").message ==
          "/home/u/.config/mqsub:1: expected an option, such as '-h host' or '--cafile file'");
    CHECK(error_of("# x\n-p\n").message == "/home/u/.config/mqsub:2: -p/--port: missing argument <port>");
    CHECK(error_of("-v yes\n").message.rfind("/home/u/.config/mqsub:1: unexpected argument", 0) == 0);
    CHECK(error_of("--tls-engine abc\n").message ==
          "/home/u/.config/mqsub:1: --tls-engine: not supported by this build (Eclipse Paho MQTT cannot do it)");
}

TEST_CASE("arguments that hold a password are recognised", "[config][secrets]") {
    CHECK(args_hold_password({"-P", "x"}));
    CHECK(args_hold_password({"--pw", "x"}));
    CHECK(args_hold_password({"--pw=x"}));
    CHECK(args_hold_password({"-Px"}));
    CHECK(args_hold_password({"-L", "mqtt://u:p@h/t"}));
    CHECK(args_hold_password({"--proxy", "http://u:p@h:3128"}));
    CHECK(args_hold_password({"--url=mqtts://u:p@h/t"}));
    CHECK_FALSE(args_hold_password({"-L", "mqtt://u@h/t"}));
    CHECK_FALSE(args_hold_password({"-u", "alice", "--pw-file", "/pw", "-p", "1883"}));
}

TEST_CASE("help lists the TLS group but not the refused flags", "[flags][tls]") {
    for (const tool_spec* spec : {&mqpub_spec(), &mqsub_spec()}) {
        const std::string help = render_help(*spec);
        CHECK(help.find("\nTLS:\n") != std::string::npos);
        for (const char* flag : {"--cafile", "--capath", "--cert", "--key", "--key-pw-file", "--keyform", "--ciphers",
                                 "--tls-version", "--tls-alpn", "--insecure", "--tls-use-os-certs", "--ws", "--ws-path",
                                 "--proxy", "--pw-file", "--no-config", "--psk", "--psk-identity", "--tls-keylog"})
            CHECK(help.find(std::string(flag) + " ") != std::string::npos);
        CHECK(help.find("--tls-engine") == std::string::npos);
        const flag* v = spec->find("tls-version");
        REQUIRE(v);
        CHECK(v->kind == value_kind::choice);
        CHECK(v->choices == std::vector<std::string_view>{"tlsv1.3", "tlsv1.2", "tlsv1.1"});
        CHECK(spec->find("cafile")->kind == value_kind::file);
        CHECK(spec->find("capath")->kind == value_kind::dir);
        CHECK_FALSE(spec->find("psk")->unsupported);
        CHECK(spec->find("tls-engine")->unsupported);
    }
}

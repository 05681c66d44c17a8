// mqkit-paho-export: a build tool. Gives the public API functions in Debian's libpaho-mqtt3as.a
// objects default visibility again, so that libmqkit, which links those objects, exports them.
//
// Why: Debian builds Paho C without PAHO_HIGH_PERFORMANCE, so every Paho function call takes a
// global mutex in its call-stack tracker and every allocation another in its heap tracker. That
// is three quarters of mqpub's CPU per QoS 0 message. libmqkit links Paho C from the static
// archive of the same package, with the two trackers left out (lib/src/paho_c_trackers.cpp), and
// exports its API: Paho MQTT C++ (libpaho-mqttpp3.so) then binds to libmqkit's copy, which comes
// before libpaho-mqtt3as.so in every process's lookup order. In the archive the API functions are
// hidden (the static build's default), and neither the linker nor objcopy can change that.
//
// Usage: mqkit-paho-export LIBPAHO.so OBJECT...
// The API is what the shared library exports (its defined functions in .dynsym); each OBJECT is
// rewritten in place, only the visibility bits of those functions' .symtab entries change.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

constexpr unsigned sht_symtab = 2;
constexpr unsigned sht_dynsym = 11;
constexpr unsigned stb_global = 1;
constexpr unsigned stb_weak = 2;
constexpr unsigned stt_func = 2;
constexpr unsigned stv_default = 0;

/// An ELF file in memory: 32- or 64-bit, either byte order.
class elf_file {
public:
    explicit elf_file(const std::string& path) : path_(path) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw std::runtime_error(path + ": cannot open");
        bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        static const unsigned char magic[4] = {0x7f, 'E', 'L', 'F'};
        if (bytes_.size() < 64 || std::memcmp(bytes_.data(), magic, sizeof magic) != 0)
            throw std::runtime_error(path + ": not an ELF file");
        wide_ = bytes_[4] == 2;
        big_endian_ = bytes_[5] == 2;
        if ((bytes_[4] != 1 && !wide_) || (bytes_[5] != 1 && !big_endian_))
            throw std::runtime_error(path + ": unknown ELF class or byte order");
    }

    struct section {
        unsigned type;
        std::uint64_t offset;
        std::uint64_t size;
        unsigned link;
        std::uint64_t entsize;
    };

    std::vector<section> sections() const {
        std::uint64_t shoff = wide_ ? read(0x28, 8) : read(0x20, 4);
        unsigned shentsize = static_cast<unsigned>(read(wide_ ? 0x3A : 0x2E, 2));
        unsigned shnum = static_cast<unsigned>(read(wide_ ? 0x3C : 0x30, 2));
        std::vector<section> out;
        for (unsigned i = 0; i < shnum; ++i) {
            std::uint64_t h = shoff + std::uint64_t{i} * shentsize;
            if (wide_)
                out.push_back({static_cast<unsigned>(read(h + 4, 4)), read(h + 24, 8), read(h + 32, 8),
                               static_cast<unsigned>(read(h + 40, 4)), read(h + 56, 8)});
            else
                out.push_back({static_cast<unsigned>(read(h + 4, 4)), read(h + 16, 4), read(h + 20, 4),
                               static_cast<unsigned>(read(h + 24, 4)), read(h + 36, 4)});
        }
        return out;
    }

    struct symbol {
        std::string name;
        unsigned bind;
        unsigned type;
        bool defined;
        std::uint64_t other_at;  ///< file offset of st_other
    };

    /// Every entry of every section of the given type (.symtab or .dynsym).
    std::vector<symbol> symbols(unsigned section_type) const {
        std::vector<symbol> out;
        auto secs = sections();
        for (const auto& s : secs) {
            if (s.type != section_type || s.entsize == 0) continue;
            if (s.link >= secs.size()) throw std::runtime_error(path_ + ": bad string table link");
            const section& strtab = secs[s.link];
            for (std::uint64_t e = s.offset; e + s.entsize <= s.offset + s.size; e += s.entsize) {
                std::uint64_t name_at = strtab.offset + read(e, 4);
                std::uint64_t info_at = wide_ ? e + 4 : e + 12;
                std::uint64_t shndx_at = wide_ ? e + 6 : e + 14;
                check(name_at, 1);
                const char* name = reinterpret_cast<const char*>(bytes_.data() + name_at);
                std::size_t name_size = strnlen(name, bytes_.size() - name_at);
                unsigned info = bytes_[info_at];
                out.push_back(
                    {std::string(name, name_size), info >> 4, info & 0xFu, read(shndx_at, 2) != 0, info_at + 1});
            }
        }
        return out;
    }

    unsigned char& at(std::uint64_t offset) {
        check(offset, 1);
        return bytes_[offset];
    }

    void save() const {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes_.data()), static_cast<std::streamsize>(bytes_.size()));
        if (!out) throw std::runtime_error(path_ + ": cannot write");
    }

private:
    void check(std::uint64_t offset, std::uint64_t n) const {
        if (offset > bytes_.size() || n > bytes_.size() - offset) throw std::runtime_error(path_ + ": truncated");
    }

    std::uint64_t read(std::uint64_t offset, unsigned n) const {
        check(offset, n);
        std::uint64_t v = 0;
        for (unsigned i = 0; i < n; ++i) {
            unsigned shift = big_endian_ ? 8 * (n - 1 - i) : 8 * i;
            v |= std::uint64_t{bytes_[offset + i]} << shift;
        }
        return v;
    }

    std::string path_;
    std::vector<unsigned char> bytes_;
    bool wide_ = false;
    bool big_endian_ = false;
};

bool exported_function(const elf_file::symbol& s) {
    return s.defined && s.type == stt_func && (s.bind == stb_global || s.bind == stb_weak);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: mqkit-paho-export LIBPAHO.so OBJECT...\n");
        return 2;
    }
    try {
        std::set<std::string> api;
        for (const auto& s : elf_file(argv[1]).symbols(sht_dynsym))
            if (exported_function(s)) api.insert(s.name);
        if (api.count("MQTTAsync_create") == 0)
            throw std::runtime_error(std::string(argv[1]) + ": exports no MQTTAsync_create; not Paho MQTT C");

        std::size_t found = 0;
        for (int i = 2; i < argc; ++i) {
            elf_file object(argv[i]);
            std::size_t here = 0;
            for (const auto& s : object.symbols(sht_symtab)) {
                if (!exported_function(s) || api.count(s.name) == 0) continue;
                ++found;
                unsigned char& other = object.at(s.other_at);
                if ((other & 3u) == stv_default) continue;
                other = static_cast<unsigned char>((other & ~3u) | stv_default);
                ++here;
            }
            if (here) object.save();
        }
        if (found == 0) throw std::runtime_error("the objects define none of the library's functions");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mqkit-paho-export: error: %s\n", e.what());
        return 1;
    }
    return 0;
}

// Helpers shared by the libFuzzer targets: turning fuzz bytes into strings and argument lists.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mqkit::fuzz {

/// The input split at NUL bytes (each piece one word; at most `max_words`).
inline std::vector<std::string> split_words(const std::uint8_t* data, std::size_t size, std::size_t max_words = 64) {
    std::vector<std::string> words(1);
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0) {
            if (words.size() == max_words) break;
            words.emplace_back();
        } else {
            words.back().push_back(static_cast<char>(data[i]));
        }
    }
    return words;
}

}  // namespace mqkit::fuzz

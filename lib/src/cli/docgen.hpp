// Man pages and bash/zsh/fish completion scripts, generated from the tools' flag tables (mqkit-gen).
#pragma once

#include "mqkit/flags.hpp"

#include <string>
#include <vector>

namespace mqkit {

/// One generated file: where it lives in the source tree and what it holds.
struct generated_file {
    std::string path;  ///< relative to the repository root, e.g. "man/mqpub.1"
    std::string text;  ///< the whole file
};

/// The section-1 man page of `spec` (man macros, checked with `groff -ww -man`). Unsupported flags
/// are left out; SEE ALSO names the other tools of all_tool_specs() and spec.see_also.
std::string render_man_page(const tool_spec& spec);

/// bash completion for `spec` (share/bash-completion/completions/<tool>): flags with their help,
/// values of choices, files, directories, hosts, -F specifiers and -D words.
std::string render_bash_completion(const tool_spec& spec);

/// zsh completion for `spec` (share/zsh/vendor-completions/_<tool>), an _arguments spec.
std::string render_zsh_completion(const tool_spec& spec);

/// fish completion for `spec` (share/fish/vendor_completions.d/<tool>.fish).
std::string render_fish_completion(const tool_spec& spec);

/// Every man page and completion script of all_tool_specs(), under the paths they are committed
/// at: man/<tool>.1, completions/bash/<tool>, completions/zsh/_<tool>, completions/fish/<tool>.fish.
std::vector<generated_file> generated_files();

}  // namespace mqkit

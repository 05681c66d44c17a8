// mqkit-gen: writes the man pages and shell completions generated from the flag tables (not installed).
#include <mqkit/tool.hpp>

int main(int argc, char** argv) {
    return mqkit::gen::run(argc, argv);
}

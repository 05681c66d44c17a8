// mqpub: thin executable; everything lives in libmqkit (mqkit::pub::run).
#include <mqkit/tool.hpp>

int main(int argc, char** argv) { mqkit::exit_now(mqkit::pub::run(argc, argv)); }

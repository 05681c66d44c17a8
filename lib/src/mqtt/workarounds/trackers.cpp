// The copy of Paho C linked into libmqkit (lib/paho-c/paho-c.cmake) without its debugging heap and
// call-stack trackers: what upstream's PAHO_HIGH_PERFORMANCE build compiles out, done at link time.
//
// Debian's objects call these on every function entry and exit (StackTrace_*: a global mutex, a
// strncpy and a strncmp each) and instead of malloc/realloc/free (Heap: a global mutex and a
// balanced-tree insert or delete each). The archive's Heap.c.o and StackTrace.c.o are left out of
// the link; these take their place. They are hidden: libpaho-mqtt3as.so, loaded too (libpaho-mqttpp3
// needs it), keeps its own trackers for its own, unused, code.
#include <cstddef>
#include <cstdlib>

#define MQKIT_PAHO_INTERNAL extern "C" __attribute__((visibility("hidden")))

MQKIT_PAHO_INTERNAL void* mymalloc(char* /*file*/, int /*line*/, std::size_t size) {
    return std::malloc(size);
}

MQKIT_PAHO_INTERNAL void* myrealloc(char* /*file*/, int /*line*/, void* p, std::size_t size) {
    return std::realloc(p, size);
}

MQKIT_PAHO_INTERNAL void myfree(char* /*file*/, int /*line*/, void* p) {
    std::free(p);
}

MQKIT_PAHO_INTERNAL int Heap_initialize() {
    return 0;
}

MQKIT_PAHO_INTERNAL void Heap_terminate() {}

// The last parameter is Paho's enum LOG_LEVELS, an int-sized enum.
MQKIT_PAHO_INTERNAL void StackTrace_entry(const char* /*name*/, int /*line*/, int /*trace_level*/) {}

MQKIT_PAHO_INTERNAL void StackTrace_exit(const char* /*name*/, int /*line*/, void* /*rc*/, int /*trace_level*/) {}

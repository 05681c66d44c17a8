// The Catch2 names mqkit's tests use, the same under Catch2 2 (Debian 12: the single header
// catch2/catch.hpp) and Catch2 3 (Debian 13: a compiled library with split headers). Every test
// file includes this instead of a Catch2 header.
#pragma once

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <string>

namespace Catch {
/// Catch2 2's name for the substring matcher (Catch2 3: Matchers::ContainsSubstring).
inline Matchers::StringContainsMatcher Contains(const std::string& s, CaseSensitive cs = CaseSensitive::Yes) {
    return Matchers::ContainsSubstring(s, cs);
}
}  // namespace Catch
using Catch::Approx;

namespace mqkit_catch {
/// Registers `invoker` (owned by Catch from then on) as a test case named `name` at run time;
/// `name` must live until the program ends (Catch2 2 keeps a reference to it).
inline void register_test(Catch::ITestInvoker* invoker, const Catch::SourceLineInfo& where, const std::string& name,
                          const char* tags) {
    Catch::AutoReg(Catch::Detail::unique_ptr<Catch::ITestInvoker>(invoker), where, Catch::StringRef(),
                   Catch::NameAndTags(name, tags));
}
}  // namespace mqkit_catch

#ifdef CATCH_CONFIG_EXTERNAL_INTERFACES  // what Catch2 2 declares under this macro: test event listeners
#include <catch2/catch_test_case_info.hpp>
#include <catch2/reporters/catch_reporter_event_listener.hpp>
#include <catch2/reporters/catch_reporter_registrars.hpp>
namespace Catch {
using TestEventListenerBase = EventListenerBase;
}  // namespace Catch
namespace mqkit_catch {
/// The name of the test case that ended.
inline const std::string& test_name(const Catch::TestCaseStats& stats) {
    return stats.testInfo->name;
}
}  // namespace mqkit_catch
#endif

#else
#include <catch2/catch.hpp>

#include <string>

namespace mqkit_catch {
/// Registers `invoker` (owned by Catch from then on) as a test case named `name` at run time;
/// `name` must live until the program ends (Catch2 2 keeps a reference to it).
inline void register_test(Catch::ITestInvoker* invoker, const Catch::SourceLineInfo& where, const std::string& name,
                          const char* tags) {
    Catch::AutoReg(invoker, where, Catch::StringRef(), Catch::NameAndTags(name, tags));
}
}  // namespace mqkit_catch

#ifdef CATCH_CONFIG_EXTERNAL_INTERFACES
namespace mqkit_catch {
/// The name of the test case that ended.
inline const std::string& test_name(const Catch::TestCaseStats& stats) {
    return stats.testInfo.name;
}
}  // namespace mqkit_catch
#endif
#endif

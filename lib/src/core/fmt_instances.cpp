// fmt's compiled part, built once into libmqkit: Debian ships fmt as a shared library only, and
// loading libfmt.so costs every start of every tool; compiling fmt header-only instead made every
// file of libmqkit compile fmt's formatting engine again (~4 s each).
//
// This is fmt's own src/format.cc for fmt 9, 10 and 11 (Debian 12 has 9.1, Debian 13 10.1): the
// out-of-line definitions come from format-inl.h, and the templates that format.h declares extern
// (and format.cc instantiates) are instantiated here, with each version's own signatures. Another
// major version is not compiled in: lib/CMakeLists.txt links libfmt then and leaves this file out.
#include <fmt/format-inl.h>

#if FMT_VERSION < 90000 || FMT_VERSION >= 120000
#error "fmt_instances.cpp follows fmt 9, 10 and 11; lib/CMakeLists.txt links libfmt for other versions"
#endif

// format.cc's condition for the locale_ref instantiations.
#if FMT_VERSION >= 110100
#define MQKIT_FMT_LOCALE FMT_USE_LOCALE
#elif defined(FMT_STATIC_THOUSANDS_SEPARATOR)
#define MQKIT_FMT_LOCALE 0
#else
#define MQKIT_FMT_LOCALE 1
#endif

FMT_BEGIN_NAMESPACE
namespace detail {
template FMT_API auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template FMT_API auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;

#if MQKIT_FMT_LOCALE
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
#endif

template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API void buffer<char>::append(const char*, const char*);
#if FMT_VERSION >= 100000
template FMT_API void vformat_to(buffer<char>&, string_view, typename vformat_args<>::type, locale_ref);
#else
template FMT_API void vformat_to(buffer<char>&, string_view, basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);
#endif

template FMT_API auto thousands_sep_impl(locale_ref) -> thousands_sep_result<wchar_t>;
template FMT_API auto decimal_point_impl(locale_ref) -> wchar_t;
template FMT_API void buffer<wchar_t>::append(const wchar_t*, const wchar_t*);
}  // namespace detail
FMT_END_NAMESPACE

#!/usr/bin/env bash
# cross-build.sh arm64|armhf: cross-compiles mqkit for a Debian 12 / Raspberry Pi OS ARM system on
# this Debian amd64 machine and packages it: build-ARCH/mqkit_<version>_ARCH.deb. Checks the
# package: its Architecture field, and `file` on every ELF file in it (all for ARCH, none for the
# build machine). The target's libraries come from a fresh sysroot (scripts/arm/make-sysroot.sh,
# Debian's mirror; MQKIT_SYSROOT=<dir> uses an existing one instead). Extra args go to cmake.
# Needs: crossbuild-essential-ARCH, debootstrap, qemu-user-static (scripts/deps.sh --cross).
# The tests are built too; scripts/test-arm.sh runs them on ARCH.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:-}
case $arch in
    arm64) elf='ELF 64-bit LSB .*ARM aarch64' ;;
    armhf) elf='ELF 32-bit LSB .*ARM, EABI5' ;;
    *) sed -n '2,8p' "$0" >&2; exit 2 ;;
esac
shift
scripts/deps.sh --cross
dir=build-$arch
sysroot=${MQKIT_SYSROOT:-$PWD/$dir-sysroot}
[ -n "${MQKIT_SYSROOT:-}" ] || scripts/arm/make-sysroot.sh "$arch" "$sysroot"
mkdir -p "$dir"
cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchain-$arch.cmake" -DMQKIT_SYSROOT="$sysroot" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log" >&2; exit 1; }
grep -E "^-- mqkit:" "$dir/configure.log" >&2 || true
grep -A6 "^CMake Warning" "$dir/configure.log" >&2 || true
cmake --build "$dir" -j "$(nproc)"
# catch_discover_tests lists the tests through qemu-user: an empty list would mean no tests at all.
for t in mqkit_unit mqkit_e2e; do
    grep -qs "add_test" "$dir"/tests/"$t"_tests-*.cmake ||
        { echo "cross-build.sh: no tests listed for $t (qemu-user?)" >&2; exit 1; }
done
(cd "$dir" && cpack >cpack.log 2>&1) || { cat "$dir/cpack.log" >&2; exit 1; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$dir/CMakeCache.txt")
deb=$dir/mqkit_${version}_$arch.deb
[ -f "$deb" ] || { echo "cross-build.sh: $deb was not made" >&2; ls "$dir"/*.deb >&2; exit 1; }
dpkg-deb -I "$deb" | sed -n 's/^ //; /^\(Package\|Version\|Architecture\|Depends\):/p'
[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] || { echo "cross-build.sh: $deb: Architecture is not $arch" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
bad=0 count=0
while IFS= read -r f; do
    what=$(file -b "$f")
    case $what in ELF*) ;; *) continue ;; esac
    count=$((count + 1))
    echo "  ${f#"$tmp"}: $what" | cut -c1-150
    grep -qE "^$elf" <<<"$what" || { echo "cross-build.sh: ${f#"$tmp"} is not an $arch binary" >&2; bad=1; }
done < <(find "$tmp" -type f | sort)
[ $count -gt 0 ] || { echo "cross-build.sh: no ELF file in $deb" >&2; exit 1; }
[ $bad = 0 ] || exit 1
echo "cross-build.sh: $deb: Architecture $arch, $count ELF files, all $arch" >&2

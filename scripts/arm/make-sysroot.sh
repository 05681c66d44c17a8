#!/usr/bin/env bash
# make-sysroot.sh ARCH DIR [SUITE]: a Debian root of ARCH (arm64 | armhf) in DIR to cross-compile
# mqkit against (cmake/toolchain-ARCH.cmake, -DMQKIT_SYSROOT=DIR), from Debian's own mirror (SUITE:
# bookworm unless given). debootstrap --foreign downloads the packages and their dependencies for
# ARCH and unpacks the base; the -dev packages are unpacked too (dpkg-deb -x). No target code runs,
# and the build machine's own apt configuration and architectures are not touched.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,6p' "$0" >&2; exit 2; }
arch=$1 dir=$2 suite=${3:-bookworm}
mirror=${MQKIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
dev=libpaho-mqttpp-dev,libpaho-mqtt-dev,libfmt-dev,libssl-dev,libcjson-dev,catch2
rm -rf "$dir"
mkdir -p "$dir"
log=$dir/.make-sysroot.log
echo "make-sysroot.sh: debootstrap --foreign $suite $arch into $dir (log: $log)" >&2
if ! debootstrap --foreign --arch="$arch" --variant=minbase --include="$dev" "$suite" "$dir" "$mirror" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    exit 1
fi
for deb in "$dir"/var/cache/apt/archives/*.deb; do dpkg-deb -x "$deb" "$dir"; done
rm -rf "$dir"/var/cache/apt/archives/*.deb
# Debian 12's usrmerge symlinks are made by the first stage; check the pieces the build needs.
for f in usr/include/mqtt/async_client.h usr/include/MQTTAsync.h usr/include/fmt/format.h \
         usr/include/openssl/ssl.h "usr/lib/$(ls "$dir/usr/lib" | grep -m1 -- '-linux-gnu')/libpaho-mqtt3as.a"; do
    [ -e "$dir/$f" ] || { echo "make-sysroot.sh: $f is missing in $dir" >&2; exit 1; }
done
echo "make-sysroot.sh: $arch sysroot ready in $dir" >&2

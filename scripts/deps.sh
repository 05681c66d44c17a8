#!/usr/bin/env bash
# Installs the Debian 12 packages mqkit needs to build and test, only those that are missing
# (--fuzz: also clang and its libFuzzer runtime, for bench/fuzz.sh).
set -euo pipefail

packages=(cmake g++ make pkg-config libpaho-mqttpp-dev libpaho-mqtt-dev libfmt-dev libcjson-dev catch2
          mosquitto mosquitto-clients openssl groff-base
          # the .deb's Depends line (dpkg-shlibdeps; CPack finds ELF files with `file`), and the
          # tests that run the zsh and fish completions (they are skipped without these shells)
          dpkg-dev file zsh fish)
# bench/fuzz.sh only: clang with libFuzzer and the sanitizer runtimes.
if [ "${1:-}" = "--fuzz" ]; then packages+=(clang libclang-rt-14-dev); fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "mqkit: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

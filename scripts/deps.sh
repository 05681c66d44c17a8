#!/usr/bin/env bash
# Installs the packages mqkit needs to build and test, only those that are missing: the same names
# on Debian 12 (bookworm) and Debian 13 (trixie), also for arm64 and armhf (Raspberry Pi OS).
# Options add what other scripts need (below): --fuzz, --suite, --interop, --rabbitmq, --cross,
# --vm, --distro.
set -euo pipefail

packages=(cmake g++ make pkg-config libpaho-mqttpp-dev libpaho-mqtt-dev libfmt-dev libcjson-dev catch2
          # libmqkit uses OpenSSL itself, and Paho C++ 1.5's CMake package (Debian 13) requires it
          libssl-dev
          mosquitto mosquitto-clients openssl groff-base
          # a SOCKS5 proxy for the e2e tests of --proxy socks5h:// (skipped without it)
          microsocks
          # the .deb's Depends line (dpkg-shlibdeps; CPack finds ELF files with `file`), and the
          # tests that run the zsh and fish completions (they are skipped without these shells)
          dpkg-dev file zsh fish)
for option in "$@"; do
    case $option in
        # bench/fuzz.sh: clang with libFuzzer and the sanitizer runtimes.
        --fuzz) packages+=(clang libclang-rt-dev) ;;
        # scripts/mosquitto-suite.sh: mosquitto 2.1.2's build (OpenSSL 3 and cJSON are required by
        # 2.1; its CMake project needs a C++ compiler too) and its Python test suite (whose SOCKS5
        # tests use microsocks, above).
        --suite) packages+=(gcc libcjson-dev python3) ;;
        # scripts/test-interop.sh aedes: Node.js and npm (aedes 1.2 needs Node.js 20; Debian 12's
        # own is 18, so a NodeSource nodejs, which brings npm, is left as it is).
        # Debian's nodejs only where it is 20 or later (Debian 13); on Debian 12 (18) the aedes
        # run is skipped, so the ~300 packages of Debian 12's npm would be installed for nothing.
        --interop) candidate=$(apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: \([0-9]*\).*/\1/p')
                   if ! command -v node >/dev/null && [ "${candidate:-0}" -ge 20 ]; then packages+=(nodejs); fi
                   if command -v node >/dev/null || [ "${candidate:-0}" -ge 20 ]; then
                       command -v npm >/dev/null || packages+=(npm)
                   fi ;;
        # scripts/test-interop.sh rabbitmq: the broker, started by the script, never as a service.
        --rabbitmq) packages+=(rabbitmq-server) ;;
        # scripts/cross-build.sh: the cross compilers, debootstrap for the sysroot, qemu-user to list
        # the tests at build time.
        --cross) packages+=(crossbuild-essential-arm64 crossbuild-essential-armhf debootstrap qemu-user-static) ;;
        # scripts/test-arm.sh: --cross, and the full-system emulator and what makes its guest.
        --vm) packages+=(crossbuild-essential-arm64 crossbuild-essential-armhf debootstrap qemu-user-static
                         qemu-system-arm kmod cpio e2fsprogs) ;;
        # scripts/test-distro.sh
        --distro) packages+=(debootstrap) ;;
        *) echo "usage: $0 [--fuzz] [--suite] [--interop] [--rabbitmq] [--cross] [--vm] [--distro]" >&2; exit 2 ;;
    esac
done

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
# The interop tests start RabbitMQ themselves, on loopback; the package's service stays off.
if [[ " ${missing[*]} " == *" rabbitmq-server "* ]] && command -v systemctl >/dev/null; then
    "${sudo[@]}" systemctl disable --now rabbitmq-server >/dev/null 2>&1 || true
fi

#!/usr/bin/env bash
# Installs everything Parc needs to build, run and test on Debian 12, from Debian's
# packages only. Idempotent: packages already present are left as they are.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # libraries (see docs/development.md for what each is for)
  libboost-dev libboost-system-dev libssl-dev openssl libsqlite3-dev sqlite3
  libusb-1.0-0-dev libhwloc-dev hwloc nlohmann-json3-dev libgtest-dev libgmock-dev
  libzstd-dev libspdlog-dev libcli11-dev libtomlplusplus-dev libargon2-dev libsystemd-dev
  hwdata
  libjemalloc-dev  # the server's allocator (docs/benchmarks.md, "jemalloc, adopted")
  zlib1g-dev  # GLPI forwarding: zlib bodies (application/x-compress-zlib)
  # tests: GLPI schema validation, real tools the collectors and checks compare with
  python3 python3-jsonschema edid-decode smartmontools dmidecode curl
  # console browser tests (tests/e2e): headless Chromium driven by Selenium
  chromium chromium-driver python3-selenium python3-cryptography
  python3-aiosmtpd  # health: the real SMTP server the e-mail notifier is tested against
  lintian  # installers: the Debian packages are checked as Debian checks them
  restic borgbackup  # backups: the peers bench/backup/run.sh measures against
  libhowardhinnant-date-dev tzdata  # backups: retention on the town hall's calendar (tz database)
  node-xterm novnc x11vnc xvfb x11-utils  # remote support: terminal (xterm.js) and desktop (noVNC) pages, their browser tests
  libxml2-dev libxml2-utils libcairo2-dev libqpdf-dev qpdf libsaxonhe-java default-jre-headless fonts-dejavu-core colord-data  # Factur-X: CII, PDF (+ sRGB ICC), XSD + schematron checks
  # fuzzing: clang's libFuzzer and sanitizer runtimes
  clang-14 libclang-rt-14-dev
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Builds the Debian packages parc-agent, parc-server and parcctl from a checkout:
#   installers/debian/build-packages.sh            → build-deb/dist/*.deb
# Needs ./scripts/install-deps.sh (lintian is optional: run when installed).
# Environment: PARC_PACKAGE_VERSION / PARC_PACKAGE_RELEASE (version, default the
# project's and 1), PARC_PACKAGE_BUILD_DIR (default build-deb), PARC_JOBS (default 2).
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${PARC_PACKAGE_BUILD_DIR:-$src/build-deb}
jobs=${PARC_JOBS:-2}
out=$build/dist

# Debian's hardening flags, as debhelper would pass them (PIE, full RELRO, bindnow,
# _FORTIFY_SOURCE, stack protector): lintian checks the binaries for them.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cxxflags="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPARC_BUILD_TESTS=OFF -DPARC_WERROR=OFF \
  -DCMAKE_CXX_FLAGS="$cxxflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags"
ninja -C "$build" -j "$jobs" parc-agent parc-server parcctl

rm -rf "$out" "$build/cpack"
mkdir -p "$out"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$build/cpack"
cp "$build"/cpack/*.deb "$out"/

if command -v lintian >/dev/null; then
  lintian --fail-on error,warning "$out"/*.deb
fi
echo "packages in $out:"
ls -1 "$out"

#!/usr/bin/env bash
# Builds the Debian packages parc-agent, parc-server and parcctl from a checkout:
#   installers/debian/build-packages.sh            → build-deb/dist/*.deb
# Needs ./scripts/install-deps.sh (lintian is optional: run when installed).
# Environment: PARC_PACKAGE_VERSION / PARC_PACKAGE_RELEASE (version, default the
# project's and 1), PARC_PACKAGE_BUILD_DIR (default build-deb), PARC_JOBS (default 2),
# PARC_RELEASE_KEYS_DIR (folder of the release public keys *.pub the agent package ships
# in /usr/share/parc-agent/release-keys; without it, agents trust no release until their
# agent.toml lists a key).
set -euo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${PARC_PACKAGE_BUILD_DIR:-$src/build-deb}
jobs=${PARC_JOBS:-2}
out=$build/dist

# Checked before anything is built: a malformed key would make every agent refuse its
# [update] settings, an empty folder would ship no key at all.
keys=${PARC_RELEASE_KEYS_DIR:-}
if [ -n "$keys" ]; then
  [ -d "$keys" ] || { echo "PARC_RELEASE_KEYS_DIR: no folder $keys" >&2; exit 2; }
  keys=$(cd "$keys" && pwd)
  shopt -s nullglob
  pubs=("$keys"/*.pub)
  shopt -u nullglob
  [ ${#pubs[@]} -gt 0 ] || { echo "PARC_RELEASE_KEYS_DIR: no *.pub file in $keys" >&2; exit 2; }
  for pub in "${pubs[@]}"; do
    # As the agent reads them: one hex Ed25519 public key a line, empty lines and lines
    # starting with '#' skipped, nothing else.
    if grep -v -e '^$' -e '^#' "$pub" | grep -qvx '[0-9a-fA-F]\{64\}'; then
      echo "PARC_RELEASE_KEYS_DIR: $pub is not one hexadecimal Ed25519 public key a line" >&2
      exit 2
    fi
    grep -qx '[0-9a-fA-F]\{64\}' "$pub" || { echo "PARC_RELEASE_KEYS_DIR: no key in $pub" >&2; exit 2; }
  done
  echo "release keys shipped to agents: ${pubs[*]}"
else
  echo "warning: PARC_RELEASE_KEYS_DIR is not set: agents installed from these packages" \
    "trust no release key (docs/operations.md, \"Agent self-update\")" >&2
fi

# Debian's hardening flags, as debhelper would pass them (PIE, full RELRO, bindnow,
# _FORTIFY_SOURCE, stack protector): lintian checks the binaries for them.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
cxxflags="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)

cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPARC_BUILD_TESTS=OFF -DPARC_WERROR=OFF -DPARC_RELEASE_KEYS_DIR="$keys" \
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

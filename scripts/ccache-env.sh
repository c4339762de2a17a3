# Sourced by the build scripts: one compiler cache for every checkout of the project (paths
# hashed relative to the checkout, so a fresh clone elsewhere reuses it), large enough for
# the three trees of scripts/test.sh (at ccache's 5 GB default it evicted what the next run
# needed and a warm CI took as long as a cold one).
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-15G}

#!/bin/bash
# Stands in for `dpkg -i PACKAGE` in the self-update tests: the "package" is an agent
# program; it replaces bin/parc-agent and restarts the agent, as a package's postinst does.
set -e
dir=$(dirname "$0")
cp "$1" "$dir/bin/parc-agent.new"
chmod 755 "$dir/bin/parc-agent.new"
mv "$dir/bin/parc-agent.new" "$dir/bin/parc-agent"
echo "$1" >> "$dir/installs.log"
kill "$(cat "$dir/agent.pid")" 2>/dev/null || true

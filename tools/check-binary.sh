#!/usr/bin/env bash
# The single executable (`pnpm build:binary`, packages/cli/dist-binary/stevedore) with no Node on PATH:
# `version`, `serve`, then a push and a pull against that server. .ci/run runs it after building it.
# Usage: bash tools/check-binary.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary="$root/packages/cli/dist-binary/stevedore"
[ -x "$binary" ] || { echo "check-binary: no $binary; run pnpm build:binary" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-check-binary.XXXXXX")
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
digest=$(bash "$root/tools/write-test-layout.sh" ./image)
# No Node anywhere on PATH: the executable is all there is.
run() { env -i HOME="$work" PATH=/nonexistent "$binary" "$@"; }

run version | grep -q "^stevedore .* (node v" || { echo "check-binary: version failed" >&2; exit 1; }
# Not through run(): $! must be the server itself, not a subshell, for the kill at the end.
env -i HOME="$work" PATH=/nonexistent "$binary" serve --port 0 --dir ./registry 2>serve.log >/dev/null &
server=$!
for _ in $(seq 100); do grep -q 'serving http://' serve.log && break; sleep 0.1; done
host=$(grep -o 'serving http://[^ ]*' serve.log | head -n 1 | sed 's|serving http://||')
[ -n "$host" ] || { cat serve.log >&2; exit 1; }
run push ./image "$host/binary/app:v1"
run pull "$host/binary/app:v1" ./copy
[ -f copy/index.json ] || { echo "check-binary: pull wrote no ./copy" >&2; exit 1; }
[ "$(run digest "$host/binary/app:v1")" = "$digest" ] || { echo "check-binary: digest differs" >&2; exit 1; }
echo "check-binary: $(run version) ran version, serve, push and pull with no Node on PATH"

#!/usr/bin/env bash
# The README's promise, as a new user meets it (issue 17): in a fresh clone with an empty HOME, the set-up
# command `. tools/setup.sh`; then, in a NEW shell that has only the PATH line set-up printed (no Node but
# the system's, no pnpm), `stevedore version` and a push and pull against `stevedore serve` from a directory
# outside the checkout, with relative paths. Also `pnpm stevedore` run from packages/cli resolves a relative
# path against that directory. .ci/run runs it; it downloads Node, pnpm and the dependencies like a fresh
# machine does. Usage: bash tools/check-setup.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-check-setup.XXXXXX")
cleanup() { rm -rf "$scratch"; }
trap cleanup EXIT
fail() {
  echo "check-setup: FAILED: $*" >&2
  exit 1
}

clone="$scratch/clone"
home="$scratch/home"
work="$scratch/work" # the user's directory, outside the checkout
mkdir -p "$home" "$work"
git clone --quiet "$root" "$clone"
base_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# What a new shell has that is not the user's home: the machine's proxy and CA settings (a registry behind a
# TLS proxy needs them), the locale, a PATH without the toolchain.
keep=(HOME="$home" PATH="$base_path" TERM=dumb LANG=C.UTF-8)
for name in NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR http_proxy https_proxy no_proxy HTTP_PROXY \
  HTTPS_PROXY NO_PROXY npm_config_registry; do
  [ -z "${!name:-}" ] || keep+=("$name=${!name}")
done

echo "check-setup: . tools/setup.sh in a fresh clone, HOME empty"
if ! env -i "${keep[@]}" \
  bash --noprofile --norc -c 'cd "$1" && . tools/setup.sh' _ "$clone" >"$scratch/setup.log" 2>&1; then
  tail -n 40 "$scratch/setup.log" >&2
  fail "set-up failed"
fi
path_line=$(grep -o 'export PATH=.*' "$scratch/setup.log" | head -n 1 || true)
[ -n "$path_line" ] || fail "set-up printed no PATH line for $home/.local/bin"
[ -x "$home/.local/bin/stevedore" ] || fail "set-up wrote no $home/.local/bin/stevedore"

# The new shell: the user's PATH line and nothing else of set-up's; /usr/bin/node may be too old.
cat >"$work/new-shell.sh" <<'EOF'
set -euo pipefail
eval "$PATH_LINE"
cd "$WORK"
stevedore version
command -v pnpm >/dev/null && { echo "pnpm is on PATH in the new shell" >&2; exit 1; }

stevedore serve --port 0 --dir ./registry 2>serve.log &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q 'serving http://' serve.log && break; sleep 0.1; done
host=$(grep -o 'serving http://[^ ]*' serve.log | head -n 1 | sed 's|serving http://||')
[ -n "$host" ] || { cat serve.log >&2; exit 1; }

# An OCI layout with one image, written with coreutils (no Node on this PATH).
digest=$(bash "$CLONE/tools/write-test-layout.sh" ./image)
stevedore push ./image "$host/demo/app:v1"
stevedore pull "$host/demo/app:v1" ./copy
[ -f "$WORK/copy/index.json" ] || { echo "pull did not write ./copy in the user's directory" >&2; exit 1; }
grep -q "$digest" "$WORK/copy/index.json" || { echo "./copy does not hold $digest" >&2; exit 1; }
[ "$(stevedore digest "$host/demo/app:v1")" = "$digest" ] || { echo "digest differs" >&2; exit 1; }
EOF
echo "check-setup: a new shell in a directory outside the checkout"
if ! env -i "${keep[@]}" PATH_LINE="$path_line" WORK="$work" CLONE="$clone" \
  bash --noprofile --norc -c 'bash "$WORK/new-shell.sh"; status=$?; [ -f "$WORK/serve.log" ] && sed "s/^/serve: /" "$WORK/serve.log" | tail -n 5; exit $status' \
  >"$scratch/new-shell.log" 2>&1; then
  cat "$scratch/new-shell.log" >&2
  fail "stevedore in a new shell"
fi
grep -q '^stevedore [0-9].* (node v' "$scratch/new-shell.log" || fail "no version line: $(cat "$scratch/new-shell.log")"

echo "check-setup: pnpm stevedore from packages/cli with a relative path"
# The same registry storage served again, for pnpm's run (the first server stopped with its shell).
if ! env -i "${keep[@]}" CLONE="$clone" WORK="$work" \
  bash --noprofile --norc -c '
    set -euo pipefail
    . "$CLONE/tools/node-env.sh"
    node "$CLONE/packages/cli/dist/bin.js" serve --port 0 --dir "$WORK/registry" 2>"$WORK/serve2.log" &
    server=$!
    trap "kill $server 2>/dev/null || true" EXIT
    for _ in $(seq 100); do grep -q "serving http://" "$WORK/serve2.log" && break; sleep 0.1; done
    host=$(grep -o "serving http://[^ ]*" "$WORK/serve2.log" | head -n 1 | sed "s|serving http://||")
    cd "$CLONE/packages/cli"
    pnpm --silent stevedore pull "$host/demo/app:v1" ./pulled-by-pnpm
    [ -f "$CLONE/packages/cli/pulled-by-pnpm/index.json" ] || { echo "pnpm stevedore did not pull into packages/cli/pulled-by-pnpm" >&2; exit 1; }
  ' >"$scratch/pnpm.log" 2>&1; then
  cat "$scratch/pnpm.log" >&2
  fail "pnpm stevedore from packages/cli"
fi
echo "check-setup: passed"

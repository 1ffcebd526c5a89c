#!/usr/bin/env bash
# The bin run by a Node older than the engines range (issue 17): `/usr/bin/node packages/cli/dist/bin.js`
# (Node 20 on the machines that develop and test stevedore, see TOOLCHAIN.md) prints one line naming the
# Node it needs and the one it got, exit 1, no stack trace, nothing on stdout. .ci/run runs it after the
# build. Usage: bash tools/check-old-node.sh [OLD_NODE]
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
old_node=${1:-/usr/bin/node}
version=$("$old_node" --version) || { echo "check-old-node: no $old_node" >&2; exit 1; }
case "$version" in
  v1[0-9].* | v2[01].* | v22.[0-9].* | v22.1[0-8].*) ;;
  *) echo "check-old-node: $old_node is $version, not older than 22.19: nothing to check with it" >&2; exit 1 ;;
esac
for args in "version" "pull alpine:3.20 ./alpine" "--help"; do
  # shellcheck disable=SC2086
  stdout=$("$old_node" "$root/packages/cli/dist/bin.js" $args 2>"${TMPDIR:-/tmp}/check-old-node.$$")
  status=$?
  stderr=$(cat "${TMPDIR:-/tmp}/check-old-node.$$")
  rm -f "${TMPDIR:-/tmp}/check-old-node.$$"
  expected="stevedore: needs Node.js 22.19.0 or newer, but $old_node is Node.js ${version#v}: "
  if [ "$status" -ne 1 ] || [ -n "$stdout" ] || [ "$(printf '%s\n' "$stderr" | wc -l)" -ne 1 ] ||
    [ "${stderr#"$expected"}" = "$stderr" ]; then
    printf 'check-old-node: FAILED for stevedore %s under %s: exit %s\nstdout: %s\nstderr: %s\n' \
      "$args" "$version" "$status" "$stdout" "$stderr" >&2
    exit 1
  fi
done
echo "check-old-node: $old_node ($version) gets: $stderr"

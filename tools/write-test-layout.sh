#!/usr/bin/env bash
# Writes a small OCI image layout into DIR with coreutils only (a gzip layer holding hello.txt, a config, a
# manifest tagged v1) and prints the manifest's digest. For checks that run stevedore where no Node is on
# PATH (tools/check-setup.sh, tools/check-binary.sh). Usage: bash tools/write-test-layout.sh DIR
set -euo pipefail
layout=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/stevedore-test-layout.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$layout/blobs/sha256" "$work/files"
printf 'hello from a test layout\n' >"$work/files/hello.txt"
tar -cf "$work/layer.tar" -C "$work/files" hello.txt
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n <"$work/layer.tar" >"$work/layer.tgz"
blob() {
  local digest
  digest=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$layout/blobs/sha256/$digest"
  echo "$digest"
}
layer=$(blob "$work/layer.tgz")
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff_id" \
  >"$work/config.json"
config=$(blob "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
  "$config" "$(stat -c %s "$work/config.json")" "$layer" "$(stat -c %s "$work/layer.tgz")" >"$work/manifest.json"
manifest=$(blob "$work/manifest.json")
printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
  "$manifest" "$(stat -c %s "$work/manifest.json")" >"$layout/index.json"
echo "sha256:$manifest"

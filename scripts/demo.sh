#!/usr/bin/env bash
# The main job with the s3lo command on the embedded default (local://):
# an image made on the spot from a few files (tar, gzip, sha256sum; no
# network, no Docker), pushed to a local:// bucket, pushed again (all
# skipped), listed, inspected, pulled back and compared, then stats and a GC
# dry run. Everything lands under ./.s3lo-demo/ of the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bootstrap.sh
pnpm turbo run build --filter=@s3lo/cli... --output-logs=errors-only >&2
# Shows each command as a user would type it, then runs the built CLI.
s3lo() { echo; echo "\$ s3lo $*"; node packages/cli/dist/s3lo.js "$@"; }

demo=.s3lo-demo
rm -rf "$demo"
layout="$demo/layout"
mkdir -p "$layout/blobs/sha256" "$demo/rootfs/etc" "$demo/rootfs/opt/app"

# Moves a file into the layout under its digest; prints "<hex> <size>".
blob() {
  local hex size
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$layout/blobs/sha256/$hex"
  echo "$hex $size"
}

echo 'hello from s3lo' > "$demo/rootfs/etc/motd"
printf '#!/bin/sh\necho hi\n' > "$demo/rootfs/opt/app/run.sh"
head -c 1048576 /dev/urandom > "$demo/rootfs/opt/app/data.bin"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$demo/rootfs" -cf "$demo/layer.tar" .
diff_id=$(sha256sum "$demo/layer.tar" | cut -d' ' -f1)
gzip -n < "$demo/layer.tar" > "$demo/layer.tar.gz"
read -r layer layer_size < <(blob "$demo/layer.tar.gz")
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/opt/app/run.sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff_id" > "$demo/config.json"
read -r config config_size < <(blob "$demo/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
  "$config" "$config_size" "$layer" "$layer_size" > "$demo/manifest.json"
read -r manifest manifest_size < <(blob "$demo/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"v1"}}]}' \
  "$manifest" "$manifest_size" > "$layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
echo "# made oci:$layout:v1 (sha256:${manifest:0:12}, one layer)"

bucket="local://./$demo/store//"     # "//" ends a bucket directory more than one component deep
s3lo push "oci:$layout:v1" "${bucket}demo/hello:v1"
s3lo push "oci:$layout:v1" "${bucket}demo/hello:v1"          # again: every blob skipped
s3lo copy "${bucket}demo/hello:v1" "${bucket}demo/hello:latest"
s3lo list "$bucket"
s3lo inspect "${bucket}demo/hello:v1"
s3lo pull "${bucket}demo/hello:v1" "oci:$demo/pulled:v1"
diff -r "$layout/blobs" "$demo/pulled/blobs" && echo "# every blob pulled back is byte-identical"
s3lo pull "${bucket}demo/hello:v1" "docker-archive:$demo/hello.tar:demo/hello:v1"
s3lo stats "$bucket"
s3lo clean "$bucket"                                         # dry run: deletes nothing
s3lo list "$bucket" -o json

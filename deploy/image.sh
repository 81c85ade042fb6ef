#!/usr/bin/env bash
# Builds Tamkeen's container image from the Containerfile at the root:
#
#   deploy/image.sh [TAG]      (default tamkeen:dev)
#
# with podman or docker, whichever answers (CONTAINER_ENGINE=docker|podman
# to choose). Nothing is pulled: the static binary is built here with Go
# and the image starts FROM scratch. CA_BUNDLE names the CA bundle to put
# in (default: this machine's, /etc/ssl/certs/ca-certificates.crt).
set -euo pipefail
tag=${1:-tamkeen:dev}
root=$(cd "$(dirname "$0")/.." && pwd)

engine=${CONTAINER_ENGINE:-}
if [ -z "$engine" ]; then
  for e in podman docker; do
    if command -v "$e" >/dev/null 2>&1 && "$e" info >/dev/null 2>&1; then engine=$e; break; fi
  done
fi
if [ -z "$engine" ]; then
  echo "image.sh: neither podman nor docker answers here (apt-get install podman)" >&2
  exit 1
fi

ca=${CA_BUNDLE:-}
if [ -z "$ca" ]; then
  for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
    if [ -s "$f" ]; then ca=$f; break; fi
  done
fi
if [ -z "$ca" ] || [ ! -s "$ca" ]; then
  echo "image.sh: no CA bundle found: install ca-certificates or set CA_BUNDLE" >&2
  exit 1
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
echo "image.sh: building the static binary"
(cd "$root" && CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags='-s -w' -o "$ctx/tamkeen" ./cmd/tamkeen)
cp "$ca" "$ctx/ca-certificates.crt"
printf 'root:x:0:0:root:/:/sbin/nologin\ntamkeen:x:65532:65532:tamkeen:/data:/sbin/nologin\n' >"$ctx/passwd"
printf 'root:x:0:\ntamkeen:x:65532:\n' >"$ctx/group"
mkdir -p "$ctx/data" "$ctx/rootfs/tmp"
chmod 0755 "$ctx/data" "$ctx/rootfs"
chmod 1777 "$ctx/rootfs/tmp"

revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
args=(build --pull=false -f "$root/Containerfile" -t "$tag"
  --label "org.opencontainers.image.revision=$revision")
if [ "$engine" = podman ]; then
  args+=(--format docker) # keeps the HEALTHCHECK: the OCI image format has none
fi
echo "image.sh: $engine ${args[*]} <context>"
"$engine" "${args[@]}" "$ctx"
size=$("$engine" image inspect --format '{{.Size}}' "$tag")
echo "image.sh: built $tag ($engine), $((size / 1024 / 1024)) MB"

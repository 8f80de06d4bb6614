#!/usr/bin/env bash
# Assembles the Dockerfile's base image where node:24.21.0-trixie-slim cannot be pulled (an
# air-gapped build host, no registry mirror): Debian trixie from Debian's own mirror
# (debootstrap), the Node binary the `node` npm package ships (node_modules/node, the version
# the repository pins), the npm CLI, and user `node` (uid/gid 1000), as in the official image.
#
#   scripts/build-base-image.sh            # prints the image reference, builds it if missing
#   podman build --build-arg BASE_IMAGE="$(scripts/build-base-image.sh)" --build-arg SERVICE=user .
#
# The image is tagged with a hash of its inputs (this script, the Node binary, the npm tarball,
# the suite), so a second run finds it and builds nothing. Needs root (debootstrap, chroot) and
# podman or docker ($CONTAINER_RUNTIME picks one). Behind a TLS-intercepting proxy, apt and npm
# use the host's CA bundle; nothing of it is copied into the image.
set -euo pipefail
cd "$(dirname "$0")/.."

suite=${DEBIAN_SUITE:-trixie}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The npm CLI of the image. The build stages use it only for `npm ci` and `npm install`.
npm_version=${NPM_VERSION:-11.19.1}
repository=${BASE_IMAGE_REPOSITORY:-localhost/backend-base}
cache=${BASE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/backend-base-image}

log() { printf 'build-base-image: %s\n' "$*" >&2; }

runtime=${CONTAINER_RUNTIME:-}
if [ -z "$runtime" ]; then
  for candidate in podman docker; do
    if command -v "$candidate" >/dev/null && "$candidate" info >/dev/null 2>&1; then
      runtime=$candidate
      break
    fi
  done
fi
[ -n "$runtime" ] || { log "neither podman nor docker answers (set CONTAINER_RUNTIME)"; exit 1; }

node_binary=node_modules/node/bin/node
[ -x "$node_binary" ] || { log "$node_binary is missing: run npm ci first"; exit 1; }
node_version=$("$node_binary" --version)
node_version=${node_version#v}

mkdir -p "$cache"
npm_tarball="$cache/npm-$npm_version.tgz"
if [ ! -f "$npm_tarball" ]; then
  log "fetching npm $npm_version"
  (cd "$cache" && npm pack --silent "npm@$npm_version" >/dev/null)
fi

inputs=$(
  {
    sha256sum "$0" "$node_binary" "$npm_tarball" | cut -d' ' -f1
    echo "$suite $mirror"
  } | sha256sum | cut -c1-16
)
image="$repository:node$node_version-$suite-$inputs"

if "$runtime" image inspect "$image" >/dev/null 2>&1; then
  log "$image is there (inputs unchanged)"
  echo "$image"
  exit 0
fi

[ "$(id -u)" = 0 ] || { log "debootstrap needs root"; exit 1; }
command -v debootstrap >/dev/null || { log "apt-get install debootstrap"; exit 1; }

rootfs=$(mktemp -d "${TMPDIR:-/tmp}/backend-base-XXXXXX")
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$cache/debs"
log "debootstrap $suite from $mirror (a few minutes the first time)"
# minbase: essential packages and apt, as in debian:trixie-slim. The .debs stay in the cache.
debootstrap --variant=minbase --cache-dir="$(realpath "$cache/debs")" "$suite" "$rootfs" "$mirror" \
  >"$cache/debootstrap.log" 2>&1 || { tail -n 20 "$cache/debootstrap.log" >&2; exit 1; }

log "node $node_version, npm $npm_version, user node (1000:1000)"
install -m 0755 "$node_binary" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$npm_tarball" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 \
  --no-same-owner
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# What debian:*-slim leaves out: documentation, manual pages, translations, apt's lists.
rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* \
  "$rootfs"/var/log/* "$rootfs"/tmp/*
chroot "$rootfs" node --version >/dev/null
chroot "$rootfs" npm --version >/dev/null

log "importing as $image"
tar --numeric-owner -C "$rootfs" -c . |
  "$runtime" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change 'CMD ["node"]' \
    - "$image" >/dev/null
"$runtime" tag "$image" "$repository:node$node_version-$suite"
echo "$image"

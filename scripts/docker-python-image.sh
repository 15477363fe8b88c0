#!/usr/bin/env bash
# Builds a Docker image with Debian's python3 and numpy without any image registry: debootstrap
# installs a minimal Debian from its package mirror into a folder, and `docker import` makes the
# folder an image. Used by the Docker tests and the bench; handy wherever `docker pull` cannot
# reach a registry. Builds once: an image already under the tag is kept. Two runs at the same
# time take turns on a lock file, and the second finds the image built.
#
#   sudo scripts/docker-python-image.sh [TAG]     (default codeagent-test-python:bookworm)
#   DEBIAN_MIRROR=http://... to use another mirror.
set -euo pipefail

tag="${1:-codeagent-test-python:bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

exec 9>"${TMPDIR:-/tmp}/codeagent-docker-python-image.lock"
flock 9

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag is already built"
  exit 0
fi
if ! command -v debootstrap >/dev/null; then
  echo "debootstrap is missing: install it (sudo apt-get install debootstrap) and run this again." >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "debootstrap needs root: run this with sudo." >&2
  exit 1
fi

dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
echo "Installing a minimal Debian bookworm with python3 and numpy into $dir (about a minute)..."
debootstrap --variant=minbase --include=python3,python3-numpy bookworm "$dir/root" "$mirror" >"$dir/debootstrap.log" 2>&1 || {
  tail -20 "$dir/debootstrap.log" >&2
  echo "debootstrap failed (is $mirror reachable?)." >&2
  exit 1
}
# The downloaded packages are not needed in the image.
rm -f "$dir/root/var/cache/apt/archives/"*.deb
tar -C "$dir/root" -c . | docker import --change 'CMD ["python3"]' - "$tag" >/dev/null
echo "Built $tag"

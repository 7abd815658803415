#!/usr/bin/env bash
# Extension "golang": the Go toolchain, from go.dev, checksum-verified, under /usr/local/go (upstream),
# or the distribution's golang-go (distro).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
source="${SINDRI_EXTENSION_SOURCE_GOLANG:-upstream}"
GO_VERSION="${SINDRI_GO_VERSION:-1.24.4}"

case "$source" in
  upstream) ;;
  distro)
    apt-get install -y -q --no-install-recommends golang-go
    # Verify.
    go version
    exit 0
    ;;
  *) echo "golang: unknown source \"$source\"" >&2; exit 1 ;;
esac

case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) echo "golang: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

if [ ! -x /usr/local/go/bin/go ] || ! /usr/local/go/bin/go version | grep -qF "go${GO_VERSION} "; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  tarball="go${GO_VERSION}.linux-${arch}.tar.gz"
  curl -fsSL --retry 5 "https://go.dev/dl/${tarball}" -o "$tmp/$tarball"
  expected="$(curl -fsSL --retry 5 "https://go.dev/dl/?mode=json&include=all" \
    | jq -r --arg f "$tarball" '.[].files[] | select(.filename == $f) | .sha256' | head -n 1)"
  echo "${expected}  $tmp/$tarball" | sha256sum -c -
  rm -rf /usr/local/go
  tar -xzf "$tmp/$tarball" -C /usr/local
fi
cat >/etc/profile.d/sindri-go.sh <<'PROFILE'
export PATH="$PATH:/usr/local/go/bin"
PROFILE
chmod 0644 /etc/profile.d/sindri-go.sh

# Verify.
/usr/local/go/bin/go version

#!/usr/bin/env bash
# The Sindri CLI, pinned to build.sindri_version (SINDRI_VERSION), under /opt/sindri with its own Node.js.
set -euo pipefail

: "${SINDRI_VERSION:?SINDRI_VERSION must be set}"
NODE_MAJOR=24
PREFIX=/opt/sindri
NODE_DIR="$PREFIX/node"

case "$(uname -m)" in
  x86_64) node_arch=x64 ;;
  aarch64) node_arch=arm64 ;;
  *) echo "sindri: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

if [ ! -x "$NODE_DIR/bin/node" ] || ! "$NODE_DIR/bin/node" --version | grep -q "^v${NODE_MAJOR}\."; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  base="https://nodejs.org/dist/latest-v${NODE_MAJOR}.x"
  curl -fsSL --retry 5 "$base/SHASUMS256.txt" -o "$tmp/SHASUMS256.txt"
  tarball="$(grep -o "node-v[0-9.]*-linux-${node_arch}\.tar\.xz" "$tmp/SHASUMS256.txt" | head -n 1)"
  curl -fsSL --retry 5 "$base/$tarball" -o "$tmp/$tarball"
  (cd "$tmp" && grep " ${tarball}\$" SHASUMS256.txt | sha256sum -c -)
  rm -rf "$NODE_DIR"
  mkdir -p "$NODE_DIR"
  tar -xJf "$tmp/$tarball" -C "$NODE_DIR" --strip-components=1
fi

installed=""
if [ -x "$PREFIX/bin/sindri" ]; then
  installed="$("$PREFIX/bin/sindri" --version 2>/dev/null || true)"
fi
if ! printf '%s' "$installed" | grep -qF "$SINDRI_VERSION"; then
  PATH="$NODE_DIR/bin:$PATH" "$NODE_DIR/bin/npm" install --global --prefix "$PREFIX" \
    --no-fund --no-audit "sindri@${SINDRI_VERSION}"
fi

cat >/usr/local/bin/sindri <<WRAPPER
#!/bin/sh
PATH="$NODE_DIR/bin:\$PATH" exec "$PREFIX/bin/sindri" "\$@"
WRAPPER
chmod 0755 /usr/local/bin/sindri

# Verify: the pinned version answers.
/usr/local/bin/sindri --version | grep -qF "$SINDRI_VERSION"
echo "sindri: CLI ${SINDRI_VERSION} installed"

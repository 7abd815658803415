#!/usr/bin/env bash
# The Sindri CLI, pinned to build.sindri_version (SINDRI_VERSION), under /opt/sindri with its own
# Node.js. Node.js and npm come from the npm registry (the node-linux-<arch> and npm packages, which
# the `node` package on npm installs too) like the CLI itself, so the step needs that registry (or
# NPM_CONFIG_REGISTRY from build.environment, a mirror of it) and nothing else. CLI_NPM_SPEC, also from
# build.environment, installs another npm spec of the CLI (a tarball URL, say) in place of
# sindri@SINDRI_VERSION.
set -euo pipefail

: "${SINDRI_VERSION:?SINDRI_VERSION must be set}"
NODE_MAJOR=24
PREFIX=/opt/sindri
NODE_DIR="$PREFIX/node"
REGISTRY="${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}"
REGISTRY="${REGISTRY%/}"
# npm trusts the system's CA store, as curl and apt do (a registry mirror behind a company CA).
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt; fi

case "$(uname -m)" in
  x86_64) node_arch=x64 ;;
  aarch64) node_arch=arm64 ;;
  *) echo "sindri: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

# Downloads a package's tarball from the registry, checks its sha512 integrity and unpacks it into $3.
# $2 is a jq filter that picks the version from the package's metadata.
fetch_package() {
  local name="$1" pick="$2" dest="$3" meta version url integrity expected
  meta="$tmp/$name.json"
  curl -fsSL --retry 5 -H 'Accept: application/vnd.npm.install-v1+json' "$REGISTRY/$name" -o "$meta"
  version="$(jq -r --arg major "$NODE_MAJOR" "$pick" "$meta")"
  url="$(jq -r --arg v "$version" '.versions[$v].dist.tarball' "$meta")"
  integrity="$(jq -r --arg v "$version" '.versions[$v].dist.integrity' "$meta")"
  case "$integrity" in
    sha512-*) ;;
    *) echo "sindri: $name@$version has no sha512 integrity" >&2; return 1 ;;
  esac
  curl -fsSL --retry 5 "$url" -o "$tmp/$name.tgz"
  expected="$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')"
  echo "${expected}  $tmp/$name.tgz" | sha512sum -c - >/dev/null
  mkdir -p "$dest"
  tar -xzf "$tmp/$name.tgz" -C "$dest" --strip-components=1 --no-same-owner
  echo "sindri: $name $version from the npm registry"
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if [ ! -x "$NODE_DIR/bin/node" ] || ! "$NODE_DIR/bin/node" --version | grep -q "^v${NODE_MAJOR}\."; then
  rm -rf "$NODE_DIR"
  # The newest release of the major version.
  # shellcheck disable=SC2016 # $major is jq's variable
  fetch_package "node-linux-${node_arch}" \
    '[.versions | keys[] | select(test("^" + $major + "\\.[0-9]+\\.[0-9]+$"))] | sort_by(split(".") | map(tonumber)) | last' \
    "$NODE_DIR"
  fetch_package npm '."dist-tags".latest' "$NODE_DIR/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$NODE_DIR/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$NODE_DIR/bin/npx"
fi

installed=""
if [ -x "$PREFIX/bin/sindri" ]; then
  # The CLI's shebang finds node on PATH: its own, not whatever the image has (or lacks).
  installed="$(PATH="$NODE_DIR/bin:$PATH" "$PREFIX/bin/sindri" --version 2>/dev/null || true)"
fi
if ! printf '%s' "$installed" | grep -qF "$SINDRI_VERSION"; then
  spec="${CLI_NPM_SPEC:-sindri@${SINDRI_VERSION}}"
  # npm refuses tarball URLs ("remote" specs): fetch the tarball and install the file.
  case "$spec" in
    http://* | https://*)
      curl -fsSL --retry 5 "$spec" -o "$tmp/sindri-cli.tgz"
      spec="$tmp/sindri-cli.tgz"
      ;;
  esac
  PATH="$NODE_DIR/bin:$PATH" "$NODE_DIR/bin/npm" install --global --prefix "$PREFIX" \
    --registry "$REGISTRY/" --no-fund --no-audit --no-update-notifier "$spec"
else
  echo "sindri: CLI ${SINDRI_VERSION} already installed"
fi

cat >/usr/local/bin/sindri <<WRAPPER
#!/bin/sh
PATH="$NODE_DIR/bin:\$PATH" exec "$PREFIX/bin/sindri" "\$@"
WRAPPER
chmod 0755 /usr/local/bin/sindri

# Verify: the pinned version answers.
/usr/local/bin/sindri --version | grep -qF "$SINDRI_VERSION"
echo "sindri: CLI ${SINDRI_VERSION} installed"

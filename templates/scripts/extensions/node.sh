#!/usr/bin/env bash
# Extension "node": Node.js and npm, from NodeSource (upstream, Node.js 22) or the distribution's
# nodejs and npm (distro, its own major version).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
source="${SINDRI_EXTENSION_SOURCE_NODE:-upstream}"
NODE_MAJOR=22

case "$source" in
  upstream)
    if ! command -v node >/dev/null 2>&1 || ! node --version | grep -q "^v${NODE_MAJOR}\."; then
      install -m 0755 -d /etc/apt/keyrings
      curl -fsSL --retry 5 https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key \
        | gpg --dearmor --yes -o /etc/apt/keyrings/nodesource.gpg
      echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_${NODE_MAJOR}.x nodistro main" \
        >/etc/apt/sources.list.d/nodesource.list
      apt-get update -q
      apt-get install -y -q nodejs
    fi
    ;;
  distro) apt-get install -y -q --no-install-recommends nodejs npm ;;
  *) echo "node: unknown source \"$source\"" >&2; exit 1 ;;
esac

# Verify.
node --version
npm --version

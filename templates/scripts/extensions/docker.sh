#!/usr/bin/env bash
# Extension "docker": Docker Engine and the compose plugin, from Docker's apt repository (upstream) or
# the distribution's docker.io and Compose v2 (distro).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
source="${SINDRI_EXTENSION_SOURCE_DOCKER:-upstream}"

if ! command -v docker >/dev/null 2>&1; then
  case "$source" in
    upstream)
      install -m 0755 -d /etc/apt/keyrings
      # shellcheck source=/dev/null
      distro="$(. /etc/os-release && echo "$ID")"
      # shellcheck source=/dev/null
      codename="$(. /etc/os-release && echo "${UBUNTU_CODENAME:-$VERSION_CODENAME}")"
      curl -fsSL --retry 5 "https://download.docker.com/linux/${distro}/gpg" -o /etc/apt/keyrings/docker.asc
      chmod a+r /etc/apt/keyrings/docker.asc
      echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/${distro} ${codename} stable" \
        >/etc/apt/sources.list.d/docker.list
      apt-get update -q
      apt-get install -y -q docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin
      ;;
    distro)
      # Ubuntu packages Compose v2 as docker-compose-v2; Debian's docker-compose is Compose v2 itself.
      # Debian (and newer Ubuntu) ship the client apart from the engine, as docker-cli.
      packages=(docker.io docker-compose)
      if apt-cache show docker-compose-v2 >/dev/null 2>&1; then packages=(docker.io docker-compose-v2); fi
      if apt-cache show docker-cli >/dev/null 2>&1; then packages+=(docker-cli); fi
      apt-get install -y -q --no-install-recommends "${packages[@]}"
      ;;
    *) echo "docker: unknown source \"$source\"" >&2; exit 1 ;;
  esac
fi
# Without systemd (a container) there is no service to enable; on a VM a failure here fails the build.
if command -v systemctl >/dev/null 2>&1; then systemctl enable docker >/dev/null; fi

if [ -n "${SINDRI_SSH_USERNAME:-}" ] && [ "${SINDRI_SSH_USERNAME}" != "root" ]; then
  usermod -aG docker "${SINDRI_SSH_USERNAME}"
fi

# Verify.
docker --version
docker compose version

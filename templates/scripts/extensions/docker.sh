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
      # build.mirrors: the same repository from the mirror (its key is the same file).
      repo="${SINDRI_MIRROR_DOCKER_CE:-https://download.docker.com}/linux/${distro}"
      curl -fsSL --retry 5 "${repo}/gpg" -o /etc/apt/keyrings/docker.asc
      chmod a+r /etc/apt/keyrings/docker.asc
      echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] ${repo} ${codename} stable" \
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
# build.mirrors' registry mirror, saved for 85-mirrors-restore.sh like the other files it changes.
if [ -n "${SINDRI_MIRROR_DOCKER:-}" ]; then
  state=/var/lib/sindri/mirrors
  mkdir -p /etc/docker "$state/files/etc/docker" "$state/new/etc/docker"
  if [ -e /etc/docker/daemon.json ]; then
    [ -e "$state/files/etc/docker/daemon.json" ] || cp -a /etc/docker/daemon.json "$state/files/etc/docker/"
    jq --arg m "$SINDRI_MIRROR_DOCKER" '."registry-mirrors" = [$m]' /etc/docker/daemon.json >/etc/docker/daemon.json.new
    mv /etc/docker/daemon.json.new /etc/docker/daemon.json
  else
    : >"$state/new/etc/docker/daemon.json"
    jq -n --arg m "$SINDRI_MIRROR_DOCKER" '{"registry-mirrors": [$m]}' >/etc/docker/daemon.json
  fi
fi

# Without systemd (a container) there is no service to enable; on a VM a failure here fails the build.
if command -v systemctl >/dev/null 2>&1; then systemctl enable docker >/dev/null; fi

if [ -n "${SINDRI_SSH_USERNAME:-}" ] && [ "${SINDRI_SSH_USERNAME}" != "root" ]; then
  usermod -aG docker "${SINDRI_SSH_USERNAME}"
fi

# Verify.
docker --version
docker compose version

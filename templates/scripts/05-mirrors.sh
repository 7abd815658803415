#!/usr/bin/env bash
# Package mirrors for the build (build.mirrors): apt, yum/dnf, pip, npm and Docker use them while the
# image is provisioned. Every file changed is saved first under /var/lib/sindri/mirrors, so that
# 85-mirrors-restore.sh can put it back (build.mirrors_in_image: restore).
#   SINDRI_MIRROR_APT  an archive URL; "{distro}" stands for debian, debian-security or ubuntu
#   SINDRI_MIRROR_YUM  a base URL: "$base/centos", "$base/rockylinux"... replace the vendor's hosts
#   SINDRI_MIRROR_PIP, SINDRI_MIRROR_NPM  the index and the registry (also in the scripts' environment)
#   SINDRI_MIRROR_DOCKER  a registry mirror, written to /etc/docker/daemon.json by extensions/docker.sh
set -euo pipefail

if [ "${SINDRI_MIRRORS:-none}" = "none" ]; then
  echo "sindri: no package mirrors"
  exit 0
fi
state=/var/lib/sindri/mirrors
mkdir -p "$state/files" "$state/new"

# Saves a file once, before its first change: its content, or a note that it did not exist.
save() {
  local f=$1
  if [ -e "$state/files$f" ] || [ -e "$state/new$f" ]; then return 0; fi
  if [ -e "$f" ]; then
    mkdir -p "$state/files$(dirname "$f")"
    cp -a "$f" "$state/files$f"
  else
    mkdir -p "$state/new$(dirname "$f")"
    : >"$state/new$f"
  fi
}

# The archive URL of one distribution repository, or nothing when the mirror has none for it.
apt_mirror() {
  local repo=$1 url=${SINDRI_MIRROR_APT:-}
  if [ -z "$url" ]; then return 0; fi
  if [[ $url == *"{distro}"* ]]; then
    printf '%s' "${url//\{distro\}/$repo}"
  elif [ "$repo" != "debian-security" ]; then
    printf '%s' "$url"
  fi
}

changed=()
if [ -n "${SINDRI_MIRROR_APT:-}" ] && [ -d /etc/apt ]; then
  # Only the repositories the mirror has: a custom mirror without "{distro}" has no security archive.
  sec=$(apt_mirror debian-security)
  deb=$(apt_mirror debian)
  ubuntu=$(apt_mirror ubuntu)
  exprs=()
  if [ -n "$sec" ]; then
    exprs+=(-e "s#https?://(deb\.debian\.org|security\.debian\.org|mirrors(\.cloud)?\.aliyun(cs)?\.com)/debian-security#${sec}#g")
  fi
  if [ -n "$deb" ]; then
    exprs+=(-e "s#https?://(deb\.debian\.org|mirrors(\.cloud)?\.aliyun(cs)?\.com)/debian([[:space:]/]|\$)#${deb}\4#g")
  fi
  if [ -n "$ubuntu" ]; then
    exprs+=(-e "s#https?://(([a-z]{2}\.)?(archive|security)\.ubuntu\.com|mirrors(\.cloud)?\.aliyun(cs)?\.com)/ubuntu([[:space:]/]|\$)#${ubuntu}\6#g")
  fi
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    [ "${#exprs[@]}" -gt 0 ] || break
    after=$(sed -E "${exprs[@]}" "$f")
    if [ "$after" = "$(cat "$f")" ]; then continue; fi
    save "$f"
    printf '%s\n' "$after" >"$f"
    changed+=("$f")
  done
fi

if [ -n "${SINDRI_MIRROR_YUM:-}" ] && [ -d /etc/yum.repos.d ]; then
  for f in /etc/yum.repos.d/*.repo; do
    [ -f "$f" ] || continue
    grep -Eq 'mirrorlist=|mirror\.centos\.org|vault\.centos\.org|dl\.rockylinux\.org|repo\.almalinux\.org' "$f" || continue
    save "$f"
    sed -E -i \
      -e 's/^mirrorlist=/#mirrorlist=/' \
      -e 's/^metalink=/#metalink=/' \
      -e "s#^\#?baseurl=https?://(mirror|vault)\.centos\.org#baseurl=${SINDRI_MIRROR_YUM}/centos-vault#" \
      -e "s#^\#?baseurl=https?://dl\.rockylinux\.org/\\\$contentdir#baseurl=${SINDRI_MIRROR_YUM}/rockylinux#" \
      -e "s#^\#?baseurl=https?://repo\.almalinux\.org/almalinux#baseurl=${SINDRI_MIRROR_YUM}/almalinux#" \
      "$f"
    changed+=("$f")
  done
fi

# pip and npm read PIP_INDEX_URL and npm_config_registry from the scripts' environment; the image
# gets the files too, for keep.
if [ -n "${SINDRI_MIRROR_PIP:-}" ]; then
  save /etc/pip.conf
  host=$(printf '%s' "$SINDRI_MIRROR_PIP" | sed -E 's#^[a-z]+://([^/:]+).*#\1#')
  printf '[global]\nindex-url = %s\ntrusted-host = %s\n' "$SINDRI_MIRROR_PIP" "$host" >/etc/pip.conf
  changed+=(/etc/pip.conf)
fi
if [ -n "${SINDRI_MIRROR_NPM:-}" ]; then
  save /etc/profile.d/sindri-mirrors.sh
  printf 'export npm_config_registry=%s\n' "$SINDRI_MIRROR_NPM" >/etc/profile.d/sindri-mirrors.sh
  changed+=(/etc/profile.d/sindri-mirrors.sh)
fi

printf '%s\n' "${changed[@]}" >"$state/changed"
echo "sindri: package mirrors ($SINDRI_MIRRORS) in ${#changed[@]} files${changed[*]:+: ${changed[*]}}"

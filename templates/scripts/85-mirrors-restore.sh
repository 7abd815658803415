#!/usr/bin/env bash
# build.mirrors_in_image: restore. Puts back every file 05-mirrors.sh (and extensions/docker.sh)
# changed, and removes the ones they created, so the image uses its distribution's own sources.
set -euo pipefail

state=/var/lib/sindri/mirrors
if [ ! -d "$state" ]; then
  echo "sindri: no package mirrors to restore"
  exit 0
fi
restored=0
if [ -d "$state/files" ]; then
  while IFS= read -r -d '' saved; do
    f=${saved#"$state/files"}
    cat "$saved" >"$f"
    restored=$((restored + 1))
  done < <(find "$state/files" -type f -print0)
fi
if [ -d "$state/new" ]; then
  while IFS= read -r -d '' note; do
    rm -f -- "${note#"$state/new"}"
    restored=$((restored + 1))
  done < <(find "$state/new" -type f -print0)
fi
rm -rf "$state"
rmdir /var/lib/sindri 2>/dev/null || true
# apt's lists still name the mirror; the clean-up (or the first apt-get update) replaces them.
echo "sindri: restored the image's own package sources ($restored files)"

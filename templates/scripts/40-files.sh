#!/usr/bin/env bash
# Moves the files uploaded to the staging directory (build.files) to their destinations, as root.
set -euo pipefail

staging="${SINDRI_STAGING:-/tmp/sindri-upload}"
count="${SINDRI_FILE_COUNT:-0}"
for ((i = 0; i < count; i++)); do
  dest_var="SINDRI_FILE_${i}_DEST"
  kind_var="SINDRI_FILE_${i}_KIND"
  dest="${!dest_var:?}"
  src="$staging/$i"
  if [ "${!kind_var:-file}" = "dir" ]; then
    mkdir -p -- "$dest"
    cp -R --preserve=mode,timestamps -- "$src/." "$dest/"
    chown -R root:root -- "$dest"
  else
    mkdir -p -- "$(dirname -- "$dest")"
    cp --preserve=mode,timestamps -- "$src" "$dest"
    chown root:root -- "$dest"
  fi
  # Verify: the destination exists.
  test -e "$dest"
  echo "sindri: placed build.files[$i]"
done
rm -rf -- "$staging"

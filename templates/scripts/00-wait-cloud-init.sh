#!/usr/bin/env bash
# Wait until cloud-init has finished its first boot, so apt and the network are ready, and prepare
# the staging directory that file uploads go to.
set -euo pipefail

if command -v cloud-init >/dev/null 2>&1; then
  echo "sindri: waiting for cloud-init"
  # "cloud-init status --wait" exits 2 for "done with recoverable errors"; that is not fatal here.
  cloud-init status --wait >/dev/null 2>&1 || true
fi

# Another apt process (unattended-upgrades on first boot) holds the dpkg lock for a while. Without
# fuser (psmisc) there is no such process to wait for: minimal images have neither.
for _ in $(seq 1 60); do
  if ! command -v fuser >/dev/null 2>&1 || ! fuser /var/lib/dpkg/lock-frontend >/dev/null 2>&1; then
    break
  fi
  echo "sindri: waiting for the dpkg lock"
  sleep 5
done

staging="${SINDRI_STAGING:-/tmp/sindri-upload}"
count="${SINDRI_FILE_COUNT:-0}"
if [ "$count" -gt 0 ]; then
  install -d -m 0700 -o "${SINDRI_SSH_USERNAME:-root}" "$staging"
  for ((i = 0; i < count; i++)); do
    kind_var="SINDRI_FILE_${i}_KIND"
    if [ "${!kind_var:-file}" = "dir" ]; then
      install -d -m 0700 -o "${SINDRI_SSH_USERNAME:-root}" "$staging/$i"
    fi
  done
fi
echo "sindri: instance ready"

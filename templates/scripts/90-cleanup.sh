#!/usr/bin/env bash
# Last step before the image is taken: remove what belongs to this build instance, not to the image.
set -euo pipefail

user="${SINDRI_SSH_USERNAME:-root}"
home_of() { getent passwd "$1" | cut -d: -f6; }

export DEBIAN_FRONTEND=noninteractive
apt-get -y -q autoremove --purge >/dev/null || true
apt-get -y -q clean

# Staging directory and the build's temporary files.
rm -rf -- "${SINDRI_STAGING:-/tmp/sindri-upload}" /tmp/sindri-* /var/tmp/sindri-*

if [ "${SINDRI_CLEAN_SENSITIVE_DATA:-1}" = "1" ]; then
  # Caches and credentials tools may have left behind.
  for h in /root "$(home_of "$user")"; do
    if [ -z "$h" ] || [ ! -d "$h" ]; then continue; fi
    rm -rf -- "$h/.cache" "$h/.npm" "$h/.config/gcloud" "$h/.aliyun" "$h/.docker/config.json" \
      "$h/.wget-hsts" "$h/.lesshst" "$h/.viminfo"
  done
  rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
fi

# Shell history, for every account with a home directory.
for h in /root /home/*; do
  [ -d "$h" ] || continue
  rm -f -- "$h/.bash_history" "$h/.zsh_history" "$h/.python_history" "$h/.node_repl_history"
done
unset HISTFILE

# Logs: truncate rather than delete, so services keep their file handles and permissions.
find /var/log -type f \( -name '*.gz' -o -name '*.[0-9]' -o -name '*.old' \) -delete
find /var/log -type f -exec truncate -s 0 {} +
if command -v journalctl >/dev/null 2>&1; then
  journalctl --rotate >/dev/null 2>&1 || true
  journalctl --vacuum-time=1s >/dev/null 2>&1 || true
fi

# Machine identity: a fresh machine-id and cloud-init run on first boot of every instance.
truncate -s 0 /etc/machine-id
# D-Bus keeps its own copy where it is installed.
if [ -d /var/lib/dbus ]; then
  rm -f /var/lib/dbus/machine-id
  ln -sf /etc/machine-id /var/lib/dbus/machine-id
fi
if command -v cloud-init >/dev/null 2>&1; then
  cloud-init clean --logs
fi

if [ "${SINDRI_REMOVE_SSH_KEYS:-1}" = "1" ]; then
  # Host keys are regenerated at first boot (cloud-init's ssh module). The build's own session stays
  # open: sshd has already authenticated it, and nothing here restarts sshd.
  rm -f /etc/ssh/ssh_host_*
  for h in /root "$(home_of "$user")"; do
    if [ -z "$h" ] || [ ! -d "$h/.ssh" ]; then continue; fi
    rm -f -- "$h/.ssh/authorized_keys" "$h/.ssh/known_hosts"
  done
fi

sync
# Verify: nothing of this instance's identity is left.
test ! -s /etc/machine-id
if [ "${SINDRI_REMOVE_SSH_KEYS:-1}" = "1" ] && compgen -G '/etc/ssh/ssh_host_*' >/dev/null; then
  echo "sindri: SSH host keys remain" >&2
  exit 1
fi
echo "sindri: cleanup done"

#!/usr/bin/env bash
# Extension "monitoring": Prometheus node exporter and a log shipping agent (Fluent Bit from Ubuntu).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt-get install -y -q --no-install-recommends prometheus-node-exporter
if ! command -v fluent-bit >/dev/null 2>&1 && [ ! -x /opt/fluent-bit/bin/fluent-bit ]; then
  install -m 0755 -d /etc/apt/keyrings
  curl -fsSL --retry 5 https://packages.fluentbit.io/fluentbit.key \
    | gpg --dearmor --yes -o /etc/apt/keyrings/fluentbit.gpg
  # shellcheck source=/dev/null
  distro="$(. /etc/os-release && echo "$ID")"
  # shellcheck source=/dev/null
  codename="$(. /etc/os-release && echo "${UBUNTU_CODENAME:-$VERSION_CODENAME}")"
  echo "deb [signed-by=/etc/apt/keyrings/fluentbit.gpg] https://packages.fluentbit.io/${distro}/${codename} ${codename} main" \
    >/etc/apt/sources.list.d/fluent-bit.list
  apt-get update -q
  apt-get install -y -q fluent-bit
fi
# Without systemd (a container) there is no service to enable; on a VM a failure here fails the build.
if command -v systemctl >/dev/null 2>&1; then
  systemctl enable prometheus-node-exporter >/dev/null
  systemctl enable fluent-bit >/dev/null
fi

# Verify.
prometheus-node-exporter --version
/opt/fluent-bit/bin/fluent-bit --version

#!/usr/bin/env bash
# Base set-up: package updates and the packages every Sindri image has.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

apt-get update -q
apt-get "${APT_OPTS[@]}" upgrade
apt-get "${APT_OPTS[@]}" install --no-install-recommends \
  ca-certificates curl gnupg lsb-release jq unzip xz-utils git rsync

# Verify: the tools later scripts rely on.
for tool in curl gpg jq git unzip xz; do
  command -v "$tool" >/dev/null
done
echo "sindri: base packages installed"

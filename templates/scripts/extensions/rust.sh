#!/usr/bin/env bash
# Extension "rust": the stable Rust toolchain through rustup, system-wide under /opt/rust.
set -euo pipefail
export RUSTUP_HOME=/opt/rust/rustup
export CARGO_HOME=/opt/rust/cargo
export DEBIAN_FRONTEND=noninteractive

apt-get install -y -q --no-install-recommends build-essential pkg-config
if [ ! -x "$CARGO_HOME/bin/rustup" ]; then
  curl --proto '=https' --tlsv1.2 -fsSL --retry 5 https://sh.rustup.rs -o /tmp/sindri-rustup-init.sh
  sh /tmp/sindri-rustup-init.sh -y --no-modify-path --profile minimal --default-toolchain stable
  rm -f /tmp/sindri-rustup-init.sh
else
  "$CARGO_HOME/bin/rustup" update stable
fi
cat >/etc/profile.d/sindri-rust.sh <<'PROFILE'
export RUSTUP_HOME=/opt/rust/rustup
export CARGO_HOME=/opt/rust/cargo
export PATH="$PATH:/opt/rust/cargo/bin"
PROFILE
chmod 0644 /etc/profile.d/sindri-rust.sh

# Verify.
"$CARGO_HOME/bin/rustc" --version
"$CARGO_HOME/bin/cargo" --version

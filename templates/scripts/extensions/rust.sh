#!/usr/bin/env bash
# Extension "rust": the stable Rust toolchain through rustup, system-wide under /opt/rust (upstream),
# or the distribution's rustc and cargo (distro).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
source="${SINDRI_EXTENSION_SOURCE_RUST:-upstream}"
export RUSTUP_HOME=/opt/rust/rustup
export CARGO_HOME=/opt/rust/cargo

apt-get install -y -q --no-install-recommends build-essential pkg-config
case "$source" in
  upstream) ;;
  distro)
    apt-get install -y -q --no-install-recommends rustc cargo
    # Verify.
    rustc --version
    cargo --version
    exit 0
    ;;
  *) echo "rust: unknown source \"$source\"" >&2; exit 1 ;;
esac

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

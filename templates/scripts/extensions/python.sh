#!/usr/bin/env bash
# Extension "python": Python 3 with pip and venv, the distribution's packages (its only source).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt-get install -y -q --no-install-recommends python3 python3-pip python3-venv python3-dev

# Verify: the interpreter, pip, and that a venv can be created.
python3 --version
python3 -m pip --version
probe="$(mktemp -d)"
python3 -m venv "$probe/venv"
rm -rf "$probe"

#!/usr/bin/env bash
# Extension "java": OpenJDK 21, the distribution's package (its only source).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

apt-get install -y -q --no-install-recommends openjdk-21-jdk-headless

# Verify.
java -version
javac -version

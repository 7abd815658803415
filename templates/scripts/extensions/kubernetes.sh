#!/usr/bin/env bash
# Extension "kubernetes": kubectl from the Kubernetes apt repository and helm from its apt repository.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
K8S_MINOR="${SINDRI_KUBERNETES_MINOR:-v1.33}"

install -m 0755 -d /etc/apt/keyrings
if ! command -v kubectl >/dev/null 2>&1; then
  curl -fsSL --retry 5 "https://pkgs.k8s.io/core:/stable:/${K8S_MINOR}/deb/Release.key" \
    | gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
  echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/${K8S_MINOR}/deb/ /" \
    >/etc/apt/sources.list.d/kubernetes.list
fi
if ! command -v helm >/dev/null 2>&1; then
  curl -fsSL --retry 5 https://baltocdn.com/helm/signing.asc \
    | gpg --dearmor --yes -o /etc/apt/keyrings/helm.gpg
  echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/helm.gpg] https://baltocdn.com/helm/stable/debian/ all main" \
    >/etc/apt/sources.list.d/helm-stable-debian.list
fi
if ! command -v kubectl >/dev/null 2>&1 || ! command -v helm >/dev/null 2>&1; then
  apt-get update -q
  apt-get install -y -q kubectl helm
fi

# Verify.
kubectl version --client
helm version --short

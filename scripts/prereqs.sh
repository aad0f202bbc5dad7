#!/usr/bin/env bash
# What the tests need beyond Node: the pod sandbox (unshare, ip, nft), test certificates (openssl), the stand-in's
# second client (Debian's AWS CLI at /usr/bin/aws), the TUI's real-terminal test (tmux) and the manifests' render
# test (kubectl). As root, missing pieces are installed with apt-get; otherwise this says exactly what to install
# and exits 2.
set -euo pipefail

# command (or absolute path) -> Debian package
checks=(
  "unshare:util-linux"
  "ip:iproute2"
  "nft:nftables"
  "openssl:openssl"
  "/usr/bin/aws:awscli"
  "tmux:tmux"
  "kubectl:kubernetes-client"
)

have() {
  case "$1" in
    /*) [ -x "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] ;;
  esac
}

missing_cmds=()
missing_pkgs=()
for entry in "${checks[@]}"; do
  cmd="${entry%%:*}"
  pkg="${entry#*:}"
  if ! have "$cmd"; then
    missing_cmds+=("$cmd")
    missing_pkgs+=("$pkg")
  fi
done

if [ "${#missing_pkgs[@]}" -eq 0 ]; then
  echo "prereqs: ok (unshare, ip, nft, openssl, /usr/bin/aws, tmux, kubectl)"
  exit 0
fi

echo "prereqs: missing ${missing_cmds[*]} (Debian packages: ${missing_pkgs[*]})"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "prereqs: installing with apt-get: ${missing_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}"
  still=()
  for cmd in "${missing_cmds[@]}"; do have "$cmd" || still+=("$cmd"); done
  if [ "${#still[@]}" -gt 0 ]; then
    echo "prereqs: still missing after apt-get: ${still[*]}" >&2
    exit 2
  fi
  echo "prereqs: ok"
  exit 0
fi

echo "prereqs: not root, so nothing was installed. Install them with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y ${missing_pkgs[*]}" >&2
exit 2

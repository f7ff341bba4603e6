#!/usr/bin/env bash
# Debian packages the cockpit needs: a CJK font (charts and exports show Chinese, never boxes),
# chromium and its driver (browser tests, chart export), poppler (PDF checks in tests), nginx (the reverse proxy in
# front of several server processes, docs/deploy.md, and its browser test; only the binary is used: the launcher runs
# it as the user with its own configuration, the system service is left alone).
# Installs only what is missing, so a second run costs nothing.
set -euo pipefail
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(fonts-noto-cjk chromium chromium-driver poppler-utils nginx)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
# Debian starts nginx's own service (the default site on port 80) when it installs the package on a machine run by
# systemd. The cockpit never uses that service: when this script has just installed nginx, it stops and disables it.
if [[ " ${missing[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null && systemctl is-enabled --quiet nginx 2>/dev/null; then
  $sudo systemctl disable --now nginx || true
fi

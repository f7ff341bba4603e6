#!/usr/bin/env bash
# Debian packages the cockpit needs: a CJK font (charts and exports show Chinese, never boxes),
# chromium and its driver (browser tests, chart export), poppler (PDF checks in tests).
# Installs only what is missing, so a second run costs nothing.
set -euo pipefail
packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(fonts-noto-cjk chromium chromium-driver poppler-utils)
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

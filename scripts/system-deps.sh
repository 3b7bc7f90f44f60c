#!/usr/bin/env bash
# Install the Debian packages Sala needs, only those missing. Usage: system-deps.sh run|test
set -euo pipefail
run_pkgs="fonts-khmeros fonts-symbola fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
# orca ... x11-utils: the screen-reader tests (tests/browser/screenreader/) run GNOME Orca over Chromium on Xvfb
sr_pkgs="orca xvfb xdotool dbus-x11 at-spi2-core speech-dispatcher speech-dispatcher-espeak-ng espeak-ng python3-pyatspi x11-utils"
# wrk: HTTP load for `make bench` (bench/serve.py)
test_pkgs="$run_pkgs chromium poppler-utils wrk $sr_pkgs"
case "${1:-run}" in
  run) pkgs=$run_pkgs ;;
  test) pkgs=$test_pkgs ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
missing=()
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

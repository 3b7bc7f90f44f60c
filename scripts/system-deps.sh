#!/usr/bin/env bash
# Install the Debian packages Sala needs, only those missing. Usage: system-deps.sh run|test
set -euo pipefail
# libicu-dev pkg-config g++: PyICU (Khmer word breaks, lms/segmentation.py) is built against the system ICU
# libpq-dev: psycopg2, the PostgreSQL driver, is built against the system's libpq
run_pkgs="libicu-dev pkg-config g++ libpq-dev fonts-khmeros fonts-symbola fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"
# orca ... x11-utils: the screen-reader tests (tests/browser/screenreader/) run GNOME Orca over Chromium on Xvfb
sr_pkgs="orca xvfb xdotool dbus-x11 at-spi2-core speech-dispatcher speech-dispatcher-espeak-ng espeak-ng python3-pyatspi x11-utils"
# postgresql-client: pg_dump and pg_restore, for `lms backup`/`lms restore` on PostgreSQL and their test
# nginx: the two-app-servers deployment test (tests/functional/test_deploy_nginx.py); wrk: make bench
test_pkgs="$run_pkgs chromium poppler-utils postgresql-client nginx wrk $sr_pkgs"
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

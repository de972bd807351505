#!/usr/bin/env bash
# One entry point for a fresh Debian machine (run as root):
#   scripts/setup.sh demo   install everything, then start the kiosk in demo mode
#   scripts/setup.sh test   install everything, then run the whole test suite
#   scripts/setup.sh install   only install
# Installing is idempotent: a second run skips what is already there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
venv="${KIOSK_VENV:-$here/.venv}"

apt_packages=(
  # build of pyscard and the Python venv
  gcc swig libpcsclite-dev python3-venv python3-dev
  # Qt on xcb / offscreen, fonts for Chinese
  xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0 libegl1 libgl1
  libglib2.0-0 libfontconfig1 libdbus-1-3 libxcb-randr0 libxcb-render-util0 libxcb-shape0
  libxcb-xinerama0 libxcb-image0 libxkbcommon0
  fonts-wqy-microhei fonts-wqy-zenhei
  # voice prompts
  espeak-ng
  # PC/SC stack with a virtual reader (vpcd is for development and tests only)
  pcscd pcsc-tools vsmartcard-vpcd
  # A4 spooler with a PDF printer, PDF tools, serial pty tools
  cups cups-client cups-bsd cups-ipp-utils printer-driver-cups-pdf poppler-utils socat
  # process inspection for the soak test
  procps
)

install_system() {
  local missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo ">> apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_python() {
  local py="${PYTHON:-python3}"
  if [ ! -x "$venv/bin/python" ]; then
    echo ">> creating $venv"
    "$py" -m venv "$venv"
  fi
  local stamp="$venv/.kiosk-installed"
  if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo ">> pip install -e .[dev]"
    "$venv/bin/python" -m pip install -q --upgrade pip wheel setuptools
    "$venv/bin/python" -m pip install -q -e ".[dev]"
    touch "$stamp"
  fi
  # Byte-compile the project once (an editable install does not), so the kiosk starts fast;
  # loading the translations and the config profiles once writes their parsed-TOML caches
  # (kiosk/tomlcache.py) the same way.
  "$venv/bin/python" -m compileall -q kiosk platform_server >/dev/null
  "$venv/bin/python" -c "import kiosk.i18n; from kiosk.config import load_config as l; [l(p, env={}) for p in ('demo', 'production')]" >/dev/null
}

run_demo() {
  # The demo profile starts the reference platform and all simulators itself.
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo ">> no display: running the kiosk on a virtual X screen (xvfb-run)"
    exec xvfb-run -a -s "-screen 0 1920x1080x24" "$venv/bin/python" run_kiosk.py --profile demo "$@"
  fi
  exec "$venv/bin/python" run_kiosk.py --profile demo "$@"
}

run_tests() {
  export QT_QPA_PLATFORM=offscreen
  "$venv/bin/python" -m ruff check .
  "$venv/bin/python" -m mypy kiosk
  exec "$venv/bin/python" -m pytest "$@"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  install) install_system; install_python ;;
  demo) install_system; install_python; run_demo "$@" ;;
  test) install_system; install_python; run_tests "$@" ;;
  *) echo "usage: scripts/setup.sh demo|test|install" >&2; exit 2 ;;
esac

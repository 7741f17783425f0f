#!/usr/bin/env bash
# Installs what `make run` and `make test` need and is missing: Debian packages, .venv (the project and its
# dev tools) and .venv-uno (unoserver on Debian's python3, which is the interpreter python3-uno belongs to).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libreoffice-writer-nogui libreoffice-calc-nogui fonts-liberation2 poppler-utils qpdf python3-uno python3-venv
              softhsm2 opensc)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "install-deps: preparing .venv"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi

# unoserver must run on the interpreter python3-uno was built for: Debian's /usr/bin/python3.
if [ ! -f .venv-uno/.installed ]; then
  echo "install-deps: preparing .venv-uno (unoserver on /usr/bin/python3)"
  [ -x .venv-uno/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv-uno
  .venv-uno/bin/python -m pip install -q 'unoserver>=2.2'
  .venv-uno/bin/python -c 'import uno, unoserver'
  touch .venv-uno/.installed
fi

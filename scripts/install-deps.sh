#!/usr/bin/env bash
# Installs what `make run` and `make test` need and is missing: Debian packages (LibreOffice and python3-uno,
# which service/adapters/office_server.py runs on: Debian's /usr/bin/python3), .venv (the project and its dev tools) and the
# web app (web/node_modules from the committed package-lock.json, built into web/dist when its sources changed).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libreoffice-writer-nogui libreoffice-calc-nogui fonts-liberation2 poppler-utils qpdf python3-uno python3-venv
              libjemalloc2 softhsm2 opensc chromium)
# node and npm build the web app; Debian's, unless the machine already has a node of its own
command -v node >/dev/null && command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
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

# LibreOffice's server runs on the interpreter python3-uno was built for: Debian's /usr/bin/python3.
/usr/bin/python3 -c 'import uno' || { echo "install-deps: /usr/bin/python3 cannot import uno (python3-uno)" >&2; exit 1; }

# The web app: npm ci when the lock file changed, a build when any source changed (nothing built is committed).
if [ ! -f web/node_modules/.installed ] || [ web/package-lock.json -nt web/node_modules/.installed ]; then
  echo "install-deps: npm ci (web/)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  touch web/node_modules/.installed
fi
if [ ! -f web/dist/index.html ] || [ -n "$(find web/src web/index.html web/package-lock.json web/vite.config.ts web/tsconfig.json -newer web/dist/index.html -print -quit)" ]; then
  echo "install-deps: building the web app (web/dist)"
  (cd web && npm run build --silent)
fi

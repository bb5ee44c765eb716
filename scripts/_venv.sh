# Sourced by scripts/*.sh: create .venv with Python >= 3.11 and install the project into it.
# Reinstalls only when pyproject.toml changes.
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Python >= 3.11 is required (found: $("$PY" --version 2>&1))" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating virtualenv in .venv"
  "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> Installing dependencies (pip install -e '.[dev]')"
  python -m pip install --quiet --upgrade pip
  python -m pip install --quiet -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

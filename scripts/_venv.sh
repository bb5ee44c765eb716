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
stamp=.venv/.installed-$(python -c 'import hashlib; print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest()[:16])')
if [ ! -f "$stamp" ]; then
  echo "==> Installing dependencies (pip install -e '.[dev]')"
  # (grep drops this machine's harmless "Location ... is ignored" pip warnings)
  { python -m pip install --quiet --upgrade pip 2>&1 \
      && python -m pip install --quiet -e ".[dev]" 2>&1; } | { grep -v "^WARNING: Location" || true; }
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "pip install failed" >&2; exit 1; }
  rm -f .venv/.installed-*
  touch "$stamp"
fi

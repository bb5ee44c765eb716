# Sourced by scripts/start.sh and scripts/manage.sh: the local, production-like environment
# (DEBUG off, plain HTTP on localhost, a secret key generated once into var/secret_key).
mkdir -p var
if [ ! -s var/secret_key ]; then
  python -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
  chmod 600 var/secret_key
fi
export SECRET_KEY="${SECRET_KEY:-$(cat var/secret_key)}"
export DEBUG="${DEBUG:-0}" HTTPS="${HTTPS:-0}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
# Workflow e-mails are printed on the console here; production sets EMAIL_HOST (SMTP).
export EMAIL_BACKEND="${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend}"
# Production needs REDIS_URL (shared rate-limit counts); on one machine without Redis the
# quick start shares them through files under var/cache instead.
if [ -z "${REDIS_URL:-}" ]; then export LOCAL_CACHE="${LOCAL_CACHE:-1}"; fi

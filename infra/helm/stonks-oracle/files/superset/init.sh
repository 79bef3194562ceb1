#!/bin/sh
# Superset's start-up steps, run by the chart's superset-init init
# container before the web server starts. Each step is safe to repeat.
set -eu

superset db upgrade

# Reports "already exists" and succeeds when the admin is there.
superset fab create-admin \
    --username "$SUPERSET_ADMIN_USER" \
    --firstname Superset --lastname Admin \
    --email "$SUPERSET_ADMIN_EMAIL" \
    --password "$SUPERSET_ADMIN_PASSWORD"

superset init

# The connection to Trino's lakehouse catalog (created, or updated in place).
superset set-database-uri -d "$SUPERSET_TRINO_DATABASE_NAME" \
    -u "$SUPERSET_TRINO_URI"

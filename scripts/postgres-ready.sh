#!/usr/bin/env bash
# Makes ready the PostgreSQL server that the store's tests use: the one
# DATABASE_URL names, else postgres://postgres@127.0.0.1:5432/test.
#
# With the default address: a stopped local cluster is started; a machine
# without PostgreSQL gets it from Debian's packages, set to trust local
# connections (it serves tests on loopback only); the database `test` is
# made when missing. Exits non-zero when the server still does not answer:
# a missing database is a failure, never a reason to skip tests.
set -euo pipefail

DEFAULT_URL="postgres://postgres@127.0.0.1:5432/test"
URL="${DATABASE_URL:-$DEFAULT_URL}"

answers() {
    command -v pg_isready >/dev/null 2>&1 && pg_isready -q -d "$URL"
}

# The server takes connections and the database is there.
usable() {
    psql "$URL" -Atqc 'SELECT 1' >/dev/null 2>&1
}

if usable; then
    exit 0
fi
if [ "$URL" != "$DEFAULT_URL" ]; then
    echo "postgres-ready: PostgreSQL at DATABASE_URL=$URL cannot be used" >&2
    exit 1
fi

if ! answers; then
    installed_here=false
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
        echo "postgres-ready: PostgreSQL is missing: installing it" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        installed_here=true
    fi
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    if [ "$installed_here" = true ]; then
        # Tests connect over loopback as postgres without a password.
        hba="/etc/postgresql/$version/main/pg_hba.conf"
        sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    fi
    echo "postgres-ready: starting PostgreSQL $version" >&2
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
        if answers; then break; fi
        sleep 1
    done
fi
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atqc \
    "SELECT 1 FROM pg_database WHERE datname = 'test'" 2>/dev/null | grep -q 1; then
    psql -h 127.0.0.1 -U postgres -d postgres -qc 'CREATE DATABASE test' || true
fi
if ! usable; then
    echo "postgres-ready: PostgreSQL at $URL cannot be used" >&2
    exit 1
fi

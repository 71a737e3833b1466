#!/bin/sh
# One role and one database per service, each owned by its service's role and closed to every
# other role: no service can read another's tables. Run by the postgres image on first start
# (mounted into /docker-entrypoint-initdb.d/); safe to run again when a service is added:
#
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-databases.sh
#
# SERVICE_DATABASES lists the databases ("referral assessment"); each NAME needs the variable
# NAME_DB_PASSWORD (upper case), which the same service's DATABASE_URL carries.
set -eu

: "${SERVICE_DATABASES:?list the service databases, e.g. \"referral assessment\"}"

for name in $SERVICE_DATABASES; do
  case "$name" in
    *[!a-z0-9_]* | "") echo "database name '$name' must be lower-case letters, digits, _" >&2; exit 1 ;;
  esac
  variable="$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable" || true)"
  if [ -z "$password" ]; then
    echo "$variable is not set" >&2
    exit 1
  fi
  # psql variables quote the password (:'password') so no value can break out of the SQL.
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
ALTER ROLE :"name" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"name" TO :"name";
SQL
  echo "database $name ready for role $name"
done

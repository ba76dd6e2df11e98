#!/bin/sh
# Runs once, when the PostgreSQL container initialises an empty volume (docker-entrypoint-initdb.d),
# as the image's superuser. The two roles of docs/operations.md, "Two roles":
#   soudan_owner  owns the database; runs migrations (the migrate service); no superuser, no CREATEROLE
#   soudan_app    NOLOGIN: the privileges the bot has (granted by the migrations)
#   soudan_bot    LOGIN, member of soudan_app: what the web and scheduler services connect as
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_pw="$SOUDAN_OWNER_PASSWORD" -v bot_pw="$SOUDAN_BOT_PASSWORD" <<'SQL'
CREATE ROLE soudan_owner LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'owner_pw';
CREATE ROLE soudan_app NOLOGIN;
CREATE ROLE soudan_bot LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD :'bot_pw' IN ROLE soudan_app;
-- C.UTF-8: pg_trgm indexes kanji and kana only under a UTF-8 ctype.
CREATE DATABASE soudan OWNER soudan_owner TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8';
SQL

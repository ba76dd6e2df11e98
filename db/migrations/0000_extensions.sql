-- pg_trgm backs fuzzy person search (name and kana, partial); pgcrypto is not needed:
-- gen_random_uuid() is built into PostgreSQL 13+.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

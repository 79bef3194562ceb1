-- The symbol registry's API and the read API (issue 7).
--
-- Company names are unique whatever their case (the API also keeps a
-- name alias from naming two companies; aliases of one company may
-- differ only in case, as "Qualcomm" and "QUALCOMM" do, because the
-- parser matches them case-sensitively).
CREATE UNIQUE INDEX symbols_name_lower ON symbols (lower(name));
CREATE INDEX symbol_aliases_lower ON symbol_aliases (lower(alias));
CREATE INDEX symbol_aliases_ticker ON symbol_aliases (ticker);

-- Every change made through the registry API: the symbol as it became.
-- Symbols are never deleted (DELETE deactivates), so history stays.
CREATE TABLE symbol_events (
    id          bigserial PRIMARY KEY,
    ticker      text NOT NULL REFERENCES symbols (ticker),
    action      text NOT NULL
                CHECK (action IN ('create', 'update', 'deactivate', 'import')),
    detail      json NOT NULL,
    request_id  text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX symbol_events_ticker ON symbol_events (ticker, id);

-- Bumped by every change of symbols or aliases, whoever makes it (the
-- API, `stonks seed`, a person with psql): long-running services compare
-- it with the value they loaded to know when to reload the registry.
-- A sequence, so that concurrent writers never wait on each other; a
-- rolled-back change may bump it too, which only causes a spare reload.
CREATE SEQUENCE registry_version;

CREATE FUNCTION registry_version_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('registry_version');
    RETURN NULL;
END
$$;

CREATE TRIGGER symbols_version AFTER INSERT OR UPDATE OR DELETE
    ON symbols FOR EACH ROW EXECUTE FUNCTION registry_version_bump();
CREATE TRIGGER symbol_aliases_version AFTER INSERT OR UPDATE OR DELETE
    ON symbol_aliases FOR EACH ROW EXECUTE FUNCTION registry_version_bump();

-- An instant as the APIs show it: ISO 8601 in UTC, to the second
-- ("2011-09-01T13:30:00Z"), whatever the session's time zone.
CREATE FUNCTION api_ts(t timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- Keyset pages of the read API: documents newest first.
CREATE INDEX documents_published ON documents (published_at, id);

-- The keys the registry's conflict check (reg_conflict) looks stored
-- names and aliases up by, so that each write reads the few rows that
-- may clash instead of every row: an import of 5,000 symbols had spent
-- most of its two minutes reading both tables whole for each row.
--
-- name_key: the ASCII letters and digits of a name or alias in lower
-- case. Two texts the parser reads as one phrase (mention_phrase_key)
-- always have the same name_key; the check compares the few rows that
-- share one exactly, in C.
CREATE FUNCTION name_key(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(regexp_replace(t, '[^A-Za-z0-9]+', '', 'g')) $$;

CREATE INDEX symbols_name_key ON symbols (name_key(name));
CREATE INDEX symbol_aliases_name_key ON symbol_aliases (name_key(alias))
    WHERE kind = 'name';

-- A name or alias written as a ticker ("BRK-B" is BRK.B): the check
-- compares translate(x, '-/', '..') with tickers.
CREATE INDEX symbols_name_as_ticker ON symbols (translate(name, '-/', '..'));
CREATE INDEX symbol_aliases_as_ticker
    ON symbol_aliases (translate(alias, '-/', '..')) WHERE kind = 'name';

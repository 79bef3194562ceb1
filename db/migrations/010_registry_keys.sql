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

-- phrase_symbol: a name or alias as the symbol it may be written as,
-- compared with tickers: without the blanks and punctuation around it,
-- '-' and '/' read as '.' ("(BRK-B)." is BRK.B), as the parser reads
-- it (mention_phrase_symbol), so "AAPL." cannot be another symbol's
-- alias.
CREATE FUNCTION phrase_symbol(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT translate(regexp_replace(t,
    '^[[:space:][:punct:]]+|[[:space:][:punct:]]+$', '', 'g'), '-/', '..') $$;

CREATE INDEX symbols_name_symbol ON symbols (phrase_symbol(name));
CREATE INDEX symbol_aliases_phrase_symbol
    ON symbol_aliases (phrase_symbol(alias)) WHERE kind = 'name';

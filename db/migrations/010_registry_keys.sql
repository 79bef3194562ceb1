-- The key the registry's conflict check (reg_conflict) looks stored
-- names and aliases up by, so that each write reads the few rows that
-- may clash instead of every row: an import of 5,000 symbols had spent
-- most of its two minutes reading both tables whole for each row.
--
-- name_key: the ASCII letters and digits of a name, an alias or a
-- ticker, in lower case (by translate, whatever the database's
-- locale). Two texts the parser reads as one phrase
-- (mention_phrase_key) always have the same name_key, as have a ticker
-- and a text written as it ("AAPL." and AAPL, "BRK-B" and BRK.B); the
-- check compares the few rows that share one by the parser's own rules,
-- in C.
CREATE FUNCTION name_key(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT translate(regexp_replace(t, '[^A-Za-z0-9]+', '', 'g'),
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') $$;

CREATE INDEX symbols_name_key ON symbols (name_key(name));
CREATE INDEX symbol_aliases_name_key ON symbol_aliases (name_key(alias))
    WHERE kind = 'name';

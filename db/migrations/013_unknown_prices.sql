-- A price figure of an aggregate that cannot be known (a ticker without
-- price bars, or too few of them for a 5-day return or a volatility) is
-- NULL, where it was 0: "no prices" is not a return of 0 %. Rows
-- computed before this migration keep their zeros until computed again.
ALTER TABLE aggregates
    ALTER COLUMN ret_1d DROP NOT NULL,
    ALTER COLUMN ret_5d DROP NOT NULL,
    ALTER COLUMN ret_20d DROP NOT NULL,
    ALTER COLUMN vol_20d DROP NOT NULL,
    ALTER COLUMN last_close DROP NOT NULL;

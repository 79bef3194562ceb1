-- The age of a buy's reference price, in sessions whose close is
-- missing before the order's own session (risk rule "price_age"): the
-- screen and the gate deny a buy priced at an old close, as when price
-- bars stopped coming in. 0 turns the rule off.
INSERT INTO risk_limits (name, value, unit, description) VALUES
    ('max_price_age_sessions', 3, 'count',
     'no buys when the last close is more than this many sessions old')
ON CONFLICT (name) DO NOTHING;

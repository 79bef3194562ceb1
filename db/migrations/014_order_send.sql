-- What broker-adapter sent, and what stops it sending again. sent_at:
-- when a submission last went to the broker (committed just before the
-- request, whose answer may never come: the broker may hold the order
-- though its look-up has not shown it yet). send_hold: why the order
-- must not be sent again (the gate's denial when it was asked again);
-- the order then stays in submitting while the broker may still show a
-- submission sent before, and ends as denied once it has not.
ALTER TABLE orders
    ADD COLUMN sent_at timestamptz,
    ADD COLUMN send_hold text;
-- An order in submitting now may have been sent: taken as sent when it
-- last changed.
UPDATE orders SET sent_at = updated_at WHERE status = 'submitting';

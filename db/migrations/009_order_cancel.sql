-- A person's request to cancel an open order (DELETE /orders/{id} of the
-- trading-engine). The broker-adapter acts on it: an order that has not
-- reached the broker ends as canceled there and then; one at the broker
-- is cancelled at the broker, and its final state (canceled, or filled
-- when the fill came first) is booked from the broker's answer.
ALTER TABLE orders ADD COLUMN cancel_requested_at timestamptz;

-- The paper broker's own book knows a cancelled order too.
ALTER TABLE paper_broker_orders
    DROP CONSTRAINT paper_broker_orders_status_check,
    ADD CONSTRAINT paper_broker_orders_status_check
        CHECK (status IN ('accepted', 'filled', 'expired', 'canceled'));

-- Trading: decisions taken from recommendations, orders and their fills,
-- positions and cash, the risk limits (editable) and every verdict of
-- the risk rules with its inputs, the kill switch, the notification
-- outbox, the portfolio's daily value, and the paper broker's own book.
-- Money is integer cents (bigint), ratios whole basis points; no column
-- holds money as a float. Every write is keyed so that a repeated job
-- changes nothing twice (see docs/TRADING.md).

-- The one trading account. Created by the first service that needs it,
-- with STARTING_CASH.
CREATE TABLE account (
    id                   smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    starting_cash_cents  bigint NOT NULL,
    cash_cents           bigint NOT NULL,
    realized_pnl_cents   bigint NOT NULL DEFAULT 0,
    commissions_cents    bigint NOT NULL DEFAULT 0,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Shares held. cost_basis_cents is what the shares still held cost in
-- all (so the average cost is cost_basis_cents / qty).
CREATE TABLE positions (
    ticker              text PRIMARY KEY REFERENCES symbols (ticker),
    qty                 bigint NOT NULL CHECK (qty >= 0),
    cost_basis_cents    bigint NOT NULL,
    realized_pnl_cents  bigint NOT NULL DEFAULT 0,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Limits of the risk rules, one row per limit; 0 turns a limit off.
-- unit: cents (money), bps (1/10000 of equity), count, flag (0 or 1).
CREATE TABLE risk_limits (
    name         text PRIMARY KEY,
    value        bigint NOT NULL CHECK (value >= 0),
    unit         text NOT NULL CHECK (unit IN ('cents', 'bps', 'count',
                                               'flag')),
    description  text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text NOT NULL DEFAULT 'migration'
);

INSERT INTO risk_limits (name, value, unit, description) VALUES
    ('max_position_notional_cents', 1000000, 'cents',
     'largest value of one position after a buy'),
    ('max_position_weight_bps', 1000, 'bps',
     'largest weight of one position in equity after a buy'),
    ('max_gross_exposure_bps', 10000, 'bps',
     'largest value of all positions plus the buy, over equity'),
    ('max_sector_weight_bps', 3000, 'bps',
     'largest weight of one sector in equity after a buy'),
    ('max_orders_per_day', 40, 'count', 'orders per session, both sides'),
    ('max_orders_per_ticker_day', 1, 'count',
     'orders of one ticker per session'),
    ('daily_loss_limit_cents', 300000, 'cents',
     'no new buys after losing this much since the last close'),
    ('max_drawdown_bps', 2000, 'bps',
     'drawdown of equity from its peak that trips the kill switch'),
    ('min_price_cents', 500, 'cents', 'no buys of shares cheaper than this'),
    ('cash_buffer_bps', 100, 'bps',
     'free cash must cover a buy''s notional plus this much'),
    ('market_hours', 1, 'flag',
     '1: orders only while the exchange is open (calendar, early closes)'),
    ('allow_extended_hours', 0, 'flag',
     '1: limit orders marked extended_hours may run pre- and after-market');

-- Tickers that never trade, whatever the recommendation.
CREATE TABLE restricted_tickers (
    ticker    text PRIMARY KEY,
    reason    text NOT NULL DEFAULT '',
    added_at  timestamptz NOT NULL DEFAULT now()
);

-- The kill switch: one row. While active, no new order passes the risk
-- rules. kill_switch_events keeps every change.
CREATE TABLE kill_switch (
    id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    active      boolean NOT NULL DEFAULT false,
    reason      text NOT NULL DEFAULT '',
    changed_by  text NOT NULL DEFAULT 'migration',
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO kill_switch DEFAULT VALUES;

CREATE TABLE kill_switch_events (
    id          bigserial PRIMARY KEY,
    active      boolean NOT NULL,
    reason      text NOT NULL,
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per trading day the trading-engine has processed; days are
-- processed in order (see src/services/trading_engine.c).
CREATE TABLE trading_runs (
    day           date PRIMARY KEY,
    decisions     integer NOT NULL,
    orders        integer NOT NULL,
    equity_cents  bigint NOT NULL,
    mode          text NOT NULL CHECK (mode IN ('paper', 'live')),
    done_at       timestamptz NOT NULL DEFAULT now()
);

-- A changed recommendation and what the trading-engine made of it.
-- outcome: ordered (an order was queued), no_order (sizing found nothing
-- to trade), denied (the risk screen refused; see risk_verdicts).
CREATE TABLE trading_decisions (
    id               bigserial PRIMARY KEY,
    ticker           text NOT NULL REFERENCES symbols (ticker),
    as_of            date NOT NULL,
    action           text NOT NULL CHECK (action IN ('BUY', 'SELL', 'HOLD')),
    previous_action  text,
    conviction       double precision NOT NULL,
    target_weight    double precision NOT NULL,
    model            text NOT NULL,
    client_order_id  text NOT NULL UNIQUE,
    outcome          text NOT NULL CHECK (outcome IN ('ordered', 'no_order',
                                                      'denied')),
    side             text CHECK (side IN ('buy', 'sell')),
    qty              bigint NOT NULL DEFAULT 0,
    ref_price_cents  bigint,
    equity_cents     bigint,
    explanation      text NOT NULL,
    mode             text NOT NULL CHECK (mode IN ('paper', 'live')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (ticker, as_of)
);

-- Orders. status: queued (passed the screen, waiting for broker-adapter),
-- submitting (passed the gate; the broker may or may not have it),
-- accepted / partially_filled (open at the broker), then one of the final
-- states filled, canceled, expired, rejected (by the broker) or denied
-- (by the risk gate). decision_day is the session whose data decided
-- the order; exec_day and exec_minute (New York) when it is meant to run.
CREATE TABLE orders (
    id                      bigserial PRIMARY KEY,
    client_order_id         text NOT NULL UNIQUE,
    decision_id             bigint REFERENCES trading_decisions (id),
    source                  text NOT NULL CHECK (source IN ('decision',
                                                            'manual')),
    mode                    text NOT NULL CHECK (mode IN ('paper', 'live')),
    broker                  text NOT NULL,
    ticker                  text NOT NULL REFERENCES symbols (ticker),
    side                    text NOT NULL CHECK (side IN ('buy', 'sell')),
    type                    text NOT NULL CHECK (type IN ('market', 'limit')),
    time_in_force           text NOT NULL DEFAULT 'day',
    qty                     bigint NOT NULL CHECK (qty > 0),
    limit_price_cents       bigint,
    ref_price_cents         bigint NOT NULL,
    extended_hours          boolean NOT NULL DEFAULT false,
    decision_day            date NOT NULL,
    exec_day                date NOT NULL,
    exec_minute             integer NOT NULL,
    status                  text NOT NULL CHECK (status IN ('queued',
                                'submitting', 'accepted', 'partially_filled',
                                'filled', 'canceled', 'expired', 'rejected',
                                'denied')),
    broker_order_id         text,
    filled_qty              bigint NOT NULL DEFAULT 0,
    filled_avg_price_cents  bigint,
    commission_cents        bigint NOT NULL DEFAULT 0,
    reject_code             text,
    reject_reason           text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    submitted_at            timestamptz,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    final_at                timestamptz
);
CREATE INDEX orders_open ON orders (decision_day)
    WHERE status IN ('queued', 'submitting', 'accepted', 'partially_filled');
CREATE INDEX orders_decision_day ON orders (decision_day);

-- Executions, numbered per order; a fill is recorded once.
CREATE TABLE fills (
    id                bigserial PRIMARY KEY,
    order_id          bigint NOT NULL REFERENCES orders (id),
    seq               integer NOT NULL,
    ticker            text NOT NULL,
    side              text NOT NULL CHECK (side IN ('buy', 'sell')),
    qty               bigint NOT NULL CHECK (qty > 0),
    price_cents       bigint NOT NULL,
    gross_cents       bigint NOT NULL,
    commission_cents  bigint NOT NULL DEFAULT 0,
    day               date NOT NULL,
    filled_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, seq)
);
CREATE INDEX fills_ticker ON fills (ticker, day);

-- Every verdict of the risk rules: stage 'screen' (trading-engine,
-- in-process) or 'gate' (risk-engine, just before submission), with
-- every reason and the inputs judged (intent, account, limits).
CREATE TABLE risk_verdicts (
    id               bigserial PRIMARY KEY,
    client_order_id  text NOT NULL,
    stage            text NOT NULL CHECK (stage IN ('screen', 'gate')),
    allowed          boolean NOT NULL,
    reasons          jsonb NOT NULL,
    inputs           jsonb NOT NULL,
    mode             text NOT NULL CHECK (mode IN ('paper', 'live')),
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX risk_verdicts_order ON risk_verdicts (client_order_id);

-- Notifications of orders, fills, rejections and kill-switch changes.
-- The table is the outbox: trading-engine mails pending rows when SMTP
-- is configured; without it they stay here. dedupe_key makes a repeated
-- event add nothing.
CREATE TABLE notifications (
    id          bigserial PRIMARY KEY,
    dedupe_key  text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('order', 'fill', 'rejection',
                                              'kill_switch',
                                              'reconciliation')),
    subject     text NOT NULL,
    body        text NOT NULL,
    status      text NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX notifications_pending ON notifications (id)
    WHERE status = 'pending';

-- The portfolio at each processed session's close.
CREATE TABLE portfolio_values (
    day              date PRIMARY KEY,
    cash_cents       bigint NOT NULL,
    positions_cents  bigint NOT NULL,
    equity_cents     bigint NOT NULL,
    peak_cents       bigint NOT NULL,
    pnl_cents        bigint NOT NULL,
    computed_at      timestamptz NOT NULL DEFAULT now()
);

-- Positions compared with the broker's view.
CREATE TABLE reconciliations (
    id           bigserial PRIMARY KEY,
    broker       text NOT NULL,
    ok           boolean NOT NULL,
    differences  jsonb NOT NULL,
    checked_at   timestamptz NOT NULL DEFAULT now()
);

-- The built-in paper broker's own book: what the broker knows, kept
-- apart from our orders so that reconciliation compares two views.
CREATE TABLE paper_broker_orders (
    broker_order_id    text PRIMARY KEY,
    client_order_id    text NOT NULL UNIQUE,
    ticker             text NOT NULL,
    side               text NOT NULL CHECK (side IN ('buy', 'sell')),
    type               text NOT NULL CHECK (type IN ('market', 'limit')),
    qty                bigint NOT NULL CHECK (qty > 0),
    limit_price_cents  bigint,
    exec_day           date NOT NULL,
    status             text NOT NULL CHECK (status IN ('accepted', 'filled',
                                                       'expired')),
    filled_qty         bigint NOT NULL DEFAULT 0,
    fill_price_cents   bigint,
    commission_cents   bigint NOT NULL DEFAULT 0,
    filled_day         date,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

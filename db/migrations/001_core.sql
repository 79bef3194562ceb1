-- The first schema: the watchlist, documents and their tickers, price
-- bars, signals, aggregates and recommendations, and the bookkeeping of
-- replayed ingestion. Every write of the pipeline is keyed so that a
-- repeated job changes nothing twice.

CREATE TABLE symbols (
    ticker      text PRIMARY KEY,
    name        text NOT NULL,
    sector      text NOT NULL DEFAULT '',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT symbols_name_unique UNIQUE (name)
);

-- kind 'ticker': another symbol for the same company in some feed
-- (GOOG -> GOOGL); kind 'name': a name or alias used in text.
CREATE TABLE symbol_aliases (
    alias   text NOT NULL,
    kind    text NOT NULL CHECK (kind IN ('ticker', 'name')),
    ticker  text NOT NULL REFERENCES symbols (ticker),
    PRIMARY KEY (kind, alias)
);

CREATE TABLE documents (
    id            bigserial PRIMARY KEY,
    source        text NOT NULL,
    provider_id   text NOT NULL,
    title         text NOT NULL,
    body          text NOT NULL,
    published_at  timestamptz NOT NULL,
    trading_day   date NOT NULL,
    content_hash  text NOT NULL,
    news_type     text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'new'
                  CHECK (status IN ('new', 'parsed', 'extracted')),
    clean_text    text,
    text_hash     text,
    duplicate_of  bigint REFERENCES documents (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT documents_provider_unique UNIQUE (source, provider_id),
    CONSTRAINT documents_content_unique UNIQUE (source, content_hash)
);
CREATE INDEX documents_pending ON documents (trading_day)
    WHERE status <> 'extracted';
CREATE INDEX documents_text_hash ON documents (text_hash);

-- origin 'feed': the provider listed the document under the ticker;
-- 'mention': the parser found the ticker in the text. raw_key names the
-- raw payload (object store) the feed tag was read from.
CREATE TABLE document_tickers (
    document_id  bigint NOT NULL REFERENCES documents (id),
    ticker       text NOT NULL REFERENCES symbols (ticker),
    origin       text NOT NULL CHECK (origin IN ('feed', 'mention')),
    raw_key      text,
    PRIMARY KEY (document_id, ticker)
);
CREATE INDEX document_tickers_ticker ON document_tickers (ticker);

CREATE TABLE price_bars (
    ticker   text NOT NULL REFERENCES symbols (ticker),
    day      date NOT NULL,
    open     double precision NOT NULL,
    high     double precision NOT NULL,
    low      double precision NOT NULL,
    close    double precision NOT NULL,
    volume   bigint NOT NULL,
    source   text NOT NULL,
    PRIMARY KEY (ticker, day)
);

CREATE TABLE signals (
    document_id    bigint NOT NULL REFERENCES documents (id),
    ticker         text NOT NULL REFERENCES symbols (ticker),
    model_version  text NOT NULL,
    trading_day    date NOT NULL,
    sentiment      double precision NOT NULL
                   CHECK (sentiment BETWEEN -1 AND 1),
    label          text NOT NULL
                   CHECK (label IN ('positive', 'negative', 'neutral')),
    relevance      double precision NOT NULL
                   CHECK (relevance BETWEEN 0 AND 1),
    confidence     double precision NOT NULL
                   CHECK (confidence BETWEEN 0 AND 1),
    event_type     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, ticker, model_version)
);
CREATE INDEX signals_ticker_day ON signals (ticker, trading_day);

CREATE TABLE aggregates (
    ticker        text NOT NULL REFERENCES symbols (ticker),
    as_of         date NOT NULL,
    sent_1d       double precision NOT NULL,
    sent_7d       double precision NOT NULL,
    sent_30d      double precision NOT NULL,
    count_1d      integer NOT NULL,
    count_7d      integer NOT NULL,
    count_30d     integer NOT NULL,
    ret_1d        double precision NOT NULL,
    ret_5d        double precision NOT NULL,
    ret_20d       double precision NOT NULL,
    vol_20d       double precision NOT NULL,
    last_close    double precision NOT NULL,
    computed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, as_of)
);

CREATE TABLE recommendations (
    ticker         text NOT NULL REFERENCES symbols (ticker),
    as_of          date NOT NULL,
    action         text NOT NULL CHECK (action IN ('BUY', 'SELL', 'HOLD')),
    conviction     double precision NOT NULL
                   CHECK (conviction BETWEEN 0 AND 1),
    target_weight  double precision NOT NULL,
    rationale      text NOT NULL,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, as_of)
);

-- One row per ingestion job done: the scheduler seals a day once every
-- ticker's job for it is recorded and its documents are extracted.
CREATE TABLE ingest_runs (
    ticker     text NOT NULL,
    day        date NOT NULL,
    documents  integer NOT NULL,
    bars       integer NOT NULL,
    raw_key    text,
    done_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticker, day)
);

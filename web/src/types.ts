// The shapes of the API answers the pages read (docs/API.md).

export interface Symbol {
  ticker: string;
  name: string;
  sector: string | null;
  active: boolean;
  aliases: string[];
  alt_tickers: string[];
  created_at: string;
  updated_at: string;
}

export interface QueueStatus {
  name: string;
  depth: number;
  in_flight: number;
  dead: number;
}

// The live scheduler's last tick (docs/API.md, /pipeline/status).
export interface LiveTick {
  day: string;
  started_at: string;
  done_at: string | null;
  tickers: number;
  session: boolean;
  documents_extracted: boolean;
  aggregation_queued: boolean;
  stopped: boolean;
  // seconds since the tick started, by query-api's clock; stale past
  // twice SCHEDULER_INTERVAL_S (absent from a query-api before them)
  age_s?: number;
  stale?: boolean;
}

export interface PipelineStatus {
  queues: QueueStatus[];
  queues_error: string | null;
  replay: { sealed_day: string | null; progress: string | null };
  live: LiveTick | null;
  last_run: Record<string, string | null>;
  last_run_trading: Record<string, string | null> | null;
  documents: Record<string, number>;
}

export interface Recommendation {
  ticker: string;
  as_of: string;
  action: 'BUY' | 'SELL' | 'HOLD';
  conviction: number;
  target_weight: number;
  rationale: string;
  computed_at: string;
}

export interface Aggregate {
  ticker: string;
  as_of: string;
  sent_1d: number | null;
  sent_7d: number | null;
  sent_30d: number | null;
  count_1d: number;
  count_7d: number;
  count_30d: number;
  ret_1d: number | null;
  ret_5d: number | null;
  ret_20d: number | null;
  vol_20d: number | null;
  last_close: number | null;
}

export interface Bar {
  ticker: string;
  day: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface Signal {
  document_id: number;
  ticker: string;
  model_version: string;
  trading_day: string;
  sentiment: number;
  label: string;
  relevance: number;
  confidence: number;
  event_type: string;
  title: string;
  published_at: string;
}

export interface DocumentFull {
  id: number;
  source: string;
  provider_id: string;
  title: string;
  body: string | null;
  clean_text: string | null;
  published_at: string;
  trading_day: string;
  status: string;
  duplicate_of: number | null;
  content_hash: string;
  tickers: { ticker: string; origin: string; raw_key: string | null }[];
  raw_keys: string[];
  signals: Signal[];
}

export interface Order {
  id: number;
  client_order_id: string;
  decision_id: number | null;
  source: string;
  mode: string;
  broker: string;
  ticker: string;
  side: string;
  type: string;
  qty: number;
  limit_price_cents: number | null;
  ref_price_cents: number | null;
  decision_day: string | null;
  exec_day: string | null;
  status: string;
  filled_qty: number;
  filled_avg_price_cents: number | null;
  commission_cents: number;
  reject_code: string | null;
  reject_reason: string | null;
  created_at: string;
}

export interface Fill {
  id: number;
  order_id: number;
  ticker: string;
  side: string;
  qty: number;
  price_cents: number;
  gross_cents: number;
  commission_cents: number;
  day: string;
  mode: string;
}

export interface Position {
  ticker: string;
  qty: number;
  cost_basis_cents: number;
  realized_pnl_cents: number;
  last_price_cents: number | null;
  last_price_day: string | null;
  market_value_cents: number | null;
  unrealized_pnl_cents: number | null;
}

export interface Account {
  starting_cash_cents: number;
  cash_cents: number;
  realized_pnl_cents: number;
  commissions_cents: number;
}

export interface PortfolioValue {
  day: string;
  cash_cents: number;
  positions_cents: number;
  equity_cents: number;
  peak_cents: number;
  pnl_cents: number;
}

export interface Decision {
  id: number;
  ticker: string;
  as_of: string;
  action: string;
  previous_action: string | null;
  conviction: number;
  target_weight: number;
  outcome: string;
  side: string | null;
  qty: number;
  explanation: string;
  mode: string;
}

// The kill switch of trading-engine's /status: missing when its row is
// gone (deleted by hand), which denies orders as the switch on does.
export interface KillSwitch {
  active: boolean;
  missing?: boolean;
  reason: string | null;
  changed_by: string | null;
  changed_at: string | null;
}

export interface TradingStatus {
  mode: string;
  status: {
    broker: string;
    kill_switch: KillSwitch | null;
    last_run: string | null;
  };
}

export interface Reason {
  code: string;
  message: string;
}

export interface Verdict {
  id: number;
  client_order_id: string;
  stage: string;
  allowed: boolean;
  reasons: Reason[];
  inputs: {
    intent?: { ticker?: string; side?: string; qty?: number };
    account?: { orders_today?: number; day_start_equity?: string; equity?: string };
  } | null;
  mode: string;
  created_at: string;
  order_on_record: boolean;
}

// A limit of risk-engine's /limits: value null and missing when its
// row is gone (deleted by hand).
export interface Limit {
  name: string;
  value: number | null;
  unit: string;
  description: string;
  missing: boolean;
}

export interface Limits {
  mode: string;
  limits: Limit[];
  restricted: string[];
  rules: { name: string; rule: string }[];
}

export interface Exposure {
  mode: string;
  as_of: string;
  cash: string;
  reserved: string;
  buying_power: string;
  equity: string;
  gross_exposure: string;
  gross_exposure_bps: number;
  positions: {
    ticker: string;
    sector: string;
    qty: number;
    price: string;
    value: string;
    weight_bps: number;
  }[];
  sectors: Record<string, { value: string; weight_bps: number }>;
  kill_switch: boolean;
}

export interface Lineage {
  order: Order;
  decision: Decision | null;
  recommendation: Recommendation | null;
  aggregate: Aggregate | null;
  signals: Signal[];
  documents: { id: number; title: string; published_at: string; raw_keys?: string[] }[];
  raw_payload_keys: string[];
}

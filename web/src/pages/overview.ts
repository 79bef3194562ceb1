// Overview: is the pipeline healthy, how is the portfolio doing against
// buy-and-hold, and what does the oracle recommend today.
import { ApiError, get, getAll, qs } from '../api';
import { buyAndHold, latestDay } from '../benchmark';
import { portfolioChart } from '../charts';
import { empty, failure, figures, h, link, loading, panel, table } from '../dom';
import { actionOrder, fixed, instant, int, liveTick, money, pct, signedMoney, tone, workerState } from '../format';
import type {
  Aggregate,
  LiveTick,
  PipelineStatus,
  PortfolioValue,
  Recommendation,
} from '../types';

interface Health {
  service: string;
  state: 'ready' | 'up' | 'not ready' | 'down' | 'idle' | 'active' | 'unknown';
  detail: string;
}

// An API service is ready when its /ready answers 200 through its proxy.
async function probe(service: string, path: string): Promise<Health> {
  try {
    await get(path);
    return { service, state: 'ready', detail: `${path} answered 200` };
  } catch (e) {
    if (e instanceof ApiError && e.status === 503)
      return { service, state: 'not ready', detail: e.message };
    const msg = e instanceof Error ? e.message : String(e);
    return { service, state: 'down', detail: msg };
  }
}

// The trading-engine is reached through query-api's forward.
async function probeTrading(): Promise<Health> {
  try {
    await get('/api/trading/status');
    return { service: 'trading-engine', state: 'ready', detail: 'GET /api/trading/status answered 200' };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { service: 'trading-engine', state: 'down', detail: msg };
  }
}

const WORKERS = ['ingestion', 'parser', 'extractor', 'aggregation', 'recommendation', 'lake-publisher'];
const TRADING_WORKERS = ['broker-adapter'];

async function health(): Promise<Node> {
  const [apis, status] = await Promise.all([
    Promise.all([
      probe('query-api', '/api/ready'),
      probe('symbol-registry', '/registry/ready'),
      probe('risk-engine', '/risk/ready'),
      probeTrading(),
    ]),
    get<PipelineStatus>('/api/pipeline/status').catch((e) => e as Error),
  ]);
  const rows: Health[] = [...apis];
  // The trading-engine is asked through query-api, and the workers'
  // rows are read by it: with query-api silent, neither is known (they
  // were shown down while they ran).
  if (apis[0].state === 'down' && apis[3].state === 'down')
    rows[3] = { ...apis[3], state: 'unknown', detail: `asked through query-api: ${apis[3].detail}` };
  if (status instanceof Error) {
    for (const w of [...WORKERS, ...TRADING_WORKERS])
      rows.push({ service: w, state: 'unknown', detail: `pipeline status: ${status.message}` });
  } else {
    const last = { ...status.last_run, ...(status.last_run_trading ?? {}) };
    const now = Date.now();
    for (const w of [...WORKERS, ...TRADING_WORKERS]) {
      const at = last[w];
      rows.push({
        service: w,
        state: workerState(at, now),
        detail: at ? `last wrote ${instant(at)}` : 'has written nothing yet',
      });
    }
  }
  return h(
    'div',
    {},
    table<Health>(
      [
        { key: 'service', label: 'Service', cell: (r) => r.service },
        {
          key: 'state',
          label: 'State',
          cell: (r) => h('span', { class: `badge state-${r.state.replace(' ', '-')}` }, r.state),
        },
        { text: true, key: 'detail', label: 'Detail', cell: (r) => r.detail },
      ],
      rows,
      (r) => r.service,
      { testid: 'services' },
    ),
    h(
      'p',
      { class: 'hint' },
      'API services answer their readiness probe through the dashboard proxies; ' +
        'queue workers have no proxy, so their state is the last row they wrote: ' +
        'active when it is at most 15 minutes old.',
    ),
  );
}

interface DeadLetter {
  id: string;
  payload: string;
  error: string;
  attempts: number;
  dead_at_ms: number;
}

// A queue's dead-letter count; a click lists the newest 20 in `out`,
// under the table (inside the count's cell they widened the table until
// the errors were out of sight).
function deadButton(queue: string, count: number, out: HTMLElement): Node | string {
  if (!count) return '0';
  return h(
    'button',
    {
      type: 'button',
      class: 'link',
      onclick: async () => {
        out.replaceChildren(loading());
        try {
          const r = await get<{ items: DeadLetter[] }>(
            `/api/pipeline/dead/${encodeURIComponent(queue)}?limit=20`,
          );
          out.replaceChildren(
            h('h3', {}, `Dead letters of ${queue} (newest ${r.items.length})`),
            ...r.items.map((d) =>
              h('div', { class: 'dead' }, h('code', {}, d.payload), ' — ', d.error, ` (${d.attempts} attempts)`),
            ),
          );
        } catch (e) {
          out.replaceChildren(failure(e, `Dead letters of ${queue}`));
        }
      },
    },
    `${int(count)} — show`,
  );
}

// The live scheduler's last tick, when one ran (SCHEDULER_MODE=live).
function liveFigures(t: LiveTick | null | undefined): [string, string, string][] {
  if (!t) return [];
  const l = liveTick(t);
  return [
    ['Live tick (New York day)', l.tick, 'live-tick'],
    ['Aggregation of the tick', l.aggregation, 'live-aggregation'],
    ['Age of the tick', l.age, 'live-age'],
  ];
}

async function queues(): Promise<Node> {
  const s = await get<PipelineStatus>('/api/pipeline/status');
  const docs = s.documents ?? {};
  const dead = h('div', { class: 'dead-list', 'data-testid': 'dead-list' });
  return h(
    'div',
    {},
    s.queues_error
      ? h('p', { class: 'state error', role: 'alert' }, `Redis: ${s.queues_error}`)
      : null,
    figures([
      ...liveFigures(s.live),
      ['Replay sealed through', s.replay?.sealed_day ?? '—', 'sealed-day'],
      ['Replay progress (days)', s.replay?.progress?.replace(' ', ' / ') ?? '—', 'replay-progress'],
      ['Documents extracted', int(docs.extracted ?? 0), 'docs-extracted'],
      ['Documents waiting', int((docs.new ?? 0) + (docs.parsed ?? 0)), 'docs-waiting'],
    ]),
    s.queues.length
      ? table(
          [
            { key: 'name', label: 'Queue', cell: (q) => q.name },
            { key: 'depth', label: 'Depth', cell: (q) => int(q.depth), numeric: true },
            { key: 'in_flight', label: 'In flight', cell: (q) => int(q.in_flight), numeric: true },
            { key: 'dead', label: 'Dead letters', cell: (q) => deadButton(q.name, q.dead, dead), numeric: true },
          ],
          s.queues,
          (q) => q.name,
          { testid: 'queues' },
        )
      : empty('No queue answered.'),
    dead,
  );
}

async function portfolio(): Promise<Node> {
  const values = await getAll<PortfolioValue>('/api/portfolio/value');
  if (!values.length)
    return empty('No portfolio value yet: the trading-engine values the portfolio after each traded session.');
  const first = values[0].day;
  const lastDay = values[values.length - 1].day;
  const closes = await getAll<Aggregate>(`/api/aggregates${qs({ from: first, to: lastDay })}`, 50000);
  const bench = buyAndHold(values, closes);
  const benchBy = new Map(bench.points.map((p) => [p.day, p.value_cents]));
  const last = values[values.length - 1];
  const start = values[0].equity_cents;
  const benchLast = bench.points.length ? bench.points[bench.points.length - 1].value_cents : null;
  const chartEl = h('div', { class: 'chart chart-portfolio', 'data-testid': 'portfolio-chart' });
  const node = h(
    'div',
    {},
    figures([
      ['Equity ' + last.day, money(last.equity_cents), 'equity'],
      ['P&L', h('span', { class: tone(last.pnl_cents) }, signedMoney(last.pnl_cents)), 'pnl'],
      ['Return', pct((last.equity_cents - start) / start), 'return'],
      [
        `Buy & hold (${bench.tickers.length} tickers)`,
        benchLast === null ? '—' : money(benchLast),
        'bench',
      ],
    ]),
    chartEl,
    h(
      'details',
      {},
      h('summary', {}, `Values by session (${values.length})`),
      table<PortfolioValue>(
        [
          { key: 'day', label: 'Session', cell: (v) => v.day, sort: (v) => v.day, nowrap: true },
          { key: 'equity', label: 'Equity', cell: (v) => money(v.equity_cents), numeric: true },
          { key: 'cash', label: 'Cash', cell: (v) => money(v.cash_cents), numeric: true },
          { key: 'positions', label: 'Positions', cell: (v) => money(v.positions_cents), numeric: true },
          {
            key: 'bench',
            label: 'Buy & hold',
            cell: (v) => (benchBy.has(v.day) ? money(benchBy.get(v.day)!) : '—'),
            numeric: true,
          },
        ],
        values,
        (v) => v.day,
        { testid: 'portfolio-values', sortBy: 'day', desc: true },
      ),
    ),
  );
  requestAnimationFrame(() =>
    portfolioChart(
      chartEl,
      values.map((v) => ({ day: v.day, cents: v.equity_cents })),
      bench.points.map((p) => ({ day: p.day, cents: p.value_cents })),
    ),
  );
  return node;
}

export function actionBadge(a: string): HTMLElement {
  return h('span', { class: `badge action-${a.toLowerCase()}` }, a);
}

async function today(): Promise<Node> {
  const r = await get<{ items: Recommendation[] }>('/api/recommendations/latest');
  const day = latestDay(r.items.map((x) => x.as_of));
  if (!day) return empty('No recommendation yet: the pipeline writes them after each sealed day.');
  const rows = r.items.filter((x) => x.as_of === day);
  return h(
    'div',
    {},
    h('p', { class: 'hint', 'data-testid': 'today-day' }, `Session ${day}: ${rows.length} tickers.`),
    table<Recommendation>(
      [
        { key: 'ticker', label: 'Ticker', cell: (x) => link(`/symbols/${x.ticker}`, x.ticker), sort: (x) => x.ticker },
        { key: 'action', label: 'Action', cell: (x) => actionBadge(x.action), sort: (x) => actionOrder(x.action, x.conviction) },
        { key: 'conviction', label: 'Conviction', cell: (x) => fixed(x.conviction, 3), sort: (x) => x.conviction, numeric: true },
        { key: 'target_weight', label: 'Target weight', cell: (x) => pct(x.target_weight), sort: (x) => x.target_weight, numeric: true },
        { text: true, key: 'rationale', label: 'Rationale', cell: (x) => h('span', { class: 'rationale' }, x.rationale) },
      ],
      rows,
      (x) => x.ticker,
      { testid: 'today', sortBy: 'action' },
    ),
  );
}

export function renderOverview(main: HTMLElement): void {
  main.append(
    h('h1', {}, 'Overview'),
    h(
      'div',
      { class: 'grid two' },
      panel('Pipeline health', 'panel-health', health),
      panel('Queues', 'panel-queues', queues),
    ),
    panel('Portfolio vs buy-and-hold', 'panel-portfolio', portfolio),
    panel("Today's recommendations", 'panel-today', today),
  );
}

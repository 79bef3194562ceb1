// Risk: every limit with the current exposure against it, the exposure
// by position and sector, the restricted list, and recent verdicts with
// their reasons. Limits and exposure come straight from the risk-engine
// (the /risk/ proxy), verdicts from query-api.
import { get, getAll } from '../api';
import { empty, figures, h, panel, table } from '../dom';
import { bps, dollars, instant, int, limitValue } from '../format';
import type { Exposure, Limit, Limits, PortfolioValue, Verdict } from '../types';

interface Row {
  limit: Limit;
  current: number | null; // in the limit's unit
  basis: string;
}

const cents = (dollarsStr: string): number => Math.round(Number(dollarsStr) * 100);

// The current value of each limit that describes a state of the book;
// the others are checked order by order.
export function currentOf(
  name: string,
  x: Exposure,
  last: PortfolioValue | null,
): { value: number | null; basis: string } {
  const maxOf = (v: number[]) => (v.length ? Math.max(...v) : 0);
  switch (name) {
    case 'max_position_notional_cents':
      return { value: maxOf(x.positions.map((p) => cents(p.value))), basis: 'largest position' };
    case 'max_position_weight_bps':
      return { value: maxOf(x.positions.map((p) => p.weight_bps)), basis: 'largest position weight' };
    case 'max_gross_exposure_bps':
      return { value: x.gross_exposure_bps, basis: 'gross exposure' };
    case 'max_sector_weight_bps':
      return { value: maxOf(Object.values(x.sectors).map((s) => s.weight_bps)), basis: 'largest sector weight' };
    case 'max_drawdown_bps':
      if (!last || last.peak_cents <= 0) return { value: null, basis: 'no portfolio value yet' };
      return {
        value: Math.floor(((last.peak_cents - last.equity_cents) * 10000) / last.peak_cents),
        basis: `drawdown from peak at ${last.day}`,
      };
    default:
      return { value: null, basis: 'checked on each order' };
  }
}

function meter(current: number | null, limit: number | null): Node | string {
  if (current === null || limit === null || limit <= 0) return '';
  const used = Math.min(1, Math.max(0, current / limit));
  return h(
    'span',
    { class: `meter ${used >= 0.9 ? 'hot' : used >= 0.7 ? 'warm' : ''}`, title: `${(used * 100).toFixed(0)}% of the limit` },
    h('span', { style: `width:${(used * 100).toFixed(1)}%` }),
  );
}

async function limits(): Promise<Node> {
  const [l, x, values] = await Promise.all([
    get<Limits>('/risk/limits'),
    get<Exposure>('/risk/exposure'),
    getAll<PortfolioValue>('/api/portfolio/value').catch((e) => e as Error),
  ]);
  // Without query-api the drawdown is not known; "no portfolio value
  // yet" would say something else.
  const lost = values instanceof Error ? values : null;
  const last = Array.isArray(values) && values.length ? values[values.length - 1] : null;
  const rows: Row[] = l.limits.map((limit) => {
    const c = currentOf(limit.name, x, last);
    const basis =
      lost && limit.name === 'max_drawdown_bps'
        ? `portfolio value not available: ${lost.message}`
        : c.basis;
    return { limit, current: c.value, basis };
  });
  return h(
    'div',
    {},
    figures([
      ['Exposure as of', x.as_of, 'x-as-of'],
      ['Equity', dollars(x.equity), 'x-equity'],
      ['Cash', dollars(x.cash), 'x-cash'],
      ['Reserved for open buys', dollars(x.reserved), 'x-reserved'],
      ['Free for a new order', dollars(x.buying_power), 'x-buying-power'],
      ['Gross exposure', `${dollars(x.gross_exposure)} (${bps(x.gross_exposure_bps)})`, 'x-gross'],
      ['Kill switch', x.kill_switch ? 'ON' : 'off', 'x-kill'],
    ]),
    table<Row>(
      [
        { text: true, key: 'name', label: 'Limit', cell: (r) => h('span', {}, h('code', {}, r.limit.name), h('br'), h('small', {}, r.limit.description)) },
        { key: 'value', label: 'Limit value', cell: (r) => limitValue(r.limit.value, r.limit.unit), numeric: true },
        {
          key: 'current',
          label: 'Now',
          cell: (r) => (r.current === null ? '—' : limitValue(r.current, r.limit.unit)),
          numeric: true,
        },
        { key: 'use', label: 'Use', cell: (r) => meter(r.current, r.limit.value) },
        { text: true, key: 'basis', label: 'Measured as', cell: (r) => r.basis },
      ],
      rows,
      (r) => r.limit.name,
      { testid: 'limits' },
    ),
    h(
      'p',
      { class: 'meta', 'data-testid': 'restricted' },
      'Restricted tickers: ',
      l.restricted.length ? l.restricted.join(', ') : 'none',
    ),
  );
}

async function exposure(): Promise<Node> {
  const x = await get<Exposure>('/risk/exposure');
  const sectors = Object.entries(x.sectors).map(([name, s]) => ({ name, ...s }));
  const grid = h(
    'div',
    { class: 'grid two' },
    x.positions.length
      ? table(
          [
            { key: 'ticker', label: 'Ticker', cell: (p) => p.ticker, sort: (p) => p.ticker },
            { key: 'sector', label: 'Sector', cell: (p) => p.sector || '—' },
            { key: 'qty', label: 'Shares', cell: (p) => int(p.qty), numeric: true },
            { key: 'value', label: 'Value', cell: (p) => dollars(p.value), sort: (p) => Number(p.value), numeric: true },
            { key: 'weight', label: 'Weight', cell: (p) => bps(p.weight_bps), sort: (p) => p.weight_bps, numeric: true },
          ],
          x.positions,
          (p) => p.ticker,
          { testid: 'exposure-positions', sortBy: 'weight', desc: true },
        )
      : empty('No position: nothing is exposed.'),
    sectors.length
      ? table(
          [
            { key: 'name', label: 'Sector', cell: (s) => s.name || '—', sort: (s) => s.name },
            { key: 'value', label: 'Value', cell: (s) => dollars(s.value), numeric: true },
            { key: 'weight', label: 'Weight', cell: (s) => bps(s.weight_bps), sort: (s) => s.weight_bps, numeric: true },
          ],
          sectors,
          (s) => s.name,
          { testid: 'exposure-sectors', sortBy: 'weight', desc: true },
        )
      : empty('No sector exposure.'),
  );
  return h(
    'div',
    {},
    h(
      'p',
      { class: 'hint', 'data-testid': 'exposure-note' },
      'Open orders count as filled here (buys added, sells taken off), as the risk rules see the book; ' +
        'Trading shows the shares held.',
    ),
    grid,
  );
}

async function verdicts(): Promise<Node> {
  const r = await get<{ items: Verdict[] }>('/api/risk/verdicts?limit=50');
  if (!r.items.length) return empty('No verdict yet: every order is screened and gated before it is sent.');
  return table<Verdict>(
    [
      { key: 'id', label: '#', cell: (v) => String(v.id), numeric: true },
      { key: 'time', label: 'When', cell: (v) => instant(v.created_at), nowrap: true },
      { key: 'stage', label: 'Stage', cell: (v) => v.stage },
      {
        key: 'order',
        label: 'Order',
        cell: (v) => {
          const i = v.inputs?.intent;
          const what = i ? `${i.side ?? ''} ${i.qty ?? ''} ${i.ticker ?? ''}`.trim() : v.client_order_id;
          // no order has the id: the screen denied it before one was
          // made, or someone asked the gate (POST /check) under it
          if (v.order_on_record) return what;
          const why = v.stage === 'screen'
            ? 'denied by the screen before an order was made'
            : 'asked of the risk-engine (POST /check); no order has this id';
          return h('span', {}, `${what} `, h('span', { class: 'hint', title: why }, '(no order)'));
        },
      },
      {
        key: 'allowed',
        label: 'Verdict',
        cell: (v) => h('span', { class: `badge ${v.allowed ? 'allowed' : 'denied'}` }, v.allowed ? 'allowed' : 'denied'),
      },
      {
        key: 'reasons',
        text: true,
        label: 'Reasons',
        cell: (v) =>
          v.reasons.length
            ? h('ul', { class: 'reasons' }, ...v.reasons.map((x) => h('li', {}, h('code', {}, x.code), ` ${x.message}`)))
            : '—',
      },
    ],
    r.items,
    (v) => String(v.id),
    { testid: 'verdicts' },
  );
}

export function renderRisk(main: HTMLElement): void {
  main.append(
    h('h1', {}, 'Risk'),
    panel('Limits and exposure', 'panel-limits', limits),
    panel('Exposure by position and sector', 'panel-exposure', exposure),
    panel('Recent verdicts', 'panel-verdicts', verdicts),
  );
}

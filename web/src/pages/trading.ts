// Trading: the mode (paper or live) up front, the kill switch, the
// account, positions with P&L, orders (each linked to its lineage) and
// fills.
import { get, getList, request, qs } from '../api';
import { empty, failure, figures, h, link, loading, notice, panel, table, tokenHint, typed } from '../dom';
import { instant, int, killSwitchState, money, signedMoney, tone } from '../format';
import type { Account, Decision, Fill, Order, Position, TradingStatus } from '../types';

export function modeBanner(mode: string, broker: string): HTMLElement {
  const live = mode === 'live';
  return h(
    'div',
    { class: `mode-banner ${live ? 'live' : 'paper'}`, 'data-testid': 'mode-banner', role: 'note' },
    h('strong', { 'data-testid': 'mode' }, live ? 'LIVE' : 'PAPER'),
    h(
      'span',
      {},
      live
        ? ` trading with real money through the ${broker} broker`
        : ` trading: simulated orders through the ${broker} broker, no real money`,
    ),
  );
}

// done: the result of the change that reloaded the panel, shown under
// the new state (the reload rebuilds this box).
function killSwitch(
  status: TradingStatus,
  reload: (done: Node) => void,
  done?: Node,
): HTMLElement {
  const ks = status.status.kill_switch;
  const { on, note } = killSwitchState(ks);
  const reason = h('input', {
    type: 'text',
    placeholder: on ? 'why trading may resume' : 'why trading must stop',
    'aria-label': 'reason',
    'data-testid': 'kill-reason',
    maxlength: 200,
  });
  const msg = h('div', { 'data-testid': 'kill-result' }, done);
  return h(
    'div',
    { class: `kill ${on ? 'on' : 'off'}`, 'data-testid': 'kill-switch' },
    h(
      'p',
      { class: 'kill-state' },
      'Kill switch: ',
      h('strong', { 'data-testid': 'kill-state' }, on ? 'ON — no new orders' : 'OFF'),
    ),
    note
      ? h('p', { class: 'meta', 'data-testid': 'kill-note' }, note)
      : ks
        ? h(
            'p',
            { class: 'meta' },
            ks.reason ? typed([ks.reason]) : 'no reason given',
            ` — by ${ks.changed_by ?? '?'} at ${instant(ks.changed_at)}`,
          )
        : null,
    h(
      'form',
      {
        class: 'inline',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          msg.replaceChildren(loading('Sending…'));
          try {
            await request('POST', '/api/trading/kill-switch', {
              active: !on,
              reason: reason.value.trim() || (on ? 'turned off from the dashboard' : 'turned on from the dashboard'),
            });
            window.dispatchEvent(new Event('stonks:trading-changed'));
            reload(notice('ok', `Kill switch turned ${on ? 'off' : 'on'}.`));
          } catch (e) {
            msg.replaceChildren(failure(e, 'Kill switch'));
          }
        },
      },
      reason,
      h(
        'button',
        { type: 'submit', class: on ? '' : 'danger', 'data-testid': 'kill-toggle' },
        on ? 'Turn off' : 'Turn on',
      ),
    ),
    tokenHint('Needs the token (top right).', 'Uses the token set for this tab (top right).', 'kill-token-hint'),
    msg,
  );
}

function statusPanel(): HTMLElement {
  const body = h('div', {}, loading());
  const sec = h('section', { class: 'panel', 'data-testid': 'panel-status' }, h('h2', {}, 'Mode and kill switch'), body);
  const load = async (done?: Node) => {
    try {
      const s = await get<TradingStatus>('/api/trading/status');
      body.replaceChildren(
        modeBanner(s.mode, s.status.broker),
        killSwitch(s, (n) => void load(n), done),
        h('p', { class: 'meta' }, `Last traded session: ${s.status.last_run ?? 'none yet'}`),
      );
    } catch (e) {
      body.replaceChildren(failure(e, 'Trading status'));
    }
  };
  void load();
  return sec;
}

async function account(): Promise<Node> {
  const [a, positions] = await Promise.all([
    get<Account>('/api/account'),
    get<{ items: Position[] }>(`/api/positions${qs({ open: 'true' })}`).then((r) => r.items),
  ]);
  const value = positions.reduce((s, p) => s + (p.market_value_cents ?? 0), 0);
  const unreal = positions.reduce((s, p) => s + (p.unrealized_pnl_cents ?? 0), 0);
  return h(
    'div',
    {},
    figures([
      ['Cash', money(a.cash_cents), 'cash'],
      ['Positions', money(value), 'positions-value'],
      ['Equity', money(a.cash_cents + value), 'equity'],
      ['Started with', money(a.starting_cash_cents), 'start'],
      ['Unrealized P&L', h('span', { class: tone(unreal) }, signedMoney(unreal)), 'unrealized'],
      ['Realized P&L', h('span', { class: tone(a.realized_pnl_cents) }, signedMoney(a.realized_pnl_cents)), 'realized'],
      ['Commissions', money(a.commissions_cents), 'commissions'],
    ]),
    positions.length
      ? table<Position>(
          [
            { key: 'ticker', label: 'Ticker', cell: (p) => link(`/symbols/${p.ticker}`, p.ticker), sort: (p) => p.ticker },
            { key: 'qty', label: 'Shares', cell: (p) => int(p.qty), sort: (p) => p.qty, numeric: true },
            { key: 'cost', label: 'Cost basis', cell: (p) => money(p.cost_basis_cents), numeric: true },
            { key: 'last', label: 'Last price', cell: (p) => money(p.last_price_cents), numeric: true },
            { key: 'value', label: 'Market value', cell: (p) => money(p.market_value_cents), sort: (p) => p.market_value_cents ?? 0, numeric: true },
            {
              key: 'unrealized',
              label: 'Unrealized',
              cell: (p) => h('span', { class: tone(p.unrealized_pnl_cents) }, signedMoney(p.unrealized_pnl_cents)),
              sort: (p) => p.unrealized_pnl_cents ?? 0,
              numeric: true,
            },
            {
              key: 'realized',
              label: 'Realized',
              cell: (p) => h('span', { class: tone(p.realized_pnl_cents) }, signedMoney(p.realized_pnl_cents)),
              numeric: true,
            },
          ],
          positions,
          (p) => p.ticker,
          { testid: 'positions', sortBy: 'ticker' },
        )
      : empty('No open position.'),
  );
}

export function statusBadge(s: string): HTMLElement {
  return h('span', { class: `badge status-${s}` }, s.replace(/_/g, ' '));
}

// A note under a list the dashboard read only the newest part of.
function partial(complete: boolean, n: number, what: string): Node | null {
  return complete
    ? null
    : h('p', { class: 'hint', 'data-testid': 'partial' }, `The newest ${int(n)} ${what}; older ones are not listed.`);
}

async function orders(): Promise<Node> {
  const { items: rows, complete } = await getList<Order>('/api/orders');
  if (!rows.length) return empty('No order yet.');
  const t = table<Order>(
    [
      { key: 'id', label: 'Order', cell: (o) => link(`/orders/${o.id}`, `#${o.id}`, { title: 'lineage' }), sort: (o) => o.id, numeric: true },
      { key: 'ticker', label: 'Ticker', cell: (o) => link(`/symbols/${o.ticker}`, o.ticker), sort: (o) => o.ticker },
      { key: 'side', label: 'Side', cell: (o) => o.side },
      { key: 'qty', label: 'Qty', cell: (o) => int(o.qty), numeric: true },
      { key: 'status', label: 'Status', cell: (o) => statusBadge(o.status), sort: (o) => o.status },
      { key: 'filled', label: 'Filled', cell: (o) => int(o.filled_qty), numeric: true },
      { key: 'avg', label: 'Avg price', cell: (o) => money(o.filled_avg_price_cents), numeric: true },
      { key: 'decision_day', label: 'Decided', cell: (o) => o.decision_day ?? '—', sort: (o) => o.decision_day ?? '', nowrap: true },
      { key: 'exec_day', label: 'Executes', cell: (o) => o.exec_day ?? '—', nowrap: true },
      { key: 'mode', label: 'Mode', cell: (o) => o.mode },
      { key: 'lineage', label: 'Why', cell: (o) => link(`/orders/${o.id}`, 'lineage →') },
    ],
    rows,
    (o) => String(o.id),
    { testid: 'orders', sortBy: 'id', desc: true },
  );
  return h('div', {}, partial(complete, rows.length, 'orders'), t);
}

async function fills(): Promise<Node> {
  const { items: rows, complete } = await getList<Fill>('/api/fills');
  if (!rows.length) return empty('No fill yet.');
  const t = table<Fill>(
    [
      { key: 'day', label: 'Day', cell: (f) => f.day, sort: (f) => f.day, nowrap: true },
      { key: 'order', label: 'Order', cell: (f) => link(`/orders/${f.order_id}`, `#${f.order_id}`) },
      { key: 'ticker', label: 'Ticker', cell: (f) => f.ticker, sort: (f) => f.ticker },
      { key: 'side', label: 'Side', cell: (f) => f.side },
      { key: 'qty', label: 'Qty', cell: (f) => int(f.qty), numeric: true },
      { key: 'price', label: 'Price', cell: (f) => money(f.price_cents), numeric: true },
      { key: 'gross', label: 'Gross', cell: (f) => money(f.gross_cents), numeric: true },
      { key: 'commission', label: 'Commission', cell: (f) => money(f.commission_cents), numeric: true },
    ],
    rows,
    (f) => String(f.id),
    { testid: 'fills', sortBy: 'day', desc: true },
  );
  return h('div', {}, partial(complete, rows.length, 'fills'), t);
}

async function decisions(): Promise<Node> {
  const r = await get<{ items: Decision[] }>('/api/decisions?limit=20');
  if (!r.items.length) return empty('No trading decision yet.');
  return table<Decision>(
    [
      { key: 'as_of', label: 'Session', cell: (d) => d.as_of, nowrap: true },
      { key: 'ticker', label: 'Ticker', cell: (d) => d.ticker },
      { key: 'change', label: 'Change', cell: (d) => `${d.previous_action ?? '—'} → ${d.action}` },
      { key: 'outcome', label: 'Outcome', cell: (d) => d.outcome.replace(/_/g, ' ') },
      { text: true, key: 'explanation', label: 'Explanation', cell: (d) => d.explanation },
    ],
    r.items,
    (d) => String(d.id),
    { testid: 'decisions' },
  );
}

export function renderTrading(main: HTMLElement): void {
  main.append(
    h('h1', {}, 'Trading'),
    statusPanel(),
    panel('Account and positions', 'panel-account', account),
    panel('Orders', 'panel-orders', orders),
    panel('Fills', 'panel-fills', fills),
    panel('Latest decisions', 'panel-decisions', decisions),
  );
}

// Recommendations: the latest per ticker (sortable, with rationale) and
// one ticker's history.
import { get, getAll, qs } from '../api';
import { empty, h, link, panel, table } from '../dom';
import { actionOrder, fixed, pct, visible } from '../format';
import type { Recommendation } from '../types';
import { actionBadge } from './overview';

function recTable(rows: Recommendation[], testid: string, history: boolean): HTMLElement {
  return table<Recommendation>(
    [
      history
        ? { key: 'as_of', label: 'Session', cell: (r) => r.as_of, sort: (r) => r.as_of, nowrap: true }
        : {
            key: 'ticker',
            label: 'Ticker',
            cell: (r) => link(`/recommendations/${r.ticker}`, r.ticker),
            sort: (r) => r.ticker,
          },
      history
        ? { key: 'ticker', label: 'Ticker', cell: (r) => link(`/symbols/${r.ticker}`, r.ticker) }
        : { key: 'as_of', label: 'As of', cell: (r) => r.as_of, sort: (r) => r.as_of, nowrap: true },
      { key: 'action', label: 'Action', cell: (r) => actionBadge(r.action), sort: (r) => actionOrder(r.action, r.conviction) },
      { key: 'conviction', label: 'Conviction', cell: (r) => fixed(r.conviction, 3), sort: (r) => r.conviction, numeric: true },
      { key: 'target_weight', label: 'Target weight', cell: (r) => pct(r.target_weight), sort: (r) => r.target_weight, numeric: true },
      { text: true, key: 'rationale', label: 'Rationale', cell: (r) => h('span', { class: 'rationale' }, r.rationale) },
    ],
    rows,
    (r) => (history ? r.as_of : r.ticker),
    { testid, sortBy: history ? 'as_of' : 'ticker', desc: history },
  );
}

export function renderRecommendations(main: HTMLElement): void {
  main.append(
    h('h1', {}, 'Recommendations'),
    panel('Latest per ticker', 'panel-latest', async () => {
      const r = await get<{ items: Recommendation[] }>('/api/recommendations/latest');
      if (!r.items.length) return empty('No recommendation yet.');
      return h(
        'div',
        {},
        h('p', { class: 'hint' }, 'Click a column to sort; a ticker for its history.'),
        recTable(r.items, 'latest', false),
      );
    }),
  );
}

export function renderRecommendationHistory(main: HTMLElement, params: string[]): void {
  const t = params[0].toUpperCase();
  main.append(
    h('h1', {}, 'Recommendations: ', link(`/symbols/${encodeURIComponent(t)}`, visible(t))),
    panel('History', 'panel-history', async () => {
      const rows = await getAll<Recommendation>(`/api/recommendations${qs({ ticker: t })}`);
      if (!rows.length) return empty(`No recommendation for ${visible(t)} yet.`);
      return recTable(rows, 'history', true);
    }),
    h('p', {}, link('/recommendations', '← all tickers')),
  );
}

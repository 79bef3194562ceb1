// Order lineage: order -> decision -> recommendation -> aggregate ->
// signals -> documents -> raw payloads, from GET /orders/{id}/lineage.
import { get } from '../api';
import { empty, figures, h, link, panel } from '../dom';
import { fixed, instant, int, money, pct, signed, visible } from '../format';
import type { Lineage } from '../types';
import { signalTable } from './document';
import { actionBadge } from './overview';
import { statusBadge } from './trading';

async function lineage(id: string): Promise<Node> {
  const l = await get<Lineage>(`/api/orders/${encodeURIComponent(id)}/lineage`);
  const o = l.order;
  const step = (title: string, ...body: (Node | string | null)[]) =>
    h('li', { class: 'step' }, h('h3', {}, title), ...body);
  return h(
    'ol',
    { class: 'lineage', 'data-testid': 'lineage' },
    step(
      `Order #${o.id}`,
      figures([
        ['Ticker', link(`/symbols/${o.ticker}`, o.ticker), 'l-ticker'],
        ['Side and quantity', `${o.side} ${int(o.qty)}`, 'l-qty'],
        ['Status', statusBadge(o.status), 'l-status'],
        ['Filled', `${int(o.filled_qty)} at ${money(o.filled_avg_price_cents)}`, 'l-filled'],
        ['Mode', o.mode, 'l-mode'],
        ['Client order id', h('code', {}, o.client_order_id), 'l-coid'],
      ]),
      o.reject_reason ? h('p', { class: 'state error' }, `${o.reject_code}: ${o.reject_reason}`) : null,
    ),
    l.decision
      ? step(
          'Decision',
          h(
            'p',
            { 'data-testid': 'l-decision' },
            `${l.decision.as_of}: ${l.decision.previous_action ?? '—'} → ${l.decision.action}; ${l.decision.explanation}`,
          ),
        )
      : step('Decision', empty('A manual order: no decision, recommendation or signals behind it.')),
    l.recommendation
      ? step(
          'Recommendation',
          h(
            'p',
            { 'data-testid': 'l-recommendation' },
            actionBadge(l.recommendation.action),
            ` ${l.recommendation.as_of} · conviction ${fixed(l.recommendation.conviction, 3)} · target ${pct(l.recommendation.target_weight)}`,
          ),
          h('p', { class: 'rationale' }, l.recommendation.rationale),
        )
      : null,
    l.aggregate
      ? step(
          'Aggregate',
          figures([
            ['Sentiment 1d / 7d / 30d', `${signed(l.aggregate.sent_1d)} / ${signed(l.aggregate.sent_7d)} / ${signed(l.aggregate.sent_30d)}`, 'l-sent'],
            ['Signals 1d / 7d / 30d', `${l.aggregate.count_1d} / ${l.aggregate.count_7d} / ${l.aggregate.count_30d}`, 'l-counts'],
            ['Return 5d', pct(l.aggregate.ret_5d, 1), 'l-ret5'],
            ['Volatility 20d', pct(l.aggregate.vol_20d, 1), 'l-vol'],
          ]),
        )
      : null,
    l.decision
      ? step(`Signals (${l.signals.length})`, l.signals.length ? signalTable(l.signals, 'l-signals') : empty('No signal in the window.'))
      : null,
    l.decision
      ? step(
          `Documents (${l.documents.length})`,
          h(
            'ul',
            { class: 'docs', 'data-testid': 'l-documents' },
            ...l.documents.map((d) =>
              h('li', {}, link(`/documents/${d.id}`, d.title.trim() || `#${d.id}`), ` — ${instant(d.published_at)}`),
            ),
          ),
        )
      : null,
    l.raw_payload_keys.length
      ? step(
          `Raw payloads (${l.raw_payload_keys.length})`,
          h('details', {}, h('summary', {}, 'object store keys'), h('ul', { class: 'keys' }, ...l.raw_payload_keys.map((k) => h('li', {}, h('code', {}, k))))),
        )
      : null,
  );
}

export function renderLineage(main: HTMLElement, params: string[]): void {
  main.append(
    h('h1', {}, `Why order #${visible(params[0])} exists`),
    panel('Lineage', 'panel-lineage', () => lineage(params[0])),
    h('p', {}, link('/trading', '← trading')),
  );
}

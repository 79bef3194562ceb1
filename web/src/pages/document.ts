// One document: its text, the tickers it is about, and its signals.
import { get } from '../api';
import { h, link, panel, table } from '../dom';
import { fixed, instant, signed, tone, visible } from '../format';
import type { DocumentFull, Signal } from '../types';

export function signalTable(signals: Signal[], testid: string): HTMLElement {
  return table<Signal>(
    [
      { key: 'ticker', label: 'Ticker', cell: (s) => link(`/symbols/${s.ticker}`, s.ticker), sort: (s) => s.ticker },
      {
        key: 'sentiment',
        label: 'Sentiment',
        cell: (s) => h('span', { class: tone(s.sentiment) }, signed(s.sentiment)),
        sort: (s) => s.sentiment,
        numeric: true,
      },
      { key: 'label', label: 'Label', cell: (s) => s.label },
      { key: 'event_type', label: 'Event', cell: (s) => s.event_type.replace(/_/g, ' '), sort: (s) => s.event_type },
      { key: 'confidence', label: 'Confidence', cell: (s) => fixed(s.confidence, 2), sort: (s) => s.confidence, numeric: true },
      { key: 'relevance', label: 'Relevance', cell: (s) => fixed(s.relevance, 2), numeric: true },
      { key: 'model', label: 'Model', cell: (s) => s.model_version },
    ],
    signals,
    (s) => `${s.document_id}:${s.ticker}:${s.model_version}`,
    { testid },
  );
}

// id as the path has it: the API judges it ("1e3" is no id, not 1000).
export async function documentBody(id: number | string): Promise<Node> {
  const d = await get<DocumentFull>(`/api/documents/${encodeURIComponent(String(id))}`);
  return h(
    'article',
    { class: 'document', 'data-testid': 'document', 'data-id': String(d.id) },
    h('h3', { 'data-testid': 'doc-title' }, d.title),
    h(
      'p',
      { class: 'meta' },
      `${instant(d.published_at)} · trading day ${d.trading_day} · ${d.source} · ${d.status}`,
      d.duplicate_of ? h('span', {}, ' · near-duplicate of ', link(`/documents/${d.duplicate_of}`, `#${d.duplicate_of}`)) : null,
    ),
    h(
      'p',
      { class: 'meta' },
      'Tickers: ',
      ...d.tickers.flatMap((t, i) => [
        i ? ', ' : '',
        link(`/symbols/${t.ticker}`, t.ticker),
        ` (${t.origin})`,
      ]),
    ),
    h('h4', {}, 'Text'),
    h('p', { class: 'doc-text', 'data-testid': 'doc-text' }, d.clean_text || d.body || '(no text)'),
    h('h4', {}, `Signals (${d.signals.length})`),
    signalTable(d.signals, 'doc-signals'),
    d.raw_keys.length
      ? h(
          'details',
          {},
          h('summary', {}, `Raw payloads (${d.raw_keys.length})`),
          h('ul', { class: 'keys' }, ...d.raw_keys.map((k) => h('li', {}, h('code', {}, k)))),
        )
      : null,
  );
}

export function renderDocument(main: HTMLElement, params: string[]): void {
  const id = params[0];
  main.append(
    h('h1', {}, `Document #${visible(id)}`),
    panel('Document', 'panel-document', () => documentBody(id)),
  );
}

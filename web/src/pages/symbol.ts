// Symbol detail: daily candles with the 7-day aggregated sentiment below
// and markers for recommendation changes and fills; the news with each
// signal; a document's text and signals on click.
import { ApiError, get, getAll, qs, type Page } from '../api';
import { changes } from '../benchmark';
import { tickerChart, type Mark } from '../charts';
import { aliasList, empty, failure, figures, h, link, loading, panel } from '../dom';
import { fixed, pct, price, signed, tone, visible } from '../format';
import type { Aggregate, Bar, Fill, Recommendation, Signal, Symbol } from '../types';
import { navigate } from '../router';
import { documentBody } from './document';
import { actionBadge } from './overview';

// The symbol that lists t among its alternative tickers (GOOGL for
// GOOG), or null: the registry's exact filter answers that one symbol or
// none, however many others hold t in their text (a search for QA would
// list every QA... ticker first). It reads a ticker written BRK-B or
// BRK/B as BRK.B, as it stores it.
async function ownerOf(t: string): Promise<Symbol | null> {
  const found = await get<Page<Symbol>>(`/registry/symbols${qs({ alt_ticker: t, limit: 1 })}`);
  return found.items[0] ?? null;
}

// from: the alternative ticker the user asked for, when the page came
// from its address (?from=GOOG); said only when the symbol lists it.
async function header(t: string, from: string | null): Promise<Node> {
  const here = location.pathname;
  let s: Symbol;
  try {
    s = await get<Symbol>(`/registry/symbols/${encodeURIComponent(t)}`);
  } catch (e) {
    const owner = e instanceof ApiError && e.status === 404 ? await ownerOf(t) : null;
    if (!owner) throw e;
    // An alternative ticker has no page: its symbol's is the one. Not
    // when the user has moved on meanwhile.
    if (location.pathname === here)
      navigate(`/symbols/${encodeURIComponent(owner.ticker)}${qs({ from: t })}`, true);
    return loading();
  }
  const alt = from?.toUpperCase().replace(/[-/]/, '.');
  return h(
    'div',
    {},
    alt && s.alt_tickers.includes(alt)
      ? h('p', { class: 'notice ok', 'data-testid': 'alt-of' }, `${alt} is an alternative ticker of ${s.ticker}: this is the page of ${s.ticker}.`)
      : null,
    figures([
      ['Name', s.name, 'sym-name'],
      ['Sector', s.sector || '—', 'sym-sector'],
      ['Aliases', aliasList(s.aliases), 'sym-aliases'],
      ['Status', s.active ? 'active' : 'inactive', 'sym-active'],
    ]),
  );
}

async function chart(t: string): Promise<Node> {
  const enc = encodeURIComponent(t);
  const [bars, aggs, recs, fills] = await Promise.all([
    getAll<Bar>(`/api/prices${qs({ ticker: t })}`),
    getAll<Aggregate>(`/api/aggregates${qs({ ticker: t })}`),
    getAll<Recommendation>(`/api/recommendations${qs({ ticker: t })}`),
    getAll<Fill>(`/api/fills${qs({ ticker: t })}`).catch((e) => e as Error),
  ]);
  if (!bars.length) return empty(`No price bars for ${visible(t)} yet.`);
  const sentiment = aggs
    .filter((a) => a.sent_7d !== null)
    .map((a) => ({ day: a.as_of, value: a.sent_7d as number }))
    .sort((a, b) => (a.day < b.day ? -1 : 1));
  const marks: Mark[] = changes(recs).map((r) => ({
    day: r.as_of,
    kind: r.action,
    text: r.action,
  }));
  if (Array.isArray(fills))
    for (const f of fills)
      marks.push({
        day: f.day,
        kind: f.side === 'sell' ? 'fill-sell' : 'fill-buy',
        text: `${f.side} ${f.qty} @ ${price(f.price_cents / 100)}`,
      });
  const latest = aggs.reduce<Aggregate | null>((m, a) => (!m || a.as_of > m.as_of ? a : m), null);
  const lastBar = bars[bars.length - 1];
  const lastRec = recs.reduce<Recommendation | null>((m, r) => (!m || r.as_of > m.as_of ? r : m), null);
  const el = h('div', { class: 'chart chart-ticker', 'data-testid': 'ticker-chart' });
  requestAnimationFrame(() => tickerChart(el, bars, sentiment, marks));
  return h(
    'div',
    {},
    figures([
      [`Close ${lastBar.day}`, price(lastBar.close), 'last-close'],
      [
        `Sentiment 7d${latest ? ' ' + latest.as_of : ''}`,
        latest ? h('span', { class: tone(latest.sent_7d) }, signed(latest.sent_7d)) : '—',
        'sent-7d',
      ],
      ['Signals 7d', latest ? String(latest.count_7d) : '—', 'count-7d'],
      [
        'Recommendation',
        lastRec
          ? h('span', {}, actionBadge(lastRec.action), ` ${fixed(lastRec.conviction, 3)} · ${pct(lastRec.target_weight)}`)
          : '—',
        'last-rec',
      ],
    ]),
    el,
    h(
      'p',
      { class: 'hint legend' },
      h('span', { class: 'key buy' }, '▲ BUY'),
      h('span', { class: 'key sell' }, '▼ SELL'),
      h('span', { class: 'key hold' }, '■ HOLD'),
      ' recommendation changes · ',
      h('span', { class: 'key fill' }, '● fills'),
      ' · lower pane: 7-day decayed sentiment',
      fills instanceof Error ? ` · fills ${fills instanceof ApiError && fills.unavailable ? 'not available' : 'failed'}: ${fills.message}` : '',
    ),
    link(`/recommendations/${enc}`, 'Recommendation history →'),
  );
}

function news(t: string): HTMLElement {
  const list = h('div', { 'data-testid': 'news' }, loading());
  const docPane = h(
    'div',
    { class: 'doc-pane', 'data-testid': 'doc-pane' },
    h('p', { class: 'hint' }, 'Click a headline to read the document and its signals.'),
  );
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const rows = h('tbody');
  let cursor: string | null = null;

  const open = async (id: number, row: HTMLElement) => {
    rows.querySelectorAll('tr.selected').forEach((r) => r.classList.remove('selected'));
    row.classList.add('selected');
    docPane.replaceChildren(loading());
    try {
      docPane.replaceChildren(await documentBody(id));
      if (window.innerWidth < 900) docPane.scrollIntoView({ behavior: 'smooth' });
    } catch (e) {
      docPane.replaceChildren(failure(e, 'Document'));
    }
  };

  // One page at a time, so a double click cannot append a page twice.
  const load = async () => {
    more.disabled = true;
    try {
      const page = await get<Page<Signal>>(
        `/api/signals${qs({ ticker: t, limit: 25, cursor: cursor ?? undefined })}`,
      );
      for (const s of page.items) {
        const tr: HTMLElement = h(
          'tr',
          { 'data-key': `${s.document_id}:${s.model_version}` },
          h('td', { 'data-col': 'day', class: 'nowrap' }, s.trading_day),
          h(
            'td',
            { 'data-col': 'title' },
            h('button', { type: 'button', class: 'link', onclick: () => void open(s.document_id, tr) }, s.title.trim() || `#${s.document_id}`),
          ),
          h('td', { 'data-col': 'sentiment', class: `num ${tone(s.sentiment)}` }, signed(s.sentiment)),
          h('td', { 'data-col': 'event_type' }, s.event_type.replace(/_/g, ' ')),
          h('td', { 'data-col': 'confidence', class: 'num' }, fixed(s.confidence, 2)),
        );
        rows.append(tr);
      }
      cursor = page.next_cursor;
      more.hidden = !cursor;
      list.replaceChildren(
        rows.children.length
          ? h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { 'data-testid': 'signals' },
                h('thead', {}, h('tr', {}, ...['Day', 'Headline', 'Sentiment', 'Event', 'Confidence'].map((x) => h('th', {}, x)))),
                rows,
              ),
            )
          : empty(`No news about ${visible(t)} yet.`),
      );
    } catch (e) {
      list.replaceChildren(failure(e, 'News'));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', () => void load());
  void load();
  return h(
    'section',
    { class: 'panel', 'data-testid': 'panel-news' },
    h('h2', {}, 'News and signals'),
    h('div', { class: 'split' }, h('div', {}, list, more), docPane),
  );
}

export function renderSymbol(main: HTMLElement, params: string[]): void {
  const t = params[0].toUpperCase();
  main.append(
    h('h1', {}, h('span', { 'data-testid': 'ticker' }, visible(t))),
    panel('Symbol', 'panel-symbol', () => header(t, new URLSearchParams(location.search).get('from'))),
    panel('Price and sentiment', 'panel-chart', () => chart(t)),
    news(t),
  );
}

// Small DOM helpers: element creation, the loading / empty / error
// states every panel shows, and sortable tables.
import { ApiError, getToken } from './api';
import { quoteAlias } from './format';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v as EventListener);
    } else if (k === 'class') {
      el.className = String(v);
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

// An in-app link: the router intercepts clicks on a[data-link].
export function link(href: string, text: Child, attrs: Attrs = {}): HTMLAnchorElement {
  return h('a', { href, 'data-link': true, ...attrs }, text);
}

export function loading(what = 'Loading…'): HTMLElement {
  return h('p', { class: 'state loading', 'data-state': 'loading', role: 'status' }, what);
}

export function empty(what: string): HTMLElement {
  return h('p', { class: 'state empty', 'data-state': 'empty' }, what);
}

// The error state: "not available" for a route or service that is not
// there, the service's message otherwise.
export function failure(e: unknown, what: string): HTMLElement {
  if (e instanceof ApiError && e.unavailable) {
    return h(
      'div',
      { class: 'state unavailable', 'data-state': 'unavailable', role: 'alert' },
      h('strong', {}, `${what}: not available`),
      h('span', {}, ` — ${e.message} (${e.status || 'no answer'})`),
    );
  }
  const msg = e instanceof Error ? e.message : String(e);
  const status = e instanceof ApiError ? ` (${e.status} ${e.code})` : '';
  return h(
    'div',
    { class: 'state error', 'data-state': 'error', role: 'alert' },
    h('strong', {}, `${what}: error`),
    h('span', {}, ` — ${msg}${status}`),
  );
}

// A titled section whose body is filled by load(): loading first, then
// what load returns, or the error state.
export function panel(
  title: string,
  testid: string,
  load: () => Promise<Node>,
  extraClass = '',
): HTMLElement {
  const body = h('div', { class: 'panel-body' }, loading());
  const sec = h(
    'section',
    { class: `panel ${extraClass}`.trim(), 'data-testid': testid },
    h('h2', {}, title),
    body,
  );
  load().then(
    (node) => body.replaceChildren(node),
    (e) => body.replaceChildren(failure(e, title)),
  );
  return sec;
}

export interface Column<T> {
  key: string;
  label: string;
  cell: (row: T) => Child;
  sort?: (row: T) => string | number; // sortable when given
  numeric?: boolean;
  text?: boolean; // free text: may wrap on a phone
  nowrap?: boolean; // a day or an instant: never broken at its hyphens
}

// A table with optional click-to-sort headers. Each row carries
// data-key=rowKey(row) and each cell data-col=column key, so tests and
// people can find a value.
export function table<T>(
  cols: Column<T>[],
  rows: T[],
  rowKey: (row: T) => string,
  opts: { testid?: string; sortBy?: string; desc?: boolean; caption?: string } = {},
): HTMLElement {
  let sortKey = opts.sortBy ?? '';
  let desc = opts.desc ?? false;
  const tbody = h('tbody');
  const headRow = h('tr');
  const render = () => {
    const col = cols.find((c) => c.key === sortKey && c.sort);
    const sorted = col
      ? [...rows].sort((a, b) => {
          const x = col.sort!(a);
          const y = col.sort!(b);
          const r = x < y ? -1 : x > y ? 1 : 0;
          return desc ? -r : r;
        })
      : rows;
    tbody.replaceChildren(
      ...sorted.map((r) =>
        h(
          'tr',
          { 'data-key': rowKey(r) },
          ...cols.map((c) =>
            h('td', { 'data-col': c.key, class: c.numeric ? 'num' : c.text ? 'text' : c.nowrap ? 'nowrap' : undefined }, c.cell(r)),
          ),
        ),
      ),
    );
    headRow.querySelectorAll('th').forEach((th) => {
      const k = th.getAttribute('data-col');
      th.setAttribute(
        'aria-sort',
        k === sortKey ? (desc ? 'descending' : 'ascending') : 'none',
      );
    });
  };
  for (const c of cols) {
    const th = h('th', { 'data-col': c.key, class: c.numeric ? 'num' : undefined });
    if (c.sort) {
      th.append(
        h(
          'button',
          {
            type: 'button',
            class: 'sort',
            onclick: () => {
              if (sortKey === c.key) desc = !desc;
              else {
                sortKey = c.key;
                desc = false;
              }
              render();
            },
          },
          c.label,
        ),
      );
    } else {
      th.append(c.label);
    }
    headRow.append(th);
  }
  render();
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-testid': opts.testid },
      opts.caption ? h('caption', {}, opts.caption) : null,
      h('thead', {}, headRow),
      tbody,
    ),
  );
}

// Text people typed, inside a line of other text: each piece in its own
// <bdi>, so a right-to-left override in one (U+202E) cannot turn the
// rest of the line around. '—' when there is none.
export function typed(items: string[], sep = ', '): Node | string {
  if (!items.length) return '—';
  const span = h('span', {});
  items.forEach((t, i) => append(span, [i ? sep : null, h('bdi', {}, t)]));
  return span;
}

// A symbol's aliases as the add and edit forms take them: separated by
// ", ", one holding a comma or a double quote in double quotes (its
// quotes doubled), so "Zeta, Inc." does not read as two aliases. Each is
// in its own <bdi>, as typed() does. '—' when there is none.
export function aliasList(items: string[]): Node | string {
  if (!items.length) return '—';
  const span = h('span', { class: 'aliases' });
  items.forEach((a, i) => {
    const q = quoteAlias(a);
    const quoted = q !== a;
    append(span, [
      i ? ', ' : null,
      quoted ? '"' : null,
      h('bdi', { class: 'alias' }, quoted ? q.slice(1, -1) : a),
      quoted ? '"' : null,
    ]);
  });
  return span;
}

// A row of label/value figures.
export function figures(items: [string, Child, string?][]): HTMLElement {
  return h(
    'dl',
    { class: 'figures' },
    ...items.map(([label, value, testid]) =>
      h('div', { class: 'figure' }, h('dt', {}, label), h('dd', { 'data-testid': testid }, value)),
    ),
  );
}

// A hint under a form that changes things: `without` while no token is
// set, `with` once one is, following the token box as it changes. The
// listener goes with the first change after the hint left the page.
export function tokenHint(without: string, withToken: string, testid: string): HTMLElement {
  const el = h('p', { class: 'hint', 'data-testid': testid });
  // Before it is placed on the page it is kept up to date; once it has
  // been on the page and left it, its listener goes.
  let placed = false;
  const show = () => {
    placed ||= el.isConnected;
    if (el.isConnected || !placed) el.textContent = getToken() ? withToken : without;
    else window.removeEventListener('stonks:token-changed', show);
  };
  show();
  window.addEventListener('stonks:token-changed', show);
  return el;
}

// A short message under a form: ok or error.
export function notice(kind: 'ok' | 'error', text: string): HTMLElement {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

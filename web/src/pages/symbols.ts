// Symbols: the watchlist from the registry. Search and filters read
// GET /registry/symbols; adding, editing aliases and (de)activating
// write through the registry with the user's token.
import { get, qs, request, type Page } from '../api';
import { aliasList, empty, failure, h, link, loading, notice, tokenHint } from '../dom';
import { joinAliases, parseAliases, trimBlanks } from '../format';
import type { Symbol } from '../types';


function symbolRow(s: Symbol, refresh: () => void): HTMLElement {
  const msg = h('div', { class: 'row-msg' });
  const aliasesCell = h('td', { 'data-col': 'aliases' }, aliasList(s.aliases));
  // what: the action as the button names it, for the error under it.
  const write = async (what: string, method: string, body?: unknown) => {
    msg.replaceChildren();
    try {
      await request(method, `/registry/symbols/${encodeURIComponent(s.ticker)}`, body);
      refresh();
    } catch (e) {
      msg.replaceChildren(failure(e, `${what} ${s.ticker}`));
    }
  };
  const edit = () => {
    const input = h('input', {
      type: 'text',
      value: joinAliases(s.aliases),
      'aria-label': `aliases of ${s.ticker}`,
      'data-testid': 'alias-input',
    });
    aliasesCell.replaceChildren(
      h(
        'form',
        {
          class: 'inline',
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            const { list, problem } = parseAliases(input.value);
            if (problem) msg.replaceChildren(notice('error', problem));
            else void write('Edit aliases of', 'PATCH', { aliases: list });
          },
        },
        input,
        h('button', { type: 'submit' }, 'Save'),
        h('button', { type: 'button', onclick: refresh }, 'Cancel'),
      ),
    );
    input.focus();
  };
  return h(
    'tr',
    { 'data-key': s.ticker, class: s.active ? '' : 'inactive' },
    h('td', { 'data-col': 'ticker' }, link(`/symbols/${s.ticker}`, s.ticker)),
    h('td', { 'data-col': 'name', class: 'words' }, s.name),
    h('td', { 'data-col': 'sector', class: 'words' }, s.sector || '—'),
    aliasesCell,
    h('td', { 'data-col': 'active' }, s.active ? 'active' : 'inactive'),
    h(
      'td',
      { 'data-col': 'actions', class: 'actions' },
      h('button', { type: 'button', onclick: edit }, 'Edit aliases'),
      s.active
        ? h('button', { type: 'button', class: 'danger', onclick: () => void write('Deactivate', 'DELETE') }, 'Deactivate')
        : h('button', { type: 'button', onclick: () => void write('Activate', 'PATCH', { active: true }) }, 'Activate'),
      msg,
    ),
  );
}

function addForm(done: (ticker: string) => void): HTMLElement {
  const f = {
    ticker: h('input', { name: 'ticker', required: true, maxlength: 15, placeholder: 'e.g. NVDA' }),
    name: h('input', { name: 'name', required: true, maxlength: 200, placeholder: 'NVIDIA Corp' }),
    sector: h('input', { name: 'sector', maxlength: 100, placeholder: 'Information Technology' }),
    aliases: h('input', { name: 'aliases', placeholder: 'Nvidia, GeForce' }),
  };
  const msg = h('div', { 'data-testid': 'add-result' });
  const label = (text: string, input: HTMLElement) => h('label', {}, h('span', {}, text), input);
  return h(
    'form',
    {
      class: 'add-symbol',
      'data-testid': 'add-symbol',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        msg.replaceChildren();
        const body: Record<string, unknown> = {
          ticker: f.ticker.value.trim(),
          name: trimBlanks(f.name.value),
        };
        const sector = trimBlanks(f.sector.value);
        if (sector) body.sector = sector;
        const { list: aliases, problem } = parseAliases(f.aliases.value);
        if (problem) {
          msg.replaceChildren(notice('error', problem));
          return;
        }
        if (aliases.length) body.aliases = aliases;
        try {
          const s = await request<Symbol>('POST', '/registry/symbols', body);
          msg.replaceChildren(notice('ok', `Added ${s.ticker}.`));
          for (const i of Object.values(f)) i.value = '';
          done(s.ticker);
        } catch (e) {
          msg.replaceChildren(failure(e, 'Add symbol'));
        }
      },
    },
    h('h2', {}, 'Add a symbol'),
    h(
      'div',
      { class: 'form-row' },
      label('Ticker', f.ticker),
      label('Name', f.name),
      label('Sector', f.sector),
      label('Aliases (comma-separated)', f.aliases),
      h('button', { type: 'submit' }, 'Add'),
    ),
    tokenHint(
      'Changes need the token (top right). The pipeline picks them up on its next tick.',
      'Changes use the token set for this tab (top right). The pipeline picks them up on its next tick.',
      'add-token-hint',
    ),
    msg,
  );
}

export function renderSymbols(main: HTMLElement): void {
  const q = h('input', { type: 'search', placeholder: 'Search ticker, name or alias', 'aria-label': 'search', 'data-testid': 'symbol-search' });
  const active = h(
    'select',
    { 'aria-label': 'status', 'data-testid': 'symbol-active' },
    h('option', { value: '' }, 'all'),
    h('option', { value: 'true' }, 'active'),
    h('option', { value: 'false' }, 'inactive'),
  );
  const body = h('tbody');
  const list = h('div', { 'data-testid': 'symbol-list' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  let cursor: string | null = null;
  let gen = 0;

  // One page at a time: "Load more" waits for the page before it, and a
  // new search hides it until its first page is in (else the same page
  // could be appended twice).
  const load = async (reset: boolean) => {
    const my = reset ? ++gen : gen;
    more.disabled = true;
    if (reset) {
      cursor = null;
      more.hidden = true;
      body.replaceChildren();
      list.replaceChildren(loading());
    }
    try {
      const page = await get<Page<Symbol>>(
        `/registry/symbols${qs({ q: q.value.trim(), active: active.value, limit: 100, cursor: cursor ?? undefined })}`,
      );
      if (my !== gen) return;
      for (const s of page.items) body.append(symbolRow(s, () => void load(true)));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      list.replaceChildren(
        body.children.length
          ? h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { 'data-testid': 'symbols' },
                h(
                  'thead',
                  {},
                  h('tr', {}, ...['Ticker', 'Name', 'Sector', 'Aliases', 'Status', ''].map((t) => h('th', {}, t))),
                ),
                body,
              ),
            )
          : empty('No symbol matches.'),
      );
    } catch (e) {
      if (my === gen) list.replaceChildren(failure(e, 'Symbols'));
    } finally {
      if (my === gen) more.disabled = false;
    }
  };
  let timer = 0;
  q.addEventListener('input', () => {
    clearTimeout(timer);
    timer = window.setTimeout(() => void load(true), 250);
  });
  active.addEventListener('change', () => void load(true));
  more.addEventListener('click', () => void load(false));

  main.append(
    h('h1', {}, 'Symbols'),
    h('section', { class: 'panel' }, addForm(() => void load(true))),
    h(
      'section',
      { class: 'panel', 'data-testid': 'panel-symbols' },
      h('h2', {}, 'Watchlist'),
      h('div', { class: 'form-row' }, q, active),
      list,
      more,
    ),
  );
  void load(true);
}

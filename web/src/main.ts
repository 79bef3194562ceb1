// The dashboard's shell: navigation, the token box, the trading mode
// badge, and the routes of every page.
import './style.css';
import { get, getToken, setToken, tokenProblem } from './api';
import { h, link, notice } from './dom';
import { killSwitchState } from './format';
import { route, start } from './router';
import type { TradingStatus } from './types';
import { renderDocument } from './pages/document';
import { renderLineage } from './pages/lineage';
import { renderOverview } from './pages/overview';
import { renderRecommendationHistory, renderRecommendations } from './pages/recommendations';
import { renderRisk } from './pages/risk';
import { renderSymbol } from './pages/symbol';
import { renderSymbols } from './pages/symbols';
import { renderTrading } from './pages/trading';

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/symbols', 'Symbols'],
  ['/recommendations', 'Recommendations'],
  ['/trading', 'Trading'],
  // Not /risk: nginx sends /risk/ to the risk-engine.
  ['/limits', 'Risk'],
];

function tokenBox(): HTMLElement {
  const state = h('span', { class: 'token-state', 'data-testid': 'token-state' });
  const msg = h('div', { class: 'token-msg', 'data-testid': 'token-msg' });
  const input = h('input', {
    type: 'password',
    autocomplete: 'off',
    placeholder: 'API token',
    'aria-label': 'API token',
    'data-testid': 'token-input',
  });
  const form = h(
    'form',
    {
      class: 'token-form',
      hidden: true,
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const problem = tokenProblem(input.value.trim());
        if (problem) {
          msg.replaceChildren(notice('error', problem));
          return;
        }
        msg.replaceChildren();
        setToken(input.value.trim());
        input.value = '';
        form.hidden = true;
        show();
      },
    },
    input,
    h('button', { type: 'submit', 'data-testid': 'token-save' }, 'Use'),
    h(
      'button',
      {
        type: 'button',
        onclick: () => {
          setToken('');
          input.value = '';
          msg.replaceChildren();
          form.hidden = true;
          show();
        },
      },
      'Forget',
    ),
    msg,
  );
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'token-toggle',
      'data-testid': 'token-toggle',
      onclick: () => {
        form.hidden = !form.hidden;
        if (!form.hidden) input.focus();
      },
    },
    state,
  );
  const show = () => {
    const has = !!getToken();
    state.textContent = has ? 'Token set' : 'Token';
    toggle.classList.toggle('has-token', has);
    toggle.title = has
      ? 'A token is kept for this tab (sessionStorage); changes are allowed'
      : 'Enter an API token to make changes';
  };
  show();
  return h('div', { class: 'token' }, toggle, form);
}

async function modeBadge(el: HTMLElement): Promise<void> {
  try {
    const s = await get<TradingStatus>('/api/trading/status');
    const live = s.mode === 'live';
    const ks = killSwitchState(s.status.kill_switch);
    el.replaceChildren(
      h('span', { class: `badge mode ${live ? 'live' : 'paper'}`, 'data-testid': 'header-mode' }, live ? 'LIVE' : 'PAPER'),
      ks.on ? h('span', { class: 'badge kill-on', title: ks.note ?? undefined }, 'KILL SWITCH ON') : '',
    );
  } catch {
    el.replaceChildren(h('span', { class: 'badge mode unknown' }, 'mode ?'));
  }
}

function shell(): HTMLElement {
  const app = document.getElementById('app')!;
  const nav = h('nav', { 'aria-label': 'pages' }, ...NAV.map(([href, text]) => link(href, text)));
  const mode = h('div', { class: 'mode-slot' });
  const main = h('main', { id: 'main' });
  app.append(
    h(
      'header',
      {},
      h('a', { href: '/', 'data-link': true, class: 'brand' }, 'Stonks Oracle'),
      nav,
      mode,
      tokenBox(),
    ),
    main,
  );
  route('/', renderOverview);
  route('/symbols', renderSymbols);
  route('/symbols/:t', renderSymbol);
  route('/recommendations', renderRecommendations);
  route('/recommendations/:t', renderRecommendationHistory);
  route('/trading', renderTrading);
  route('/orders/:id', renderLineage);
  route('/limits', renderRisk);
  route('/documents/:id', renderDocument);
  // The header's badges follow a kill switch change at once.
  window.addEventListener('stonks:trading-changed', () => void modeBadge(mode));
  start(main, (path) => {
    for (const a of nav.querySelectorAll('a')) {
      const href = a.getAttribute('href')!;
      // An order's lineage belongs to Trading.
      const p = path.startsWith('/orders/') ? '/trading' : path;
      const on = href === '/' ? p === '/' : p === href || p.startsWith(href + '/');
      a.classList.toggle('active', on);
      if (on) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    void modeBadge(mode);
  });
  return main;
}

shell();

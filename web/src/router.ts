// History-API routing: the path names the page (nginx answers every
// unknown path with index.html). Pages register cleanups (charts) that
// run when the user leaves them.

export type Render = (main: HTMLElement, params: string[]) => void;

interface Route {
  re: RegExp;
  render: Render;
}

const routes: Route[] = [];
let cleanups: (() => void)[] = [];
let mainEl: HTMLElement | null = null;
let onChange: (path: string) => void = () => {};

export function route(pattern: string, render: Render): void {
  const re = new RegExp(
    '^' + pattern.replace(/:[a-z]+/g, '([^/]+)') + '/?$',
  );
  routes.push({ re, render });
}

export function onLeave(fn: () => void): void {
  cleanups.push(fn);
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  dispatch();
}

// The path's parameters decoded, or null when one is not UTF-8 percent
// encoding (decodeURIComponent throws on "%FF", which nginx lets through).
function decodeAll(params: string[]): string[] | null {
  try {
    return params.map(decodeURIComponent);
  } catch {
    return null;
  }
}

export function dispatch(): void {
  if (!mainEl) return;
  for (const fn of cleanups) fn();
  cleanups = [];
  const path = location.pathname;
  mainEl.replaceChildren();
  onChange(path);
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m) {
      const params = decodeAll(m.slice(1));
      if (!params) break; // %FF and the like: no such page
      r.render(mainEl, params);
      window.scrollTo(0, 0);
      return;
    }
  }
  const h = document.createElement('h1');
  h.textContent = 'No such page';
  const p = document.createElement('p');
  p.className = 'state empty';
  p.textContent = `${path} is not a page of the dashboard.`;
  mainEl.append(h, p);
}

export function start(main: HTMLElement, changed: (path: string) => void): void {
  mainEl = main;
  onChange = changed;
  window.addEventListener('popstate', dispatch);
  document.addEventListener('click', (ev) => {
    const a = (ev.target as Element | null)?.closest?.('a[data-link]');
    if (!a || ev.defaultPrevented || ev.button !== 0) return;
    if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    navigate(a.getAttribute('href') ?? '/');
  });
  dispatch();
}

// Formatting of the API's numbers for people. Pure functions, shared by
// every page and by the unit tests; the e2e tests format the API's
// answers with the same rules and compare them with the page.

import type { KillSwitch, LiveTick } from './types';

const groups = (digits: string): string =>
  digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

// Integer cents as dollars: 123456 -> "$1,234.56", -5 -> "-$0.05".
export function money(cents: number | null | undefined): string {
  if (cents === null || cents === undefined || !Number.isFinite(cents))
    return '—';
  const neg = cents < 0;
  const abs = Math.abs(Math.round(cents));
  const whole = groups(String(Math.floor(abs / 100)));
  const frac = String(abs % 100).padStart(2, '0');
  return `${neg ? '-' : ''}$${whole}.${frac}`;
}

// Like money, with an explicit sign for gains: "+$12.00", "-$3.10".
export function signedMoney(cents: number | null | undefined): string {
  if (cents === null || cents === undefined || !Number.isFinite(cents))
    return '—';
  return cents > 0 ? `+${money(cents)}` : money(cents);
}

// A decimal string or number of dollars ("95819.45") as "$95,819.45".
export function dollars(v: string | number | null | undefined): string {
  if (v === null || v === undefined || v === '') return '—';
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) return String(v);
  return money(Math.round(n * 100));
}

// Basis points: 434 -> "4.34%".
export function bps(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(v / 100).toFixed(2)}%`;
}

// A fraction as a percentage: 0.020176 -> "2.02%".
export function pct(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${(v * 100).toFixed(digits)}%`;
}

// A signed number with fixed decimals: 0.25 -> "+0.250".
export function signed(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const s = v.toFixed(digits);
  if (Number(s) === 0) return s.replace('-', '');
  return v > 0 ? `+${s}` : s;
}

// A plain number with fixed decimals: 0.731 -> "0.73".
export function fixed(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toFixed(digits);
}

// An integer with thousands separators.
export function int(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const s = groups(String(Math.abs(Math.trunc(v))));
  return v < 0 ? `-${s}` : s;
}

// A price in dollars with two decimals (a bar's close 48.341 -> "48.34").
export function price(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toFixed(2);
}

// An instant "2011-09-01T13:30:00Z" as "2011-09-01 13:30 UTC". One with
// an offset is moved to UTC: PostgreSQL writes timestamptz in the
// session's time zone ("2026-12-05T07:26:50.8-05:00" under PGTZ or a
// server initialised outside UTC), and the trading-engine passes it on.
export function instant(v: string | null | undefined): string {
  if (!v) return '—';
  const m =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|([+-])(\d{2})(?::?(\d{2}))?)?/.exec(v);
  if (!m) return v;
  let t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  if (m[6]) t -= (m[6] === '-' ? -1 : 1) * (+m[7] * 60 + +(m[8] ?? 0)) * 60000;
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

// A count of seconds for people: "42 s", "12 min", "3 h 5 min",
// "2 d 4 h".
export function duration(s: number): string {
  const n = Math.max(0, Math.floor(s));
  if (n < 60) return `${n} s`;
  if (n < 3600) return `${Math.floor(n / 60)} min`;
  if (n < 86400) return `${Math.floor(n / 3600)} h ${Math.floor((n % 3600) / 60)} min`;
  return `${Math.floor(n / 86400)} d ${Math.floor((n % 86400) / 3600)} h`;
}

// The live scheduler's last tick in words: the tick (its New York day,
// done or running), what became of the day's aggregation, and its age
// (query-api's age_s and stale), which tells a tick that is the last
// of a scheduler stopped since from a recent one.
// A tick whose scheduler stopped has the time it stopped as done_at.
export function liveTick(t: LiveTick): { tick: string; aggregation: string; age: string } {
  const tick = t.done_at
    ? `${t.day}, ${t.stopped ? 'stopped' : 'done'} ${instant(t.done_at)}`
    : `${t.day}, running since ${instant(t.started_at)}`;
  let aggregation: string;
  if (!t.session) aggregation = 'none: the exchange does not trade that day';
  else if (t.stopped) aggregation = 'none: the scheduler stopped during the tick';
  else if (!t.done_at) aggregation = 'waits for the day\'s documents';
  else if (!t.aggregation_queued) aggregation = 'held back: an earlier tick\'s is not finished';
  else if (t.documents_extracted) aggregation = 'queued, every document extracted';
  else aggregation = 'queued before every document was extracted';
  let age = '—';
  if (typeof t.age_s === 'number' && Number.isFinite(t.age_s))
    age = t.stale
      ? `${duration(t.age_s)}: stale, no tick for over twice the interval (is the scheduler running?)`
      : duration(t.age_s);
  return { tick, aggregation, age };
}

// The kill switch as the screen and the gate read it: on when its row
// is missing (deleted by hand), with a note saying so; null (a
// trading-engine older than "missing") is a missing row too.
export function killSwitchState(ks: KillSwitch | null | undefined): { on: boolean; note: string | null } {
  if (!ks || ks.missing)
    return {
      on: true,
      note: 'its row is missing from the database: orders are denied as with the switch on; turning it on or off writes the row again',
    };
  return { on: ks.active, note: null };
}

// A queue worker's state from the time of the last row it wrote (an
// ISO instant, or null): 'active' when that is at most ACTIVE_MS before
// nowMs, else 'idle' (a worker that wrote once, long ago, was shown
// active for ever).
export const ACTIVE_MS = 15 * 60 * 1000;
export function workerState(at: string | null | undefined, nowMs: number): 'active' | 'idle' {
  if (!at) return 'idle';
  const t = Date.parse(at);
  return Number.isFinite(t) && nowMs - t <= ACTIVE_MS ? 'active' : 'idle';
}

// A sort key that puts recommendations in the order a trader reads
// them, ascending: BUY, then SELL, then HOLD, each strongest conviction
// (0..1) first (by conviction alone a confident HOLD came before a BUY).
export function actionOrder(action: string, conviction: number): number {
  const rank = action === 'BUY' ? 0 : action === 'SELL' ? 1 : 2;
  const c = Number.isFinite(conviction) ? conviction : 0; // NaN: weakest
  return rank * 2 + 1 - Math.min(Math.max(c, 0), 1);
}

// A limit's value in its unit (risk_limits.unit); null is a limit whose
// row is missing (no order is judged until PATCH /limits sets it).
export function limitValue(value: number | null, unit: string): string {
  if (value === null) return 'missing: set it';
  switch (unit) {
    case 'cents':
      return money(value);
    case 'bps':
      return bps(value);
    case 'flag':
      return value ? 'on' : 'off';
    default:
      return int(value);
  }
}

// The sign class of a number, for colouring: "pos", "neg" or "".
export function tone(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v) || v === 0)
    return '';
  return v > 0 ? 'pos' : 'neg';
}

// An alias as it is written in a list of them: in double quotes, its
// quotes doubled (CSV's rule), when it holds a comma or a double quote;
// as it is otherwise: Zeta, Inc. -> "Zeta, Inc.".
export function quoteAlias(a: string): string {
  return /[",]/.test(a) ? `"${a.replace(/"/g, '""')}"` : a;
}

// A list of aliases as one line to edit: separated by ", ", each written
// by quoteAlias, so that splitAliases gives the same list back.
export function joinAliases(list: string[]): string {
  return list.map(quoteAlias).join(', ');
}

// Text with the spaces and tabs at both ends dropped, as the registry
// trims names, sectors and aliases (docs/API.md). Not String.trim(),
// which also drops a no-break space (U+00A0), an ideographic space
// (U+3000) and line breaks: those the registry keeps, so an alias
// ending in one would change on a Save that changed nothing.
export function trimBlanks(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, '');
}

// The aliases typed in one line: split at commas outside double quotes,
// the spaces and tabs around each dropped (trimBlanks), empty ones left
// out.
export function splitAliases(line: string): string[] {
  return parseAliases(line).list;
}

// splitAliases, and why the line cannot be read as it was meant: a
// quote opened and not closed (the registry's import refuses such a
// line; here it had been read up to its end as one alias).
export function parseAliases(line: string): { list: string[]; problem: string | null } {
  const list: string[] = [];
  let problem: string | null = null;
  let i = 0;
  while (i <= line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let v = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && !(line[i] === '"' && line[i + 1] !== '"')) {
        if (line[i] === '"') i++; // "" is one quote
        v += line[i++];
      }
      if (i >= line.length)
        problem ??= `A quoted alias is not closed: a '"' opens it and none ends it (write a quote inside an alias as '""').`;
      i++; // the closing quote
      const comma = line.indexOf(',', i);
      v += trimBlanks(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length + 1 : comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      v = trimBlanks(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length + 1 : comma + 1;
    }
    if (v) list.push(v);
  }
  return { list, problem };
}

// Characters that change or hide the text around them rather than show
// themselves: controls, format characters (the bidi overrides and
// isolates such as U+202E, zero-width spaces and joiners, U+FEFF),
// line and paragraph separators, and the other default-ignorable ones
// (variation selectors, U+3164).
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;

// Text from the address bar for a heading: each invisible character
// written as its escape, "AB\u202eCD" for AB U+202E CD, so that it can
// neither turn the heading around nor hide in it.
export function visible(text: string): string {
  return text.replace(INVISIBLE, (ch) => {
    const c = ch.codePointAt(0)!;
    const hex = c.toString(16);
    return c > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`;
  });
}

// Buy-and-hold of the watchlist, the yardstick for the portfolio: on
// the portfolio's first day its equity is split equally over every
// ticker with a close that day, bought at that close and held. Its
// value on each later day uses each ticker's latest close up to that
// day. Closes come from the aggregates (last_close per ticker and day).

export interface Close {
  ticker: string;
  as_of: string;
  last_close: number | null;
}

export interface Point {
  day: string;
  value_cents: number;
}

export function buyAndHold(
  days: { day: string; equity_cents: number }[],
  closes: Close[],
): { points: Point[]; tickers: string[] } {
  if (days.length === 0) return { points: [], tickers: [] };
  const byDay = new Map<string, Map<string, number>>();
  for (const c of closes) {
    if (c.last_close === null || !(c.last_close > 0)) continue;
    let m = byDay.get(c.as_of);
    if (!m) byDay.set(c.as_of, (m = new Map()));
    m.set(c.ticker, c.last_close);
  }
  const first = byDay.get(days[0].day);
  if (!first || first.size === 0) return { points: [], tickers: [] };
  const tickers = [...first.keys()].sort();
  const alloc = days[0].equity_cents / tickers.length;
  const shares = new Map(tickers.map((t) => [t, alloc / first.get(t)!]));
  const last = new Map(first);
  const points = days.map(({ day }) => {
    const m = byDay.get(day);
    if (m) for (const t of tickers) if (m.has(t)) last.set(t, m.get(t)!);
    let v = 0;
    for (const t of tickers) v += shares.get(t)! * last.get(t)!;
    return { day, value_cents: Math.round(v) };
  });
  return { points, tickers };
}

// The latest day of a list of recommendations (the replay's "today").
export function latestDay(days: string[]): string | null {
  let best: string | null = null;
  for (const d of days) if (best === null || d > best) best = d;
  return best;
}

// Recommendation changes: the first recommendation of each ticker and
// every one whose action differs from the ticker's previous one.
export function changes<T extends { ticker: string; as_of: string; action: string }>(
  recs: T[],
): T[] {
  const sorted = [...recs].sort((a, b) =>
    a.ticker === b.ticker ? (a.as_of < b.as_of ? -1 : 1) : a.ticker < b.ticker ? -1 : 1,
  );
  const out: T[] = [];
  let prev: T | null = null;
  for (const r of sorted) {
    if (!prev || prev.ticker !== r.ticker || prev.action !== r.action) out.push(r);
    prev = r;
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { actionOrder, bps, dollars, money, pct, signed, signedMoney, limitValue, instant, int, joinAliases, killSwitchState, liveTick, parseAliases, splitAliases, trimBlanks, visible, workerState } from '../src/format';
import { buyAndHold, changes, latestDay } from '../src/benchmark';

describe('money', () => {
  it('formats integer cents as dollars with thousands separators', () => {
    expect(money(10000000)).toBe('$100,000.00');
    expect(money(9581945)).toBe('$95,819.45');
    expect(money(5)).toBe('$0.05');
    expect(money(-3990)).toBe('-$39.90');
    expect(money(null)).toBe('—');
  });
  it('signs gains', () => {
    expect(signedMoney(5805)).toBe('+$58.05');
    expect(signedMoney(-3990)).toBe('-$39.90');
    expect(signedMoney(0)).toBe('$0.00');
  });
  it('reads decimal dollar strings', () => {
    expect(dollars('95819.45')).toBe('$95,819.45');
    expect(dollars('-0.10')).toBe('-$0.10');
  });
});

describe('ratios', () => {
  it('formats basis points and fractions as percentages', () => {
    expect(bps(434)).toBe('4.34%');
    expect(bps(10000)).toBe('100.00%');
    expect(pct(0.020176)).toBe('2.02%');
  });
  it('signs sentiment and never shows -0', () => {
    expect(signed(0.249746)).toBe('+0.250');
    expect(signed(-0.128)).toBe('-0.128');
    expect(signed(-0.0001)).toBe('0.000');
  });
  it('formats a limit in its unit', () => {
    expect(limitValue(1000000, 'cents')).toBe('$10,000.00');
    expect(limitValue(3000, 'bps')).toBe('30.00%');
    expect(limitValue(1, 'flag')).toBe('on');
    expect(limitValue(40, 'count')).toBe('40');
    // a limit whose row is missing, whatever its unit
    expect(limitValue(null, 'flag')).toBe('missing: set it');
    expect(limitValue(null, 'cents')).toBe('missing: set it');
    expect(int(-1234567)).toBe('-1,234,567');
  });
});

describe('buyAndHold', () => {
  it('splits the first day equity equally and holds', () => {
    const r = buyAndHold(
      [
        { day: '2011-09-01', equity_cents: 10000000 },
        { day: '2011-09-02', equity_cents: 10000000 },
        { day: '2011-09-06', equity_cents: 10004608 },
      ],
      [
        { ticker: 'A', as_of: '2011-09-01', last_close: 50 },
        { ticker: 'B', as_of: '2011-09-01', last_close: 100 },
        { ticker: 'A', as_of: '2011-09-02', last_close: 55 },
        { ticker: 'B', as_of: '2011-09-06', last_close: 90 },
      ],
    );
    expect(r.tickers).toEqual(['A', 'B']);
    // 50,000 in each: 1000 A shares, 500 B shares.
    expect(r.points.map((p) => p.value_cents)).toEqual([10000000, 10500000, 10000000]);
  });
  it('is empty without closes on the first day', () => {
    expect(buyAndHold([{ day: 'd', equity_cents: 1 }], []).points).toEqual([]);
  });
});

describe('recommendation changes', () => {
  it('keeps the first of each ticker and every change of action', () => {
    const recs = [
      { ticker: 'A', as_of: '2', action: 'BUY' },
      { ticker: 'A', as_of: '1', action: 'HOLD' },
      { ticker: 'A', as_of: '3', action: 'BUY' },
      { ticker: 'B', as_of: '1', action: 'SELL' },
    ];
    expect(changes(recs).map((r) => `${r.ticker}${r.as_of}`)).toEqual(['A1', 'A2', 'B1']);
    expect(latestDay(['2011-09-02', '2011-09-09', '2011-09-01'])).toBe('2011-09-09');
  });
});

describe('ApiError.unavailable', () => {
  it('is true for a missing route or service, false for a missing row', async () => {
    const { ApiError } = await import('../src/api');
    expect(new ApiError(404, 'not_found', 'no route for GET /x').unavailable).toBe(true);
    expect(new ApiError(404, 'not_found', 'no such route; see GET /docs').unavailable).toBe(true);
    expect(new ApiError(502, 'http_502', 'bad gateway').unavailable).toBe(true);
    expect(new ApiError(503, 'not_available', 'no trading tables').unavailable).toBe(true);
    expect(new ApiError(404, 'not_found', 'no order 7').unavailable).toBe(false);
    expect(new ApiError(401, 'unauthorized', 'token').unavailable).toBe(false);
  });
});

describe('instant', () => {
  it('shows a UTC instant to the minute', () => {
    expect(instant('2011-09-01T13:30:00Z')).toBe('2011-09-01 13:30 UTC');
    expect(instant('2026-12-05T12:26:50.802051+00:00')).toBe('2026-12-05 12:26 UTC');
    expect(instant('2011-09-01T13:30:59')).toBe('2011-09-01 13:30 UTC');
    expect(instant(null)).toBe('—');
    expect(instant('soon')).toBe('soon');
  });
  it('moves an instant with an offset to UTC', () => {
    expect(instant('2026-12-05T07:26:50.802051-05:00')).toBe('2026-12-05 12:26 UTC');
    expect(instant('2026-12-05T20:00:00-05:00')).toBe('2026-12-06 01:00 UTC');
    expect(instant('2026-12-05T17:56:50+05:30')).toBe('2026-12-05 12:26 UTC');
    expect(instant('2026-01-01T01:15:00+02')).toBe('2025-12-31 23:15 UTC');
  });
});

describe('aliases', () => {
  it('splits a line at commas, blanks and empty ones dropped', () => {
    expect(splitAliases('Nvidia, GeForce')).toEqual(['Nvidia', 'GeForce']);
    expect(splitAliases(' a b ,, ,c ')).toEqual(['a b', 'c']);
    expect(splitAliases('')).toEqual([]);
  });
  it('keeps a comma or a quote inside double quotes', () => {
    expect(splitAliases('Zeta Holdings, "Zeta, Inc."')).toEqual(['Zeta Holdings', 'Zeta, Inc.']);
    expect(splitAliases('"say ""hi""", x')).toEqual(['say "hi"', 'x']);
    expect(splitAliases('"open, ended')).toEqual(['open, ended']);
  });
  it('trims only spaces and tabs, as the registry does', () => {
    expect(trimBlanks(' \tZeta\u00a0 \t')).toBe('Zeta\u00a0');
    expect(trimBlanks('\u3000Zeta\u3000')).toBe('\u3000Zeta\u3000');
    expect(trimBlanks(' \t ')).toBe('');
    expect(splitAliases('Zeta\u00a0, Zeta Ideo\u3000 ,\t\u00a0Lead')).toEqual([
      'Zeta\u00a0',
      'Zeta Ideo\u3000',
      '\u00a0Lead',
    ]);
    expect(splitAliases('"Zeta, Inc."\u00a0 , "Quoted\u3000"\t')).toEqual(['Zeta, Inc.\u00a0', 'Quoted\u3000']);
    const list = ['Zeta\u00a0', 'Zeta Ideo\u3000', 'Zeta, Nbsp\u00a0'];
    expect(joinAliases(list)).toBe('Zeta\u00a0, Zeta Ideo\u3000, "Zeta, Nbsp\u00a0"');
    expect(splitAliases(joinAliases(list))).toEqual(list);
  });
  it('joins so that the split gives the same list back', () => {
    const list = ['Zeta Holdings', 'Zeta, Inc.', '"quoted"', 'a\\b', 'Ω-mega'];
    expect(joinAliases(list)).toBe('Zeta Holdings, "Zeta, Inc.", """quoted""", a\\b, Ω-mega');
    expect(splitAliases(joinAliases(list))).toEqual(list);
  });
});

describe('visible', () => {
  it('writes bidi controls and invisible characters as escapes', () => {
    expect(visible('AB\u202eCD')).toBe('AB\\u202eCD');
    expect(visible('\u2066x\u2069\u200e\u200f\u061c')).toBe('\\u2066x\\u2069\\u200e\\u200f\\u061c');
    expect(visible('a\u200bb\u200dc\ufeffd\u00ade')).toBe('a\\u200bb\\u200dc\\ufeffd\\u00ade');
    expect(visible('\u0000\u001b\u007f\u0085\u2028\u3164')).toBe('\\u0000\\u001b\\u007f\\u0085\\u2028\\u3164');
    expect(visible('tag\u{e0041}')).toBe('tag\\u{e0041}');
  });
  it('leaves printable text alone, whatever its script', () => {
    expect(visible('BRK.B')).toBe('BRK.B');
    expect(visible('株式 שלום Ünïcode 123')).toBe('株式 שלום Ünïcode 123');
  });
});

describe('parseAliases', () => {
  it('says when a quote is not closed, as the import does', () => {
    expect(parseAliases('Ui D, "Ui Delta Co.')).toEqual({
      list: ['Ui D', 'Ui Delta Co.'],
      problem: `A quoted alias is not closed: a '"' opens it and none ends it (write a quote inside an alias as '""').`,
    });
    expect(parseAliases('"Zeta, Inc.", Zeta')).toEqual({ list: ['Zeta, Inc.', 'Zeta'], problem: null });
    expect(parseAliases('"a ""b"" c"')).toEqual({ list: ['a "b" c'], problem: null });
  });
});

describe('workerState', () => {
  const now = Date.UTC(2026, 11, 5, 12, 0, 0);
  it('is active for a row written at most 15 minutes ago', () => {
    expect(workerState('2026-12-05T11:45:00Z', now)).toBe('active');
    expect(workerState('2026-12-05T11:59:59.5+00:00', now)).toBe('active');
  });
  it('is idle for an older row, none, or a time it cannot read', () => {
    expect(workerState('2026-12-05T11:44:59Z', now)).toBe('idle');
    expect(workerState('2011-12-30T21:00:00Z', now)).toBe('idle');
    expect(workerState(null, now)).toBe('idle');
    expect(workerState('yesterday', now)).toBe('idle');
  });
});

describe('actionOrder', () => {
  it('sorts BUY, SELL, HOLD, each strongest first', () => {
    const recs = [
      { t: 'H9', a: 'HOLD', c: 0.9 },
      { t: 'B2', a: 'BUY', c: 0.2 },
      { t: 'S5', a: 'SELL', c: 0.5 },
      { t: 'B8', a: 'BUY', c: 0.8 },
      { t: 'H1', a: 'HOLD', c: 0.1 },
      { t: 'S1', a: 'SELL', c: 1 },
    ];
    const order = recs
      .map((r) => ({ t: r.t, k: actionOrder(r.a, r.c) }))
      .sort((x, y) => x.k - y.k)
      .map((r) => r.t);
    expect(order).toEqual(['B8', 'B2', 'S1', 'S5', 'H9', 'H1']);
    expect(actionOrder('BUY', 1)).toBe(0);
    expect(actionOrder('HOLD', 0)).toBe(5);
    expect(actionOrder('BUY', 7)).toBe(0);
    expect(actionOrder('SELL', Number.NaN)).toBe(3);
  });
});

describe('killSwitchState', () => {
  const ks = {
    active: false,
    missing: false,
    reason: 'resume',
    changed_by: 'api req-1',
    changed_at: '2026-12-04T15:00:00Z',
  };
  const missing =
    'its row is missing from the database: orders are denied as with the switch on; turning it on or off writes the row again';
  it('is the switch as stored', () => {
    expect(killSwitchState(ks)).toEqual({ on: false, note: null });
    expect(killSwitchState({ ...ks, active: true })).toEqual({ on: true, note: null });
  });
  it('is on when its row is missing, and says so', () => {
    const gone = { active: true, missing: true, reason: 'x', changed_by: null, changed_at: null };
    expect(killSwitchState(gone)).toEqual({ on: true, note: missing });
    // a trading-engine older than "missing" answered null
    expect(killSwitchState(null)).toEqual({ on: true, note: missing });
  });
});

describe('liveTick', () => {
  const tick = {
    day: '2026-12-04',
    started_at: '2026-12-04T15:00:00Z',
    done_at: '2026-12-04T15:00:42Z',
    tickers: 40,
    session: true,
    documents_extracted: true,
    aggregation_queued: true,
    stopped: false,
    age_s: 750,
    stale: false,
  };
  it('says when the tick ran and what became of the aggregation', () => {
    expect(liveTick(tick)).toEqual({
      tick: '2026-12-04, done 2026-12-04 15:00 UTC',
      aggregation: 'queued, every document extracted',
      age: '12 min',
    });
    expect(liveTick({ ...tick, documents_extracted: false }).aggregation).toBe(
      'queued before every document was extracted',
    );
    expect(liveTick({ ...tick, aggregation_queued: false }).aggregation).toBe(
      "held back: an earlier tick's is not finished",
    );
    expect(liveTick({ ...tick, done_at: null })).toEqual({
      tick: '2026-12-04, running since 2026-12-04 15:00 UTC',
      aggregation: "waits for the day's documents",
      age: '12 min',
    });
    expect(liveTick({ ...tick, aggregation_queued: false, stopped: true })).toEqual({
      tick: '2026-12-04, stopped 2026-12-04 15:00 UTC',
      aggregation: 'none: the scheduler stopped during the tick',
      age: '12 min',
    });
    expect(liveTick({ ...tick, day: '2026-12-05', session: false }).aggregation).toBe(
      'none: the exchange does not trade that day',
    );
  });
  it('says how old the tick is, and when it is stale', () => {
    expect(liveTick({ ...tick, age_s: 42 }).age).toBe('42 s');
    expect(liveTick({ ...tick, age_s: 0 }).age).toBe('0 s');
    expect(liveTick({ ...tick, age_s: 11100 }).age).toBe('3 h 5 min');
    expect(liveTick({ ...tick, age_s: 187200, stale: true }).age).toBe(
      '2 d 4 h: stale, no tick for over twice the interval (is the scheduler running?)',
    );
    // a query-api before age_s
    const { age_s: _a, stale: _s, ...old } = tick;
    expect(liveTick(old).age).toBe('—');
  });
});

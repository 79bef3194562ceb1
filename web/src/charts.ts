// Charts with lightweight-charts: the portfolio against buy-and-hold,
// and a ticker's daily candles with its aggregated sentiment in a pane
// below and markers for recommendation changes and fills.
import {
  CandlestickSeries,
  ColorType,
  LineSeries,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type SeriesMarkerBar,
  type Time,
} from 'lightweight-charts';
import { h } from './dom';
import { onLeave } from './router';

const base = {
  autoSize: true,
  layout: {
    background: { type: ColorType.Solid, color: '#ffffff' },
    textColor: '#243042',
    fontFamily: 'system-ui, sans-serif',
    attributionLogo: false,
  },
  grid: {
    vertLines: { color: '#eef1f5' },
    horzLines: { color: '#eef1f5' },
  },
  timeScale: { borderColor: '#d0d6e0' },
  rightPriceScale: { borderColor: '#d0d6e0' },
};

// A chart that fits all its data again whenever its box changes size
// (a phone turned, a window resized), removed when the page is left.
function mount(el: HTMLElement): IChartApi {
  const chart = createChart(el, base);
  const fit = new ResizeObserver(() => chart.timeScale().fitContent());
  fit.observe(el);
  onLeave(() => {
    fit.disconnect();
    chart.remove();
  });
  return chart;
}

export function portfolioChart(
  el: HTMLElement,
  equity: { day: string; cents: number }[],
  bench: { day: string; cents: number }[],
): void {
  const chart = mount(el);
  const s = chart.addSeries(LineSeries, {
    color: '#2156c9',
    lineWidth: 2,
    title: 'portfolio',
  });
  s.setData(equity.map((p) => ({ time: p.day as Time, value: p.cents / 100 })));
  if (bench.length) {
    const b = chart.addSeries(LineSeries, {
      color: '#9aa5b5',
      lineWidth: 2,
      lineStyle: 2,
      title: 'buy & hold',
    });
    b.setData(bench.map((p) => ({ time: p.day as Time, value: p.cents / 100 })));
  }
  chart.timeScale().fitContent();
}

export interface Mark {
  day: string;
  kind: 'BUY' | 'SELL' | 'HOLD' | 'fill-buy' | 'fill-sell';
  text: string;
}

const markStyle: Record<
  Mark['kind'],
  Pick<SeriesMarkerBar<Time>, 'position' | 'shape' | 'color'>
> = {
  BUY: { position: 'belowBar', shape: 'arrowUp', color: '#138a4b' },
  SELL: { position: 'aboveBar', shape: 'arrowDown', color: '#c0392b' },
  HOLD: { position: 'aboveBar', shape: 'square', color: '#8a94a6' },
  'fill-buy': { position: 'belowBar', shape: 'circle', color: '#2156c9' },
  'fill-sell': { position: 'aboveBar', shape: 'circle', color: '#b5651d' },
};

// Marker labels as elements over the price pane rather than the
// library's canvas text, which overlaps when bars are close (a phone):
// a label centred on its bar that would stick out of the pane at its
// left or right moves sideways until it fits (its edge at the pane's);
// one that would overlap a label already placed, or stick out at the
// top or bottom, moves up to LABEL_SHIFT rows away from its bar, else
// is hidden (its marker stays). The newest are placed first, so the
// newest label always shows. A label sits beyond
// the markers of its bar and side, stacked as the library stacks them
// (markGeometry: a margin, then a marker and a margin each).
const LABEL_HEIGHT = 14;
const LABEL_SHIFT = 2;

function markGeometry(barSpacing: number): { size: number; margin: number } {
  const size = Math.min(Math.max(barSpacing, 12), 30);
  return { size, margin: Math.max(Math.ceil(size * 0.1), 3) };
}

function markLabels(
  el: HTMLElement,
  chart: IChartApi,
  candles: ISeriesApi<'Candlestick'>,
  bars: { day: string; high: number; low: number }[],
  marks: Mark[],
): void {
  const layer = h('div', { class: 'mark-labels', 'data-testid': 'mark-labels' });
  el.append(layer);
  const byDay = new Map(bars.map((b) => [b.day, b]));
  // Marks on one bar's side: how many (stack), and each one's place
  // among them (nth, 0 nearest the bar), as for its marker.
  const stacks = new Map<string, number>();
  const labels = marks.map((m) => {
    const above = markStyle[m.kind].position === 'aboveBar';
    const side = `${m.day}:${above}`;
    const nth = stacks.get(side) ?? 0;
    stacks.set(side, nth + 1);
    const label = h('span', { class: `mark-label ${m.kind}`, 'data-day': m.day, hidden: true }, m.text);
    layer.append(label);
    return { m, above, side, nth, label, width: 0 };
  });
  let frame = 0;
  const place = () => {
    frame = 0;
    const { size, margin } = markGeometry(chart.timeScale().options().barSpacing);
    const width = chart.timeScale().width();
    const height = chart.panes()[0].getHeight();
    const taken: DOMRect[] = [];
    for (const l of [...labels].reverse()) {
      const bar = byDay.get(l.m.day);
      const x = chart.timeScale().timeToCoordinate(l.m.day as Time);
      const y = bar ? candles.priceToCoordinate(l.above ? bar.high : bar.low) : null;
      if (!l.width) {
        l.label.hidden = false;
        l.width = l.label.getBoundingClientRect().width;
      }
      l.label.hidden = true;
      if (x === null || y === null) continue;
      // Past the markers of this bar's side and the labels nearer it,
      // or up to LABEL_SHIFT rows further out when that place is taken.
      let box: DOMRect | null = null;
      for (let row = l.nth; row <= l.nth + LABEL_SHIFT && !box; row++) {
        const out = margin + stacks.get(l.side)! * (size + margin) + row * LABEL_HEIGHT;
        const top = l.above ? y - out - LABEL_HEIGHT : y + out;
        // Centred on its bar, or moved sideways just enough to stay in
        // the pane (the newest bars are at its right edge).
        const left = Math.max(0, Math.min(x - l.width / 2, width - l.width));
        const b = new DOMRect(left, top, l.width, LABEL_HEIGHT);
        const fits = b.left >= 0 && b.right <= width && b.top >= 0 && b.bottom <= height;
        const clear = taken.every(
          (o) => b.right <= o.left || b.left >= o.right || b.bottom <= o.top || b.top >= o.bottom,
        );
        if (fits && clear) box = b;
      }
      if (!box) continue;
      taken.push(box);
      l.label.style.left = `${box.left}px`;
      l.label.style.top = `${box.top}px`;
      l.label.hidden = false;
    }
  };
  const later = () => {
    if (!frame) frame = requestAnimationFrame(place);
  };
  chart.timeScale().subscribeVisibleLogicalRangeChange(later);
  chart.timeScale().subscribeSizeChange(later);
  // Dragging the price scale moves the bars without a range change.
  for (const ev of ['pointermove', 'wheel', 'touchmove']) el.addEventListener(ev, later, { passive: true });
  onLeave(() => cancelAnimationFrame(frame));
  later();
}

export function tickerChart(
  el: HTMLElement,
  bars: { day: string; open: number; high: number; low: number; close: number }[],
  sentiment: { day: string; value: number }[],
  marks: Mark[],
): void {
  const chart = mount(el);
  const candles = chart.addSeries(CandlestickSeries, {
    upColor: '#138a4b',
    downColor: '#c0392b',
    borderVisible: false,
    wickUpColor: '#138a4b',
    wickDownColor: '#c0392b',
  });
  candles.setData(
    bars.map((b) => ({
      time: b.day as Time,
      open: b.open,
      high: b.high,
      low: b.low,
      close: b.close,
    })),
  );
  const sent = chart.addSeries(
    LineSeries,
    { color: '#7a3fc2', lineWidth: 2, title: 'sentiment 7d' },
    1,
  );
  sent.setData(sentiment.map((p) => ({ time: p.day as Time, value: p.value })));
  const panes = chart.panes();
  if (panes.length > 1) {
    panes[0].setStretchFactor(3);
    panes[1].setStretchFactor(1);
  }
  const sorted = [...marks].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  createSeriesMarkers(
    candles,
    sorted.map((m) => ({ time: m.day as Time, ...markStyle[m.kind] })),
  );
  // Room under and over the bars for a marker's label.
  candles.priceScale().applyOptions({ scaleMargins: { top: 0.2, bottom: 0.2 } });
  chart.timeScale().fitContent();
  markLabels(el, chart, candles, bars, sorted);
}

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
  type SeriesMarkerBar,
  type Time,
} from 'lightweight-charts';
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
    sorted.map((m) => ({ time: m.day as Time, text: m.text, ...markStyle[m.kind] })),
  );
  chart.timeScale().fitContent();
}

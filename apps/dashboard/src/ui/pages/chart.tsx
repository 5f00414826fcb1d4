import { Rsi } from '@bb/rules'
import {
  type CandlestickData,
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  LineSeries,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts'
import { useEffect, useRef, useState } from 'preact/hooks'
import { formatDecimal, formatTickPrice } from '../format.js'
import { useStore } from '../hooks.js'
import { candleColours } from '../settings.js'
import { type DecisionJson, state, subscribeCandles } from '../store.js'

interface CandleJson {
  time: number
  open: string
  high: string
  low: string
  close: string
  volume: string
  source: string
}

const INTERVALS = ['1m', '5m', '15m', '1h'] as const
const INTERVAL_MS: Record<(typeof INTERVALS)[number], number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
}

const toBar = (c: CandleJson): CandlestickData<Time> => ({
  time: (c.time / 1000) as UTCTimestamp,
  open: Number(c.open),
  high: Number(c.high),
  low: Number(c.low),
  close: Number(c.close),
})

/** A decision as a chart marker: arrows up for buys, down for sells, a circle for meta decisions; id = decision id. */
function marker(d: DecisionJson, intervalMs: number): SeriesMarker<Time> {
  const time = (Math.floor(d.timestamp / intervalMs) * intervalMs) / 1000
  const sell = d.order?.side === 'sell'
  return d.kind === 'meta'
    ? {
        id: String(d.id),
        time: time as UTCTimestamp,
        position: 'aboveBar',
        shape: 'circle',
        color: '#6a4c93',
        text: `${d.rule.number}`,
      }
    : {
        id: String(d.id),
        time: time as UTCTimestamp,
        position: sell ? 'aboveBar' : 'belowBar',
        shape: sell ? 'arrowDown' : 'arrowUp',
        color: sell ? '#1565c0' : '#c62828',
        text: `${d.rule.number}`,
      }
}

/** Chart: candles with the forming candle, volume, the RSI pane with rule 1's line, decision markers. */
export function ChartPage() {
  const s = useStore()
  const [symbol, setSymbol] = useState(s.symbols[0] ?? '')
  const [interval, setInterval_] = useState<(typeof INTERVALS)[number]>('1m')
  const [legend, setLegend] = useState<CandleJson | undefined>()
  const [selected, setSelected] = useState<DecisionJson | undefined>()
  const [source, setSource] = useState('')
  const [tickSize, setTickSize] = useState<string | undefined>()
  const host = useRef<HTMLDivElement>(null)
  const chartRef = useRef<
    | {
        chart: IChartApi
        candles: ISeriesApi<'Candlestick'>
        markers: ReturnType<typeof createSeriesMarkers<Time>>
      }
    | undefined
  >(undefined)
  const decisions = s.decisions.filter((d) => d.symbol === symbol)

  useEffect(() => {
    if (!host.current) return
    const chart = createChart(host.current, {
      height: 520,
      layout: { background: { color: '#ffffff' }, textColor: '#1b1f24', attributionLogo: false },
      timeScale: { timeVisible: true, secondsVisible: false },
    })
    // Korean convention by default (up red, down blue); Settings → Candle colours.
    const colours = candleColours()
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: colours.up,
      downColor: colours.down,
      borderVisible: false,
      wickUpColor: colours.up,
      wickDownColor: colours.down,
    })
    const volume = chart.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, color: '#8a939e' }, 1)
    const rsiSeries = chart.addSeries(
      LineSeries,
      { color: '#6a4c93', lineWidth: 1, priceLineVisible: false },
      2,
    )
    const threshold = (
      state.strategy as { rules?: { id: string; when: { right?: unknown } }[] } | undefined
    )?.rules?.find((r) => r.id === 'rsi-entry')?.when.right
    if (typeof threshold === 'number')
      rsiSeries.createPriceLine({
        price: threshold,
        color: '#c62828',
        lineWidth: 1,
        title: `rule 1: RSI < ${threshold}`,
      })
    const markers = createSeriesMarkers(candles, [])
    chartRef.current = { chart, candles, markers }
    let stopped = false
    let bars: CandleJson[] = []
    void fetch(`/api/candles?symbol=${encodeURIComponent(symbol)}&interval=${interval}&count=300`)
      .then((r) => r.json())
      .then((body: { candles: CandleJson[]; source: string; tickSize: string | null }) => {
        if (stopped) return
        bars = body.candles
        // The price axis on the market's tick grid: its decimals, digits grouped.
        if (body.tickSize) {
          const tick = body.tickSize
          setTickSize(tick)
          // On the candle series only: the volume and RSI panes keep their own formats.
          candles.applyOptions({
            priceFormat: {
              type: 'custom',
              minMove: Number(tick),
              formatter: (price: number) => formatTickPrice(price, tick),
            },
          })
        }
        setSource(body.source)
        candles.setData(bars.map(toBar))
        volume.setData(bars.map((c) => ({ time: (c.time / 1000) as UTCTimestamp, value: Number(c.volume) })))
        const rsi = new Rsi(14)
        rsiSeries.setData(
          bars.flatMap((c) => {
            const value = rsi.update(Number(c.close))
            return value === undefined ? [] : [{ time: (c.time / 1000) as UTCTimestamp, value }]
          }),
        )
        setLegend(bars.at(-1))
      })
    // The forming candle updates in place (series.update), never re-creating the series.
    const off = subscribeCandles((c) => {
      if (c.symbol !== symbol || c.interval !== interval) return
      candles.update(toBar(c))
      volume.update({ time: (c.time / 1000) as UTCTimestamp, value: Number(c.volume) })
      setLegend(c)
      setSource(c.source)
    })
    chart.subscribeClick((param) => {
      const id = Number(param.hoveredObjectId)
      if (Number.isInteger(id)) setSelected(state.decisions.find((d) => d.id === id))
    })
    return () => {
      stopped = true
      off()
      chart.remove()
      chartRef.current = undefined
    }
  }, [symbol, interval])

  useEffect(() => {
    chartRef.current?.markers.setMarkers(
      decisions
        .map((d) => marker(d, INTERVAL_MS[interval]))
        .sort((a, b) => (a.time as number) - (b.time as number)),
    )
  }, [decisions.length, symbol, interval])

  return (
    <>
      <h1>Chart</h1>
      <label>
        Market
        <select value={symbol} onChange={(e) => setSymbol((e.target as HTMLSelectElement).value)}>
          {s.symbols.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      </label>
      <fieldset class="inline">
        <legend class="note">Timeframe</legend>
        {INTERVALS.map((i) => (
          <button key={i} type="button" aria-pressed={i === interval} onClick={() => setInterval_(i)}>
            {i}
          </button>
        ))}
      </fieldset>
      <p data-testid="legend">
        {legend
          ? `O ${formatDecimal(legend.open)} H ${formatDecimal(legend.high)} L ${formatDecimal(legend.low)} C ${formatDecimal(legend.close)} V ${formatDecimal(legend.volume)}`
          : '…'}{' '}
        {source ? <span class={`badge ${source}`}>{source}</span> : null} · times in UTC · RSI(14) pane with
        rule 1's threshold
        {tickSize ? <span data-testid="tick-size"> · price tick {formatDecimal(tickSize)}</span> : null}
      </p>
      <div ref={host} class="panel" data-testid="chart" />
      <div class="grid2">
        <section class="panel" aria-label="markers">
          <h2>
            Decision markers: <span data-testid="marker-count">{decisions.length}</span>
          </h2>
          <ul class="log">
            {decisions
              .slice(-50)
              .reverse()
              .map((d) => (
                <li key={d.id}>
                  <button type="button" data-marker-id={d.id} onClick={() => setSelected(d)}>
                    #{d.id} rule {d.rule.number} {d.rule.id} {d.order?.side ?? d.kind}
                  </button>
                </li>
              ))}
          </ul>
        </section>
        <section class="panel" aria-label="explanation" data-testid="drawer">
          <h2>Explanation</h2>
          {selected ? (
            <>
              <p data-testid="drawer-text">{selected.explanation}</p>
              <ul>
                {selected.conditions.map((c) => (
                  <li key={c.condition} class={c.result ? 'ok' : 'bad'}>
                    {c.result ? '✓' : '✗'} {c.condition}: {String(c.left)} vs {String(c.right)}
                  </li>
                ))}
              </ul>
              {selected.fill ? (
                <p>
                  Filled {selected.fill.volume} @ {formatDecimal(selected.fill.price)}, fee{' '}
                  {selected.fill.fee}
                </p>
              ) : null}
            </>
          ) : (
            <p>Click a marker (or a decision in the list) to see why it was made.</p>
          )}
        </section>
      </div>
    </>
  )
}

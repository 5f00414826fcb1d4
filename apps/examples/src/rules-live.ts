// The @bb/rules README example "Run live data in dry-run" (packages/rules/README.md).
import { createBackbone } from '@bb/router'
import { createEngine, DryRunExecutor, sevenRules } from '@bb/rules'
import { startSim } from '@bb/sim'

const sim = await startSim({ port: 0 }) // leave the URLs out of createBackbone for api.upbit.com
const backbone = createBackbone({ exchange: 'upbit', restUrl: sim.restUrl, wsUrl: sim.wsUrl })

const history = await backbone.getCandles('KRW-BTC', '1m', { count: 200 }) // warm-up
const exchange = backbone.adapter // the exchange is required: its symbol and market rules apply
const engine = createEngine({
  strategy: sevenRules(),
  exchange,
  executor: new DryRunExecutor({ exchange, balances: { KRW: '10000000' } }), // the default
  history,
})
const decisions = engine
  .run({ trades: backbone.trades$('KRW-BTC') })
  .subscribe((decision) => console.log(decision.explanation))
engine.executions$.subscribe((event) => console.log(event.type))

console.log(`warmed up on ${history.length} candles`)
await new Promise((resolve) => setTimeout(resolve, 2_000))
decisions.unsubscribe()
await backbone.close()
await sim.close()

#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseCapture } from './replay.js'
import { type StartSimOptions, startSim } from './sim.js'

const HELP = `bb-sim — an Upbit-compatible exchange on localhost

Usage: bb-sim [options]

  --port <n>            TCP port (default 8080; 0 = random)
  --host <addr>         interface (default 127.0.0.1)
  --seed <n>            seed of the simulated market (default 1)
  --markets <n|codes>   number of markets or a comma list (KRW-BTC,KRW-ETH) (default 30)
  --speed <x>           time acceleration, 1 = real time (default 1)
  --trades-per-second <x>  trades/s of the busiest market (default 0.5)
  --no-limits           switch rate limits off
  --replay <file>       replay captured frames (JSON Lines: {"t":ms,"frame":{...}}) to WS subscribers
  --loop                with --replay: start over at the end
  --verbose             log requests to stderr
  --help                this text
`

function fail(message: string): never {
  console.error(`bb-sim: ${message}\n\n${HELP}`)
  process.exit(2)
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n)) fail(`--${name} must be a number`)
  return n
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse()
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err))
  }
  const v = parsed.values
  if (v.help) {
    console.log(HELP)
    return
  }
  const marketsArg = v.markets
  const markets =
    marketsArg === undefined
      ? undefined
      : /^\d+$/.test(marketsArg)
        ? Number(marketsArg)
        : marketsArg.split(',')
  const options: Record<string, unknown> = {
    port: num('port', v.port) ?? 8080,
    host: v.host ?? '127.0.0.1',
    seed: num('seed', v.seed) ?? 1,
    speed: num('speed', v.speed) ?? 1,
  }
  if (markets !== undefined) options.markets = markets
  const tps = num('trades-per-second', v['trades-per-second'])
  if (tps !== undefined) options.tradesPerSecond = tps
  if (v['no-limits']) options.limits = false
  if (v.replay) {
    const frames = parseCapture(readFileSync(v.replay, 'utf8'))
    options.replay = { frames, loop: v.loop === true }
  }
  if (v.verbose) {
    const line = (level: string) => (obj: object, msg?: string) =>
      console.error(`[${level}]`, msg ?? '', JSON.stringify(obj))
    options.logger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
  }
  const sim = await startSim(options as StartSimOptions)
  console.log(
    `bb-sim running (seed ${sim.seed}, ${sim.market.codes.length} markets${v.replay ? `, replaying ${v.replay}` : ''})`,
  )
  console.log(`  REST        ${sim.restUrl}/v1/...`)
  console.log(`  WebSocket   ${sim.wsUrl}`)
  console.log(`  Private WS  ${sim.privateWsUrl}`)
  console.log(`  Admin       ${sim.adminUrl}/stats`)
  if (sim.defaultAccount)
    console.log(
      `  API keys    access ${sim.defaultAccount.accessKey} / secret ${sim.defaultAccount.secretKey} (100,000,000 KRW)`,
    )
  console.log('Press Ctrl-C to stop.')
  const stop = (): void => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

function parse() {
  return parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      markets: { type: 'string' },
      speed: { type: 'string' },
      'trades-per-second': { type: 'string' },
      'no-limits': { type: 'boolean' },
      replay: { type: 'string' },
      loop: { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
}

main().catch((err: unknown) => {
  console.error('bb-sim:', err instanceof Error ? err.message : err)
  process.exit(1)
})

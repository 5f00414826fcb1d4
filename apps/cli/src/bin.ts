#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { startSim } from '@bb/sim'
import { demo } from './commands/demo.js'
import { candles, orderbook, ticker, watch } from './commands/market.js'
import { backtest, strategyRun } from './commands/strategy.js'
import { describeError, runFor, UsageError } from './common.js'

const USAGE = `bb — Backbone market data on the command line

  bb demo [--duration 40] [--markets KRW-BTC,KRW-ETH] [--no-fault] [--metrics-port 9464]
  bb ticker KRW-BTC [KRW-ETH …]
  bb orderbook KRW-BTC [--depth 10]
  bb watch trades|ticker|orderbook KRW-BTC [KRW-ETH …] [--duration 10]
  bb candles KRW-BTC 1m [--count 1000 | --from 2025-06-01T00:00:00Z --to …] [--out file.csv]
  bb sim [--port 8080] [--seed 42] [--markets 30] [--speed 1] [--duration N]
  bb strategy run [--symbols KRW-BTC,KRW-ETH] [--duration 60] [--speed 60]
  bb backtest KRW-BTC [--interval 1m] [--count 5000] [--balance 10000000] [--out report.json|.csv]

Data comes from a simulator started in-process unless --live (the real api.upbit.com) or
--rest-url/--ws-url are given. Orders are never placed: strategies run in dry-run.`

const OPTIONS = {
  live: { type: 'boolean' },
  'rest-url': { type: 'string' },
  'ws-url': { type: 'string' },
  seed: { type: 'string' },
  duration: { type: 'string' },
  markets: { type: 'string' },
  'metrics-port': { type: 'string' },
  'no-fault': { type: 'boolean' },
  depth: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  count: { type: 'string' },
  out: { type: 'string' },
  port: { type: 'string' },
  speed: { type: 'string' },
  symbols: { type: 'string' },
  interval: { type: 'string' },
  balance: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** Runs the command line; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true })
  } catch (error) {
    process.stderr.write(`bb: ${(error as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const { values: flags, positionals } = parsed
  const [command, ...rest] = positionals
  if (!command || flags.help) {
    process.stdout.write(`${USAGE}\n`)
    return command || flags.help ? 0 : 2
  }
  try {
    switch (command) {
      case 'demo':
        return await demo({ ...flags, fault: !flags['no-fault'] })
      case 'ticker':
        return await ticker(rest, flags)
      case 'orderbook':
        return await orderbook(rest[0], flags)
      case 'watch':
        return await watch(rest[0], rest.slice(1), flags)
      case 'candles':
        return await candles(rest[0], rest[1], flags)
      case 'sim': {
        const sim = await startSim({
          port: Number(flags.port ?? 0),
          seed: Number(flags.seed ?? 42),
          markets: Number(flags.markets ?? 30),
          speed: Number(flags.speed ?? 1),
        })
        process.stdout.write(
          `bb sim: REST ${sim.restUrl}\n        WS   ${sim.wsUrl}\n        WS   ${sim.privateWsUrl} (private)\n        admin ${sim.adminUrl}\n`,
        )
        await runFor(flags.duration !== undefined ? Number(flags.duration) : undefined)
        await sim.close()
        return 0
      }
      case 'strategy':
        if (rest[0] !== 'run') throw new UsageError('bb strategy: the only subcommand is `run`')
        return await strategyRun(flags)
      case 'backtest':
        return await backtest(rest[0], flags)
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } catch (error) {
    process.stderr.write(`bb: error: ${describeError(error)}\n`)
    if (error instanceof UsageError) process.stderr.write(`\n${USAGE}\n`)
    return error instanceof UsageError ? 2 : 1
  }
}

const code = await main(process.argv.slice(2))
process.exit(code)

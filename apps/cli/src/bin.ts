#!/usr/bin/env node
import { describeError, runFor, UsageError } from './common.js'
import { commandHelp, type Parsed, parseCommandLine, usage, VERSION } from './options.js'

/** Runs the command line; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let parsed: Parsed
  try {
    parsed = parseCommandLine(argv)
  } catch (error) {
    process.stderr.write(`bb: error: ${describeError(error)}\n`)
    return 2
  }
  if (parsed.kind === 'version') {
    process.stdout.write(`bb ${VERSION}\n`)
    return 0
  }
  if (parsed.kind === 'usage') {
    ;(parsed.code === 0 ? process.stdout : process.stderr).write(`${usage()}\n`)
    return parsed.code
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${commandHelp(parsed.command)}\n`)
    return 0
  }
  const { command, args: rest, flags: values } = parsed
  const flags = values as Record<string, string | undefined> & { live?: boolean; 'no-fault'?: boolean }
  try {
    // Loaded on demand, so that help, --version and usage mistakes answer at once.
    switch (command.name) {
      case 'demo': {
        const { demo } = await import('./commands/demo.js')
        return await demo({ ...flags, fault: !flags['no-fault'] })
      }
      case 'dashboard':
        return await (await import('./commands/dashboard.js')).dashboard(flags)
      case 'keys add':
      case 'keys list':
      case 'keys remove':
        return await (await import('./commands/keys.js')).keys(command.name, rest, { file: flags.file })
      case 'ticker':
        return await (await import('./commands/market.js')).ticker(rest, flags)
      case 'orderbook':
        return await (await import('./commands/market.js')).orderbook(rest[0], flags)
      case 'watch':
        return await (await import('./commands/market.js')).watch(rest[0], rest.slice(1), flags)
      case 'candles':
        return await (await import('./commands/market.js')).candles(rest[0], rest[1], flags)
      case 'arbitrage':
        return await (await import('./commands/cross.js')).arbitrageCommand(rest[0], flags)
      case 'depth':
        return await (await import('./commands/cross.js')).depthCommand(rest[0], flags)
      case 'sim': {
        const { startSim } = await import('@bb/sim')
        if (flags.exchange === 'binance') {
          const bn = await startSim({
            exchange: 'binance',
            port: Number(flags.port ?? 0),
            seed: Number(flags.seed ?? 42),
            markets: Math.min(10, Number(flags.markets ?? 10)),
            speed: Number(flags.speed ?? 1),
          })
          process.stdout.write(
            `bb sim (binance): REST ${bn.restUrl}/api/v3/...\n        WS   ${bn.streamUrl} (combined streams; raw: ${bn.wsUrl})\n        symbols ${bn.symbols.join(',')}\n`,
          )
          await runFor(flags.duration !== undefined ? Number(flags.duration) : undefined)
          await bn.close()
          return 0
        }
        if (flags.exchange === 'coinone') {
          const co = await startSim({
            exchange: 'coinone',
            port: Number(flags.port ?? 0),
            seed: Number(flags.seed ?? 42),
            markets: Math.min(10, Number(flags.markets ?? 10)),
            speed: Number(flags.speed ?? 1),
          })
          process.stdout.write(
            `bb sim (coinone): REST ${co.restUrl}/public/v2/... (private ${co.restUrl}/v2.1/...)\n        WS   ${co.wsUrl}\n        symbols ${co.symbols.join(',')}\n`,
          )
          await runFor(flags.duration !== undefined ? Number(flags.duration) : undefined)
          await co.close()
          return 0
        }
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
      case 'serve':
        return await (await import('./commands/serve.js')).serve(flags)
      case 'strategy run':
        return await (await import('./commands/strategy.js')).strategyRun(flags)
      case 'backtest':
        return await (await import('./commands/strategy.js')).backtest(rest[0], flags)
      default:
        throw new UsageError(`unknown command "${command.name}"`)
    }
  } catch (error) {
    process.stderr.write(`bb: error: ${describeError(error)}\n`)
    return error instanceof UsageError ? 2 : 1
  }
}

const code = await main(process.argv.slice(2))
process.exit(code)

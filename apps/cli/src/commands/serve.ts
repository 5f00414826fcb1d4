import { createServer, type Server } from 'node:http'
import { connectBus, createPublisher, type Publisher } from '@bb/bus'
import { createBackbone } from '@bb/router'
import { type EndpointFlags, endpoints, runFor, UsageError } from '../common.js'

/** Flags of `bb serve`. */
export interface ServeFlags extends EndpointFlags {
  bus?: string | undefined
  markets?: string | undefined
  'no-demand'?: boolean | undefined
  'demand-grace-ms'?: string | undefined
  channels?: string | undefined
  instance?: string | undefined
  'metrics-port'?: string | undefined
  'lease-ms'?: string | undefined
  duration?: string | undefined
}

const CHANNELS = ['trade', 'ticker', 'orderbook'] as const

/** The Prometheus text of a publisher's counters. */
export function serveMetrics(publisher: Publisher): string {
  const s = publisher.stats()
  const state = publisher.state()
  const lines: string[] = []
  const metric = (name: string, type: 'counter' | 'gauge', help: string, value: number) => {
    lines.push(
      `# HELP ${name} ${help}`,
      `# TYPE ${name} ${type}`,
      `${name}{instance="${publisher.instance}"} ${value}`,
    )
  }
  metric(
    'bb_serve_leader',
    'gauge',
    'Whether this instance is the leader (1) or a standby (0).',
    state.role === 'leader' ? 1 : 0,
  )
  metric('bb_serve_epoch', 'gauge', 'Epoch of the held lease (0 when standby).', state.epoch ?? 0)
  metric('bb_serve_leaderships_total', 'counter', 'Times this instance became leader.', s.leaderships)
  metric('bb_serve_published_total', 'counter', 'Records appended to the bus.', s.published)
  metric('bb_serve_duplicates_total', 'counter', 'Records the bus refused as duplicates.', s.duplicates)
  metric('bb_serve_fenced_total', 'counter', 'Times this instance was fenced by a newer leader.', s.fenced)
  metric('bb_serve_backfilled_total', 'counter', 'Trades read back from REST when taking over.', s.backfilled)
  metric('bb_serve_errors_total', 'counter', 'Bus errors while publishing.', s.errors)
  metric('bb_serve_streams', 'gauge', 'Streams subscribed now (channel x market).', s.streams)
  metric(
    'bb_serve_resubscribes_total',
    'counter',
    'Subscription changes applied because consumer demand moved.',
    s.resubscribes,
  )
  metric('bb_serve_refused_total', 'counter', 'Demanded markets refused (not listed).', s.refused)
  return `${lines.join('\n')}\n`
}

/**
 * `bb serve`: the one process that talks to the exchange's WebSocket. It publishes trades,
 * tickers and books of `--markets` plus the markets consumers ask for (demand, unless
 * `--no-demand`) to the bus under a fenced lease (standbys take over when the leader dies),
 * and serves `/health` (JSON) and `/metrics` (Prometheus).
 */
export async function serve(flags: ServeFlags): Promise<number> {
  const bus = flags.bus ?? 'redis://127.0.0.1:6379'
  if (!/^(rediss?|nats):\/\//.test(bus))
    throw new UsageError(`--bus must be a redis:// or nats:// URL, got "${bus}"`)
  const markets = (flags.markets ?? 'KRW-BTC,KRW-ETH').split(',').filter(Boolean)
  const demand = flags['no-demand'] !== true
  if (markets.length === 0 && !demand)
    throw new UsageError('--no-demand needs at least one market in --markets')
  const channels = (flags.channels ?? CHANNELS.join(',')).split(',').filter(Boolean)
  for (const channel of channels) {
    if (!(CHANNELS as readonly string[]).includes(channel))
      throw new UsageError(`--channels takes ${CHANNELS.join(', ')}; got "${channel}"`)
  }
  const leaseTtlMs = flags['lease-ms'] !== undefined ? Number(flags['lease-ms']) : 3000
  const where = await endpoints(flags)
  const transport = await connectBus(bus, { leaseTtlMs })
  // One backbone, so one WebSocket connection, per channel (Upbit allows 5 connects/s).
  const backbone = Object.fromEntries(
    channels.map((c) => [
      c,
      createBackbone({ exchange: 'upbit', restUrl: where.restUrl, wsUrl: where.wsUrl }),
    ]),
  )
  const publisher = createPublisher({
    transport,
    backbone,
    markets,
    channels: channels as (typeof CHANNELS)[number][],
    leaseTtlMs,
    demand: demand
      ? {
          ...(flags['demand-grace-ms'] !== undefined ? { graceMs: Number(flags['demand-grace-ms']) } : {}),
        }
      : false,
    ...(flags.instance ? { instance: flags.instance } : {}),
  })
  const http: Server = createServer((request, response) => {
    if (request.url === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(serveMetrics(publisher))
    } else if (request.url === '/health') {
      const state = publisher.state()
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ instance: publisher.instance, ...state, stats: publisher.stats() }))
    } else response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => http.listen(Number(flags['metrics-port'] ?? 0), '127.0.0.1', resolve))
  const address = http.address()
  const port = typeof address === 'object' && address ? address.port : 0
  process.stdout.write(
    `bb serve ${publisher.instance}: ${markets.join(',') || '(none)'}${demand ? ' + demand' : ''} (${channels.join(',')}) from ${where.label} to ${bus}\n` +
      `  /metrics http://127.0.0.1:${port}/metrics   /health http://127.0.0.1:${port}/health\n`,
  )
  const roles = publisher.state$.subscribe((s) =>
    process.stdout.write(`  ${s.role}${s.epoch !== undefined ? ` (epoch ${s.epoch})` : ''}: ${s.reason}\n`),
  )
  await runFor(flags.duration !== undefined ? Number(flags.duration) : undefined)
  await publisher.close()
  roles.unsubscribe()
  await new Promise((resolve) => http.close(resolve))
  await Promise.all(Object.values(backbone).map((b) => b.close()))
  await transport.close()
  await where.close()
  return 0
}

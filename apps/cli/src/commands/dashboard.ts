import { PASSPHRASE_ENV, startDashboard } from '@bb/dashboard'
import { upbit } from '@bb/upbit'
import { type EndpointFlags, runFor } from '../common.js'

/** Flags of `bb dashboard`. */
export interface DashboardFlags extends EndpointFlags {
  port?: string | undefined
  markets?: string | undefined
  duration?: string | undefined
}

/**
 * `bb dashboard`: starts the web dashboard on 127.0.0.1 (the embedded simulator by default,
 * `--live` for api.upbit.com, `--rest-url/--ws-url` for another server) and prints the URL with
 * its one-time token. Runs until Ctrl-C (or `--duration`).
 */
export async function dashboard(flags: DashboardFlags, out = process.stdout): Promise<number> {
  const symbols = flags.markets?.split(',').map((s) => s.trim().toUpperCase())
  const restUrl = flags.live ? upbit.rest.baseUrl : flags['rest-url']
  const wsUrl = flags.live ? upbit.ws.urls.public : flags['ws-url']
  const running = await startDashboard({
    port: Number(flags.port ?? 0),
    ...(symbols ? { symbols } : {}),
    ...(restUrl ? { restUrl } : {}),
    ...(wsUrl ? { wsUrl } : {}),
    sim: { seed: Number(flags.seed ?? 42) },
  })
  out.write(
    `bb dashboard: ${running.sim ? `embedded simulator ${running.sim.restUrl}` : (restUrl ?? '')}, dry-run\n` +
      `  open ${running.url}\n  (the link works once; it signs this browser in with a cookie)\n` +
      `  live orders: off until armed on the Live page (keys from bb keys add; ${PASSPHRASE_ENV} ${process.env[PASSPHRASE_ENV] ? 'is set' : 'not set: arming will be refused'})\n`,
  )
  try {
    await runFor(flags.duration !== undefined ? Number(flags.duration) : undefined)
  } finally {
    await running.close()
  }
  return 0
}

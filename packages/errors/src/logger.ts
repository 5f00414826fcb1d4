import { redact } from './redact.js'

/**
 * The tiny logger every Backbone package writes to. It is pino-compatible (`logger.info(obj, msg)`),
 * so a pino instance can be passed as it is; the default is {@link silentLogger}.
 */
export interface Logger {
  /** Fine-grained events: routing decisions, subscriptions, limiter waits. */
  debug(obj: object, msg?: string): void
  /** Lifecycle events: connected, reconnected, failover. */
  info(obj: object, msg?: string): void
  /** Something degraded but recovered: a retry, a stale connection replaced. */
  warn(obj: object, msg?: string): void
  /** A failure the caller will see. */
  error(obj: object, msg?: string): void
}

const noop = (): void => {}

/** A logger that drops everything: the default of every package. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop })

/**
 * Wraps a logger so that every object and message passes through {@link redact} first.
 * Packages wrap the user's logger with this once, so secrets never reach a log line.
 *
 * @example
 * ```ts
 * import { redactingLogger } from '@bb/errors'
 * const logger = redactingLogger({ debug() {}, info: (o, m) => process.stdout.write(`${m} ${JSON.stringify(o)}\n`), warn() {}, error() {} })
 * logger.info({ authorization: 'Bearer abc' }, 'request') // request {"authorization":"[REDACTED]"}
 * ```
 */
export function redactingLogger(logger: Logger = silentLogger): Logger {
  if (logger === silentLogger) return logger
  const wrap =
    (level: keyof Logger) =>
    (obj: object, msg?: string): void => {
      const safe = redact(obj instanceof Error ? { error: obj.message, name: obj.name } : obj)
      if (msg === undefined) logger[level](safe)
      else logger[level](safe, redact(msg))
    }
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') }
}

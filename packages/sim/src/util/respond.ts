import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Clock } from '@bb/utils'

/**
 * Writes one whole HTTP reply, after `delayMs` of `clock` time when it is above 0 (the `delayRest`
 * fault). The delay timer is kept in `timers` so a closing server can clear it; a reply whose
 * socket ended meanwhile is dropped. Shared by every profile's REST server.
 */
export function writeReply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string>,
  delay: { readonly ms: number; readonly clock: Clock; readonly timers: Set<unknown> },
): void {
  const write = (): void => {
    if (res.writableEnded || res.destroyed) return
    res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) })
    res.end(body)
  }
  if (delay.ms > 0) {
    const t = delay.clock.setTimeout(() => {
      delay.timers.delete(t)
      write()
    }, delay.ms)
    delay.timers.add(t)
  } else write()
}

/** Reads a request body as UTF-8 text (at most 1 MB; a larger one is refused and the request destroyed). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > 1_000_000) {
        reject(new Error('body too large'))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

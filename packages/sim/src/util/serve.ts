import type { Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/** What {@link listen} needs of the fault injection: whether to refuse, and a counter to bump. */
export interface RefuseGuard {
  /** Whether new TCP connections are refused now (`refuseConnections`). */
  refusing(): boolean
  /** Counts one refused connection. */
  refused(): void
}

/**
 * Listens on `host:port` (port 0: a free one) with the simulator's connection handling: 5 s
 * keep-alive, refused connections destroyed while the fault is on, open sockets tracked (so
 * `close()` can destroy them). Returns the port, the URL origin (`[v6]:port` bracketed) and the
 * socket set. Shared by the Upbit and Coinone servers.
 */
export async function listen(
  server: Server,
  options: { readonly host?: string | undefined; readonly port?: number | undefined },
  guard: RefuseGuard,
): Promise<{ port: number; origin: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>()
  server.keepAliveTimeout = 5000
  server.on('connection', (socket: Socket) => {
    if (guard.refusing()) {
      guard.refused()
      socket.destroy()
      return
    }
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  return { port, origin: `${host.includes(':') ? `[${host}]` : host}:${port}`, sockets }
}

/** Stops a server started by {@link listen}: no new connections, every open socket destroyed. */
export function stopServer(server: Server, sockets: Set<Socket>): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    for (const s of sockets) s.destroy()
    server.closeAllConnections()
  })
}

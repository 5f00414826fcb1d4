// Real servers for the tests: each test file starts its own redis-server / nats-server on a free
// 127.0.0.1 port. With CI=true a missing binary is a failure; otherwise the suite skips with a
// printed reason.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CI = process.env.CI === 'true' || process.env.CI === '1'

function has(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`]).status === 0
}

/** Whether `binary` is installed; prints why the suite skips, or throws under CI. */
export function available(binary: 'redis-server' | 'nats-server'): boolean {
  if (has(binary)) return true
  const message = `${binary} is not installed (apt-get install -y ${binary})`
  if (CI) throw new Error(`${message}: CI=true needs it`)
  console.warn(`skipping: ${message}`)
  return false
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + 20_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`)
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${name} did not listen on ${port}`)
}

export interface Server {
  url: string
  port: number
  /** Stops the server (SIGKILL when `hard`). */
  stop(hard?: boolean): Promise<void>
  /** Stops and starts it again on the same port (no persistence: the data is gone). */
  restart(): Promise<void>
}

async function run(
  name: string,
  args: string[],
  port: number,
  scheme: string,
  cleanup?: () => void,
  ready?: (child: ChildProcess) => Promise<void>,
): Promise<Server> {
  let child: ChildProcess
  const start = async () => {
    child = spawn(name, args, { stdio: 'ignore' })
    await waitForPort(port, child, name)
    await ready?.(child)
  }
  const stop = async (hard = false) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child.once('exit', r))
    child.kill(hard ? 'SIGKILL' : 'SIGTERM')
    await exited
  }
  await start()
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    async stop(hard) {
      await stop(hard)
      cleanup?.()
    },
    async restart() {
      await stop(true)
      await start()
    },
  }
}

export async function startRedis(extra: readonly string[] = []): Promise<Server> {
  const port = await freePort()
  return run(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra],
    port,
    'redis',
  )
}

/**
 * A nats-server with JetStream. Ready when its monitoring `/healthz` answers 200, which it does
 * only once JetStream is up: the client port listens earlier, and a JetStream request sent in
 * between can go unanswered.
 */
export async function startNats(): Promise<Server> {
  const port = await freePort()
  const monitor = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bb-nats-'))
  const healthy = async (child: ChildProcess) => {
    const deadline = Date.now() + 30_000
    let last = 'no answer'
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`)
      try {
        const response = await fetch(`http://127.0.0.1:${monitor}/healthz`)
        if (response.ok) return
        last = `${response.status} ${await response.text()}`
      } catch (error) {
        last = String(error)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error(`nats-server on ${port} was not healthy in 30 s: ${last}`)
  }
  return run(
    'nats-server',
    ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor), '-js', '-sd', dir],
    port,
    'nats',
    () => rmSync(dir, { recursive: true, force: true }),
    healthy,
  )
}

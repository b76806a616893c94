/**
 * The real bot as a child process, for tests that need what only a process gives: `kill -9`,
 * SIGTERM, several replicas on one database. It runs `node --import tsx src/main.ts` (as
 * `npm run dev` does, without the watcher) with its environment pointing at the test's
 * database, a pim.config.yaml written to a temporary directory, and, when given one, a FakeSlack
 * in the test process (bot token, signing secret, SLACK_API_URL). Dev mode is off.
 *
 *   const bot = await ChildBot.start({ name: 'a', databaseUrl: database.url, config: yaml, fake });
 *   await bot.slack().command(alice, 'status');     // signed, into the child's /slack/events
 *   await bot.kill();                               // SIGKILL, resolves when it is gone
 *   const again = await bot.restart();              // a new process with the same options
 *   await again.stop();                             // SIGTERM, waits for a clean exit
 *   afterEach(killAllChildBots);                    // nothing outlives a failed test
 *
 * Clean-up happens three ways: killAllChildBots (use it in afterEach/afterAll), a SIGKILL of
 * every child still running when the test process exits, and a watchdog preloaded into the
 * child (child-bot-watchdog.ts) that kills it when the test process is gone without exiting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_KEYS } from '../../src/config/env.js';
import { eventually, SlackSender, type FakeSlack } from './fake-slack.js';
import { TEST_ENCRYPTION_KEY } from './keys.js';

/** The repository root: the child's working directory. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WATCHDOG = new URL('./child-bot-watchdog.ts', import.meta.url).href;

/** The test Slack app's credentials (the same values test/e2e/slack/harness.ts uses). */
export const CHILD_SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const CHILD_BOT_TOKEN = 'xoxb-0000000000-0000000000000-testtokentesttoken';

export interface ChildBotOptions {
  /** Label in messages (default `bot`). */
  name?: string;
  /** DATABASE_URL: a PostgreSQL database the test created (TestDatabase.url). */
  databaseUrl: string;
  /** pim.config.yaml as text, written to a temporary directory; or give `configPath`. */
  config?: string;
  /** An existing pim.config.yaml (instead of `config`). */
  configPath?: string;
  /** When given, Slack is on in HTTP mode with its Web API at this fake (SLACK_API_URL). */
  fake?: FakeSlack;
  /** SLACK_BOT_TOKEN (default CHILD_BOT_TOKEN); a different token per replica tells their calls apart. */
  botToken?: string;
  /** SLACK_SIGNING_SECRET (default CHILD_SIGNING_SECRET). */
  signingSecret?: string;
  /** PORT (default: a free port found just before the start). */
  port?: number;
  /** LOG_LEVEL (default info: the start-up line is how readiness is seen). */
  logLevel?: string;
  /** Environment overrides, applied last; `undefined` removes a key. */
  env?: Record<string, string | undefined>;
  /** Extra node arguments, before the entry module (e.g. `--inspect`). */
  nodeArgs?: string[];
  /** Arguments after the entry module. */
  args?: string[];
  /** The entry module, relative to the repository root (default src/main.ts). */
  entry?: string;
  /** How long to wait for "pimbot listening on" and a 200 from /healthz (default 60 s). */
  readyTimeoutMs?: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One pino log line the child wrote, parsed. */
export interface ChildLogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

const live = new Set<ChildBot>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous, last resort: a test process that exits with bots still running kills them.
  process.once('exit', () => {
    for (const bot of live) bot.child.kill('SIGKILL');
  });
}

/** SIGKILLs every child bot still running and waits until each is gone (use in afterEach/afterAll). */
export async function killAllChildBots(): Promise<void> {
  await Promise.all([...live].map((b) => b.kill('SIGKILL')));
}

/** A TCP port nothing listens on right now (PORT must be 1-65535, so 0 cannot be passed). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const MAX_OUTPUT = 4 * 1024 * 1024;

export class ChildBot {
  /** Set once the process has exited. */
  exit: ChildExit | null = null;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ChildExit>;
  private out = '';
  private dropped = 0;
  private readyUrl: string | null = null;

  private constructor(
    readonly options: ChildBotOptions,
    /** The node process. */
    readonly child: ChildProcess,
    /** The pim.config.yaml the child reads. */
    readonly configPath: string,
    private readonly tempDir: string | null,
  ) {
    const append = (chunk: Buffer) => {
      this.out += chunk.toString('utf8');
      if (this.out.length > MAX_OUTPUT) {
        const cut = this.out.length - MAX_OUTPUT / 2;
        this.dropped += cut;
        this.out = this.out.slice(cut);
      }
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise<ChildExit>((resolve) => {
      const done = (exit: ChildExit) => {
        if (this.exit) return;
        this.exit = exit;
        live.delete(this);
        if (this.tempDir) rmSync(this.tempDir, { recursive: true, force: true });
        resolve(exit);
      };
      // 'close', not 'exit': by then everything it wrote has been read.
      child.once('close', (code, signal) => done({ code, signal }));
      child.once('error', (err) => {
        append(Buffer.from(`\n[child-bot] ${err.message}\n`));
        // A process that never started emits no 'exit'.
        if (child.pid === undefined) done({ code: null, signal: null });
      });
    });
  }

  /** Starts a bot and resolves once it listens and /healthz answers 200; throws with its output otherwise. */
  static async start(options: ChildBotOptions): Promise<ChildBot> {
    const tempDir = options.configPath ? null : mkdtempSync(join(tmpdir(), 'pimbot-child-'));
    const configPath = options.configPath ?? join(tempDir as string, 'pim.config.yaml');
    if (!options.configPath) writeFileSync(configPath, options.config ?? '');
    const port = options.port ?? (await freePort());

    const env: Record<string, string | undefined> = { ...process.env };
    // Nothing of the test process's own bot settings leaks into the child.
    for (const key of ENV_KEYS) delete env[key];
    Object.assign(env, {
      DATABASE_URL: options.databaseUrl,
      PIM_CONFIG: configPath,
      PORT: String(port),
      HOST: '127.0.0.1',
      PIM_DEV_MODE: 'false',
      PIM_TIMEZONE: 'UTC',
      PIM_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
      LOG_LEVEL: options.logLevel ?? 'info',
      PIM_CHILD_BOT_PARENT_PID: String(process.pid),
      ...(options.fake
        ? {
            SLACK_BOT_TOKEN: options.botToken ?? CHILD_BOT_TOKEN,
            SLACK_SIGNING_SECRET: options.signingSecret ?? CHILD_SIGNING_SECRET,
            SLACK_API_URL: options.fake.apiUrl,
          }
        : {}),
    });
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', WATCHDOG, ...(options.nodeArgs ?? []), options.entry ?? 'src/main.ts', ...(options.args ?? [])],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    installExitHook();
    const bot = new ChildBot(options, child, configPath, tempDir);
    live.add(bot);
    try {
      await bot.waitUntilReady(options.readyTimeoutMs ?? 60_000);
    } catch (err) {
      await bot.kill('SIGKILL');
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${bot.describe()}`, { cause: err });
    }
    return bot;
  }

  get name(): string {
    return this.options.name ?? 'bot';
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether the process has not exited yet. */
  get running(): boolean {
    return this.exit === null;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    if (!this.readyUrl) throw new Error(`${this.name} is not ready`);
    return this.readyUrl;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** SLACK_SIGNING_SECRET the child was given. */
  get signingSecret(): string {
    return this.options.signingSecret ?? CHILD_SIGNING_SECRET;
  }

  /** A sender of signed Slack requests into this bot's /slack/events (its response URLs on `fake`). */
  slack(fake: FakeSlack | undefined = this.options.fake): SlackSender {
    if (!fake) throw new Error(`${this.name} was started without a FakeSlack; pass one`);
    return new SlackSender(`${this.url}/slack/events`, this.signingSecret, fake);
  }

  /** A request to the bot, e.g. `bot.fetch('/healthz')`. */
  fetch(path: string, init?: RequestInit): Promise<Response> {
    return fetch(new URL(path, this.url), init);
  }

  /** Everything the child wrote to stdout and stderr so far, in arrival order. */
  output(): string {
    return this.out;
  }

  /** The child's JSON log lines (pino), parsed; other lines are left out. */
  logs(): ChildLogLine[] {
    const lines: ChildLogLine[] = [];
    for (const line of this.out.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as ChildLogLine);
      } catch {
        // a line cut by the output cap, or not JSON
      }
    }
    return lines;
  }

  /** Log lines at `level` or above (pino: 40 warn, 50 error, 60 fatal). */
  logsAtLeast(level: number): ChildLogLine[] {
    return this.logs().filter((l) => l.level >= level);
  }

  /** Waits for a log line whose message matches; returns it. */
  waitForLog(match: RegExp | string, timeoutMs = 10_000): Promise<ChildLogLine> {
    const test = (msg: string) => (typeof match === 'string' ? msg.includes(match) : match.test(msg));
    return eventually(
      () => {
        const hit = this.logs().find((l) => typeof l.msg === 'string' && test(l.msg));
        if (!hit && !this.running) throw new Error(`${this.name} exited before logging ${String(match)}\n${this.describe()}`);
        return hit;
      },
      `${this.name} to log ${String(match)}`,
      { timeoutMs, intervalMs: 20 },
    );
  }

  /** Sends `signal` (default SIGKILL) and resolves when the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ChildExit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    return this.exited;
  }

  /**
   * SIGTERM, as a platform stops a replica: resolves with the exit once the bot has finished its
   * work and exited. Not gone within `timeoutMs` (default 30 s; the bot itself gives up at 25 s):
   * SIGKILL, and an error with its output.
   */
  async stop(timeoutMs = 30_000): Promise<ChildExit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    const result = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (result === 'late') {
      await this.kill('SIGKILL');
      throw new Error(`${this.name} did not exit within ${timeoutMs} ms of SIGTERM\n${this.describe()}`);
    }
    return result;
  }

  /** A new process with the same options (a fresh config file and, unless fixed, a fresh port). */
  restart(overrides: Partial<ChildBotOptions> = {}): Promise<ChildBot> {
    if (this.running) throw new Error(`${this.name} is still running; kill() or stop() it first`);
    return ChildBot.start({ ...this.options, ...overrides });
  }

  /** For failure messages: who it is, whether it runs, and the tail of its output. */
  describe(lines = 80): string {
    const state = this.exit ? `exited (code ${String(this.exit.code)}, signal ${String(this.exit.signal)})` : 'running';
    const tail = this.out.split('\n').slice(-lines).join('\n');
    return `--- ${this.name} (pid ${String(this.pid)}), ${state}; last output${this.dropped ? ` (${this.dropped} earlier characters dropped)` : ''}:\n${tail}`;
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const listening = /pimbot listening on http:\/\/[^\s:]+:(\d+)/;
    await eventually(
      () => {
        if (!this.running) throw new Error(`${this.name} exited before it was ready`);
        const m = this.logs().find((l) => typeof l.msg === 'string' && listening.test(l.msg));
        const port = m ? listening.exec(m.msg)?.[1] : undefined;
        if (port) this.readyUrl = `http://127.0.0.1:${port}`;
        return port;
      },
      `${this.name} to log "pimbot listening on"`,
      { timeoutMs, intervalMs: 25 },
    );
    await eventually(
      async () => {
        if (!this.running) throw new Error(`${this.name} exited before /healthz answered`);
        try {
          const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
          await res.body?.cancel();
          return res.status === 200;
        } catch {
          return false;
        }
      },
      `${this.name}'s /healthz to answer 200`,
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 50 },
    );
  }
}

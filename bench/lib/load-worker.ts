/**
 * The load generator, in its own thread so its work and its clock readings do not wait on the
 * bot's event loop. For each phase it keeps `concurrency` requests in flight over as many
 * keep-alive connections (a closed loop: each connection sends its next command as soon as the
 * previous one is acknowledged), each a correctly signed, form-encoded `/pim` slash command with
 * a unique trigger id and response URL, and times each one from the first byte written to the
 * end of the HTTP response (the ack).
 *
 * In: `{ type: 'phase', phase: PhaseSpec }` -> out: `{ type: 'phase-done', result: PhaseResult }`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';

export interface PhaseSpec {
  /** `http://127.0.0.1:<port>/slack/events` */
  url: string;
  signingSecret: string;
  /** Where response URLs point: `<origin>/response/<id>`. */
  responseOrigin: string;
  /** A prefix for this phase's response URL ids. */
  tag: string;
  concurrency: number;
  /** One entry per request: the Slack user and the command text. */
  commands: { user: string; text: string }[];
  requestTimeoutMs: number;
  /** Absolute ms (performance.timeOrigin + now) after which no new request is started. */
  deadline: number;
  /** Open `concurrency` new connections for this phase (and close them after) instead of reusing the pool. */
  freshConnections?: boolean;
}

export interface PhaseResult {
  /** Ack latency (ms) per completed request, in completion order. */
  latencies: number[];
  /** Per completed request: its response URL id and when it was sent (absolute ms). */
  sent: [string, number][];
  statuses: Record<string, number>;
  errors: number;
  errorSamples: string[];
  /** From the first request sent to the last ack received. */
  wallMs: number;
  /** True when the phase stopped early at the deadline. */
  cutShort: boolean;
}

const port = parentPort;
if (!port) throw new Error('load-worker runs as a worker thread');

const TEAM = 'T0PIM';
let seq = 0;
const salt = randomBytes(4).toString('hex');

function sign(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

function commandBody(spec: PhaseSpec, user: string, text: string, id: string): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: TEAM,
    team_domain: 'pim-bench',
    channel_id: 'C0GENERAL',
    channel_name: 'general',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/pim',
    text,
    api_app_id: 'A0PIMBOT',
    is_enterprise_install: 'false',
    response_url: `${spec.responseOrigin}/response/${encodeURIComponent(id)}`,
    trigger_id: `${id}.${salt}.${TEAM}`,
  }).toString();
}

function send(spec: PhaseSpec, agent: Agent, body: string): Promise<{ status: number; ms: number }> {
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': String(Buffer.byteLength(body)),
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': sign(spec.signingSecret, timestamp, body),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = request(spec.url, { method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - start }));
      res.on('error', reject);
    });
    req.setTimeout(spec.requestTimeoutMs, () => req.destroy(new Error(`no response within ${spec.requestTimeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * One keep-alive agent per target for the whole run: the connections opened in the warm-up carry
 * every later phase, as a load balancer's pooled connections would.
 */
const agents = new Map<string, Agent>();
function agentFor(spec: PhaseSpec): Agent {
  let agent = agents.get(spec.url);
  if (!agent) {
    agent = freshAgent(spec);
    agents.set(spec.url, agent);
  }
  return agent;
}

function freshAgent(spec: PhaseSpec): Agent {
  return new Agent({ keepAlive: true, maxSockets: spec.concurrency, maxFreeSockets: spec.concurrency, scheduling: 'fifo' });
}

async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const agent = spec.freshConnections ? freshAgent(spec) : agentFor(spec);
  const result: PhaseResult = { latencies: [], sent: [], statuses: {}, errors: 0, errorSamples: [], wallMs: 0, cutShort: false };
  let next = 0;
  const began = performance.now();
  let lastDone = began;
  const loop = async () => {
    for (;;) {
      if (performance.now() + performance.timeOrigin > spec.deadline) {
        result.cutShort = next < spec.commands.length;
        return;
      }
      const i = next++;
      const c = spec.commands[i];
      if (!c) return;
      seq += 1;
      const id = `${spec.tag}-${seq}`;
      const body = commandBody(spec, c.user, c.text, id);
      const sentAt = performance.timeOrigin + performance.now();
      try {
        const { status, ms } = await send(spec, agent, body);
        result.statuses[status] = (result.statuses[status] ?? 0) + 1;
        if (status === 200) {
          result.latencies.push(ms);
          result.sent.push([id, sentAt]);
        }
      } catch (err) {
        result.errors += 1;
        if (result.errorSamples.length < 5) result.errorSamples.push(String((err as Error).message ?? err));
      }
      lastDone = performance.now();
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, loop));
  result.wallMs = lastDone - began;
  if (spec.freshConnections) agent.destroy();
  return result;
}

port.on('message', (m: { type: string; phase?: PhaseSpec }) => {
  if (m.type === 'phase' && m.phase) {
    void runPhase(m.phase).then(
      (result) => port.postMessage({ type: 'phase-done', result }),
      (err: unknown) => port.postMessage({ type: 'phase-failed', error: String(err) }),
    );
  } else if (m.type === 'forget') {
    // A run is over: its targets are gone.
    for (const a of agents.values()) a.destroy();
    agents.clear();
    port.postMessage({ type: 'forgotten' });
  } else if (m.type === 'close') {
    port.close();
  }
});
port.postMessage({ type: 'ready' });

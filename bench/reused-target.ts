/**
 * A stack already running (`npm start`, or any deployment of the API and worker on the Stripe
 * emulator) driven by the bench instead of one it starts: reached through the BENCH_ settings,
 * milestones read from its notifications table, the floor's milestones POSTed to a server of the
 * bench's own, its worker's and API's processes found by their ports when they run on this machine.
 */
import { Client, Connection } from '@temporalio/client';
import type { ApiAnswer } from '../harness/system-under-test.js';
import { dataConverterFor, payloadCodecFrom } from '../codec/data-converter.js';
import { createPool } from '../db/pool.js';
import { BenchSetupError, type ReusedStackSettings } from './bench-config.js';
import type { BenchTarget, WorkerMemoryReader } from './bench-target.js';
import { postBooking, benchBookingBody } from './booking-traffic.js';
import { listeningPid, residentBytes } from './local-process.js';
import { startMilestoneCallbackServer } from './milestone-callback-server.js';
import { MilestoneClock } from './milestones.js';
import { scrapeApiTemporalCalls } from './billable-actions.js';
import { pollNotificationMilestones } from './notification-milestones.js';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::1', '[::1]', '::', '[::]']);

/** The local process listening on the port of `url` or `host:port`, or why there is none. */
function localProcessOf(address: string): { pid: number } | { missing: string } {
  const { hostname, port } = new URL(address.includes('://') ? address : `http://${address}`);
  if (!LOCAL_HOSTS.has(hostname)) return { missing: `${address} is not on this machine` };
  const pid = port ? listeningPid(Number(port)) : null;
  return pid === null
    ? {
        missing: `no process of this user found listening on port ${port} (/proc; it may run as another user or in a container)`,
      }
    : { pid };
}

async function answers(url: string, init?: RequestInit): Promise<Response | null> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  } catch {
    return null;
  }
}

/**
 * Checks the stack answers, then connects to it. Refuses a stack whose Stripe is not the emulator:
 * the history shape reads the emulator's request log and settles the ACH debit through it, webhook →
 * state authenticates 3-D Secure through it, and the throughput steps would send Stripe test mode
 * thousands of requests.
 */
export async function openReusedTarget(
  settings: ReusedStackSettings,
  log: (line: string) => void,
): Promise<BenchTarget> {
  const health = await answers(`${settings.apiUrl}/healthz`);
  if (!health?.ok)
    throw new BenchSetupError(
      `BENCH_API_URL=${settings.apiUrl}: no API answers at /healthz (is \`npm start\` running?)`,
    );
  const emulatorLog = await answers(`${settings.stripeApiUrl}/_emulator/requests`);
  if (!emulatorLog?.ok) {
    throw new BenchSetupError(
      `BENCH_STRIPE_API_URL=${settings.stripeApiUrl}: no Stripe emulator answers there (/_emulator/requests). ` +
        'The bench only reuses a stack on the Stripe emulator: the history shape counts Stripe calls in its request log and ' +
        'settles the ACH debit through it, webhook → state authenticates 3-D Secure through it, and the throughput steps ' +
        'would send real Stripe thousands of requests. Point BENCH_STRIPE_API_URL at the emulator the stack uses, or run ' +
        '`npm run bench` without BENCH_API_URL to start a stack of its own.',
    );
  }
  await emulatorLog.arrayBuffer();

  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopPart of stoppers.splice(0).reverse()) await stopPart();
  };
  try {
    const connection = await Connection.connect({ address: settings.temporalAddress });
    stoppers.push(() => connection.close());
    const client = new Client({
      connection,
      namespace: settings.temporalNamespace,
      dataConverter: dataConverterFor(payloadCodecFrom({ PAYLOAD_CODEC_KEYS: settings.payloadCodecKeys })),
    });
    const db = createPool(settings.databaseUrl);
    stoppers.push(() => db.end());
    await db.query('SELECT 1 FROM notifications LIMIT 1');

    const milestones = new MilestoneClock();
    const poller = pollNotificationMilestones(db, milestones, log);
    stoppers.push(() => poller.stop());
    const floorCallbacks = await startMilestoneCallbackServer(milestones);
    stoppers.push(() => floorCallbacks.close());

    const worker = localProcessOf(settings.workerHealthAddress);
    const workerHealth = await answers(`http://${settings.workerHealthAddress}/healthz`);
    if (!workerHealth?.ok)
      log(
        `[bench] the worker's health endpoint ${settings.workerHealthAddress} does not answer 200 (BENCH_WORKER_HEALTH_ADDRESS)`,
      );
    const workerMemory: WorkerMemoryReader =
      'pid' in worker
        ? { rssBytes: () => residentBytes(worker.pid) }
        : {
            unmeasured: `not measured when reusing this stack: the worker's process was not found (${worker.missing})`,
          };
    const processLabels = new Map<number, string>([[process.pid, 'load generator (the bench process)']]);
    const label = (found: { pid: number } | { missing: string }, name: string) => {
      // A stack served from the bench's own process (as in its test) keeps the load generator's label.
      if ('pid' in found && found.pid !== process.pid) processLabels.set(found.pid, name);
    };
    label(worker, 'booking worker');
    label(localProcessOf(settings.apiUrl), 'API and relay');
    label(localProcessOf(settings.stripeApiUrl), 'Stripe emulator');

    const target: BenchTarget = {
      stack: { kind: 'reused', apiUrl: settings.apiUrl },
      apiUrl: settings.apiUrl,
      apiToken: settings.apiToken,
      async api<Body>(method: string, path: string, body?: unknown): Promise<ApiAnswer<Body>> {
        const response = await fetch(`${settings.apiUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${settings.apiToken}`, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as ApiAnswer<Body>['body'] };
      },
      client,
      temporalAddress: settings.temporalAddress,
      temporalNamespace: settings.temporalNamespace,
      payloadCodecKeys: settings.payloadCodecKeys,
      db,
      databaseUrl: settings.databaseUrl,
      relay: {
        unmeasured:
          "not measured on a stack the bench did not start: its API's relay runs inside the API process and cannot be paused from here",
      },
      webhookSecret: settings.webhookSecret,
      async emulatorControl<T>(method: string, path: string, body?: unknown): Promise<T> {
        const response = await fetch(`${settings.stripeApiUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!response.ok)
          throw new Error(`emulator control ${method} ${path} answered ${response.status}: ${await response.text()}`);
        return (await response.json()) as T;
      },
      milestones,
      floorCallbackUrl: floorCallbacks.url,
      releaseGraceSeconds: 0,
      relayInterval: "at the reused API's RELAY_INTERVAL_MS (default 1 s)",
      workerMemory,
      processLabels,
      apiTemporalCalls: () => scrapeApiTemporalCalls(settings.apiUrl, settings.metricsToken),
      outlivesRun: true,
      stop,
    };
    target.releaseGraceSeconds = await measureReleaseGrace(target);
    log(`[bench] reusing the stack at ${settings.apiUrl}: its release grace is ${target.releaseGraceSeconds} s`);
    return target;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The API's HOLD_RELEASE_GRACE_SECONDS, which it does not publish: one booking ending in a day is
 * held, its release time read back (the end plus the grace), and the booking cancelled.
 */
async function measureReleaseGrace(target: BenchTarget): Promise<number> {
  const endsAt = new Date(Date.now() + 86_400_000);
  endsAt.setUTCMilliseconds(0);
  const body = {
    ...benchBookingBody('bench-grace', 0),
    startsAt: new Date(endsAt.getTime() - 3_600_000).toISOString(),
    endsAt: endsAt.toISOString(),
  };
  await postBooking(target.apiUrl, target.apiToken, body);
  await target.milestones.when(body.bookingId, 'held', 60_000);
  const view = await target.api('GET', `/v1/bookings/${body.bookingId}`);
  await target.api('POST', `/v1/bookings/${body.bookingId}/cancel`, { reason: 'bench: release grace read' });
  const releaseAt = view.body.hold?.releaseAt;
  if (!releaseAt) throw new Error(`booking ${body.bookingId} was held but shows no release time`);
  return Math.round((Date.parse(releaseAt) - endsAt.getTime()) / 1000);
}

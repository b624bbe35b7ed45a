/**
 * docs/OPERATIONS.md cannot rot: every shell block in it runs here, section by section, with bash
 * against the dev server, PostgreSQL, the emulator, the worker and the API, and each section's
 * output is checked for what an operator would look for. docs/alerts.yml is checked too: every
 * alert is explained in the runbook and reads only series the API or the worker export.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ensureReconciliationSchedule } from '../../worker/reconciliation-schedule.js';
import { createJsonRuntimeLogger } from '../../worker/json-logger.js';
import { installWorkerRuntime } from '../../worker/runtime.js';
import { bookingWorkflowId } from '../../workflows/booking/contract.js';
import { getFreePort } from '../../harness/free-port.js';
import { newBooking, startSystemUnderTest, type SystemUnderTest } from '../../harness/system-under-test.js';
import { toolPath } from '../../harness/tool-paths.js';
import { waitFor } from '../../harness/wait-for.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNBOOK = readFileSync(path.join(ROOT, 'docs/OPERATIONS.md'), 'utf8');
const ALERTS = parseYaml(readFileSync(path.join(ROOT, 'docs/alerts.yml'), 'utf8')) as {
  groups: Array<{ rules: Array<{ alert: string; expr: string }> }>;
};

/** The runbook's sections that hold shell blocks: heading → the blocks' text, in order. */
function shellSections(markdown: string): Map<string, string> {
  const sections = new Map<string, string>();
  let heading = '';
  let inBlock = false;
  let block: string[] = [];
  for (const line of markdown.split('\n')) {
    if (!inBlock && line.startsWith('## ')) heading = line.slice(3).trim();
    else if (!inBlock && line.trim() === '```sh') {
      inBlock = true;
      block = [];
    } else if (inBlock && line.trim() === '```') {
      inBlock = false;
      sections.set(heading, `${sections.get(heading) ?? ''}${block.join('\n')}\n`);
    } else if (inBlock) block.push(line);
  }
  return sections;
}

let system: SystemUnderTest;
let workerMetricsUrl: string;
const env: Record<string, string> = {};

async function heldBooking(customerId: string): Promise<string> {
  const booking = newBooking({
    customer: { id: customerId, email: 'runbook.guest@example.com', name: 'Runbook Guest' },
  });
  expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
  await waitFor(
    async () => (await system.api('GET', `/v1/bookings/${booking.bookingId}`)).body.hold?.status === 'held',
    {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: `booking ${booking.bookingId} held`,
    },
  );
  return booking.bookingId;
}

beforeAll(async () => {
  const metricsPort = await getFreePort();
  workerMetricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  installWorkerRuntime({
    metricsAddress: `127.0.0.1:${metricsPort}`,
    logger: createJsonRuntimeLogger('WARN', () => undefined),
  });
  system = await startSystemUnderTest();
  await ensureReconciliationSchedule(system.client, {
    taskQueue: system.taskQueue,
    intervalSeconds: 3600,
    lookbackSeconds: 3600,
  });

  const customerId = `cust-runbook-${Date.now()}`;
  const bookingId = await heldBooking(customerId);
  const cancelBookingId = await heldBooking(customerId);
  const stuckBookingId = await heldBooking(customerId);
  const events = await waitFor(
    async () => {
      const rows = await system.inboxRows(bookingId);
      return rows.some((row) => row.type === 'payment_intent.amount_capturable_updated' && row.status !== 'pending')
        ? rows
        : false;
    },
    { timeoutMs: 30_000, description: "the booking's authorization event settled" },
  );
  const { body } = await system.api('GET', `/v1/bookings/${stuckBookingId}`);

  Object.assign(env, {
    PATH: `${path.dirname(toolPath('TEMPORAL_CLI_PATH'))}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '/tmp',
    TEMPORAL_ADDRESS: system.temporal.address,
    API_URL: system.apiUrl,
    API_TOKEN: 'integration-token-123',
    CODEC_ENDPOINT: `${system.apiUrl}/codec`,
    CODEC_AUTH_TOKEN: system.codecCliArgs[3].replace(/^Bearer /, ''),
    DATABASE_URL: system.databaseUrl,
    STRIPE_API_URL: system.emulatorUrl,
    STRIPE_SECRET_KEY: system.stripeSecretKey,
    WORKER_METRICS_URL: workerMetricsUrl,
    PAYLOAD_CODEC_KEYS: system.payloadCodecKeys,
    BOOKING_ID: bookingId,
    CUSTOMER_ID: customerId,
    CANCEL_BOOKING_ID: cancelBookingId,
    STUCK_BOOKING_ID: stuckBookingId,
    STUCK_PAYMENT_INTENT_ID: String(body.hold?.paymentIntentId),
    EVENT_ID: events.find((row) => row.type === 'payment_intent.amount_capturable_updated')!.id,
  });
}, 240_000);

afterAll(async () => {
  await system?.stop();
});

/** Runs one section's commands in one bash (so `export`s carry from a block to the next). */
function runSection(script: string): Promise<{ stdout: string; stderr: string }> {
  // The binary the temporal CLI is provisioned as may not be called `temporal`: alias it.
  const prelude = `set -euo pipefail\ntemporal() { "${toolPath('TEMPORAL_CLI_PATH')}" "$@"; }\n`;
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', prelude + script],
      { cwd: ROOT, env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** What each section's output must show; a section of the runbook with commands and no entry here fails the test. */
const EXPECTATIONS: Record<string, (stdout: string) => Promise<void> | void> = {
  'Find a booking': (stdout) => {
    expect(stdout).toContain(bookingWorkflowId(env.BOOKING_ID));
    expect(stdout).toContain(bookingWorkflowId(env.CANCEL_BOOKING_ID));
  },
  'Read why a booking is waiting': (stdout) => {
    expect(stdout).toContain('**Hold** held');
    expect(stdout).toMatch(/EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "place \$1 hold on pm_card_visa/);
    // Booked 30 days ahead on the default plan (auto): the first hold lapses first, so it waits to renew it.
    expect(stdout).toMatch(/EVENT_TYPE_TIMER_STARTED: "place the next authorization"/);
    expect(stdout).toContain(`"bookingId":"${env.BOOKING_ID}"`);
  },
  'The webhook inbox: re-relay events': async (stdout) => {
    expect(stdout).toContain(env.EVENT_ID);
    expect(stdout).toContain('UPDATE 1');
    expect(stdout).toMatch(/bookingsChecked|checked/i);
    await waitFor(
      async () => (await system.inboxRows(env.BOOKING_ID)).find((row) => row.id === env.EVENT_ID)?.status === 'relayed',
      {
        timeoutMs: 30_000,
        description: 'the event relayed again',
      },
    );
  },
  'Cancel or terminate a booking safely': async (stdout) => {
    expect(stdout).toContain('"status":"released"');
    expect(stdout).toContain(`hold: held on ${env.STUCK_PAYMENT_INTENT_ID}`);
    expect(stdout).toContain(`${env.STUCK_PAYMENT_INTENT_ID} canceled`);
    const described = await system.client.workflow.getHandle(bookingWorkflowId(env.STUCK_BOOKING_ID)).describe();
    expect(described.status.name).toBe('TERMINATED');
  },
  'Rotate the webhook signing secret': (stdout) => {
    expect(stdout).toMatch(/none refused|invalid_signature"} 0/);
  },
  'Rotate the payload codec key': (stdout) => {
    expect(stdout).toMatch(/now sealing with k\d{12}/);
    expect(stdout).toContain('replay check passed (1 histories)');
    expect(stdout).toMatch(/^Total: \d+|^\d+$/m);
  },
  'Deploy a workflow change safely': (stdout) => {
    expect(stdout).toContain('replay check passed (1 histories)');
  },
  Metrics: (stdout) => {
    expect(stdout).toMatch(/^bookings_inbox_events\{status="relayed"\} [1-9]/m);
    expect(stdout).toMatch(/^bookings_holds_total\{.*outcome="placed".*\} [1-9]/m);
    expect(stdout).toMatch(/^temporal_workflow_completed/m);
  },
};

describe('docs/OPERATIONS.md', () => {
  const sections = shellSections(RUNBOOK);

  it('has an expectation for every section with commands, and commands in every expected section', () => {
    expect([...sections.keys()].sort()).toEqual(Object.keys(EXPECTATIONS).sort());
  });

  for (const [heading, script] of sections) {
    it(`runs "${heading}"`, async () => {
      const { stdout } = await runSection(script);
      await EXPECTATIONS[heading]?.(stdout);
    }, 180_000);
  }
});

describe('docs/alerts.yml', () => {
  const rules = ALERTS.groups.flatMap((group) => group.rules);

  it('explains every alert in the runbook', () => {
    expect(rules.length).toBeGreaterThan(5);
    for (const rule of rules) expect(RUNBOOK, rule.alert).toContain(`**${rule.alert}**`);
  });

  it('reads only series the API or the worker export (or, counted at their first occurrence, the runbook documents)', async () => {
    const scraped = `${await (await fetch(`${system.apiUrl}/metrics`)).text()}\n${await (await fetch(workerMetricsUrl)).text()}`;
    const exported = new Set(
      scraped
        .split('\n')
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => line.split(/[{ ]/)[0]),
    );
    for (const rule of rules) {
      const series = [...rule.expr.matchAll(/\b((?:bookings|http|temporal)_[a-z_]+)\b/g)].map((match) => match[1]);
      for (const name of series) {
        // Counters of failures appear at their first occurrence; check their family instead.
        const family = name.replace(/_(failed|pass_failures_total)$/, '');
        const present =
          exported.has(name) ||
          [...exported].some((seen) => seen.startsWith(family)) ||
          RUNBOOK.includes(`\`${name}\``);
        expect(present, `${rule.alert} reads ${name}`).toBe(true);
      }
    }
  });
});

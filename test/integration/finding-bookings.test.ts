/**
 * How ops find and read bookings and setups on real parts (harness/system-under-test.ts):
 * `temporal workflow list --query` by each search attribute, and `temporal workflow describe`,
 * `metadata` and `show` for the summaries, current details and activity and timer summaries the
 * Web UI shows. The CLI runs as a child process against the test's dev server, which also runs
 * docs/CONFIGURATION.md's and docker-compose.yml's commands that register the attributes on a namespace.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { BookingView } from '../../api/booking/schemas.js';
import type { SetupView } from '../../api/setup/schemas.js';
import { bookingWorkflowId, type HoldStatus, type PaymentStatus } from '../../workflows/booking/contract.js';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../workflows/common/search-attributes.js';
import { paymentMethodSetupWorkflowId } from '../../workflows/setup/contract.js';
import {
  newBooking,
  startSystemUnderTest,
  waitForBooking as waitForBookingView,
  type SystemUnderTest,
} from '../../harness/system-under-test.js';
import { listWorkflowIds, temporalCli, temporalCliJson } from '../../harness/temporal-cli.js';
import { toolPath } from '../../harness/tool-paths.js';
import { waitFor } from '../../harness/wait-for.js';

const DAY_SECONDS = 86_400;
const COMPOSE_FILE = new URL('../../docker-compose.yml', import.meta.url);

let system: SystemUnderTest;

beforeAll(async () => {
  // A dispute follows settlement by a day on the emulator's clock, which the test moves.
  system = await startSystemUnderTest({ emulator: { achDisputeDelaySeconds: DAY_SECONDS, webhookRetryBaseMs: 100 } });
}, 180_000);

afterAll(async () => {
  await system?.stop();
});

/** Waits until `temporal workflow list --query` answers what `accept` wants (visibility lags a little). */
async function listUntil(query: string, accept: (ids: string[]) => boolean): Promise<string[]> {
  return waitFor(
    async () => {
      const ids = await listWorkflowIds(system.temporal.address, query);
      return accept(ids) ? ids : false;
    },
    { timeoutMs: 20_000, intervalMs: 250, description: `temporal workflow list --query "${query}"` },
  );
}

const including =
  (...ids: string[]) =>
  (listed: string[]) =>
    ids.every((id) => listed.includes(id));
const excluding = (id: string) => (listed: string[]) => !listed.includes(id);

const waitForBooking = (bookingId: string, accept: (booking: BookingView) => boolean, description: string) =>
  waitForBookingView(system, bookingId, accept, description);
const holdIs = (status: HoldStatus) => (booking: BookingView) => booking.hold.status === status;
const paymentIs = (status: PaymentStatus) => (booking: BookingView) => booking.payment?.status === status;

/** `temporal workflow describe --output json`: the static summary and details the API started the workflow with. */
async function describeMetadata(workflowId: string): Promise<{ summary?: string; details?: string }> {
  const described = await temporalCliJson<{
    executionConfig: { userMetadata?: { summary?: string; details?: string } };
  }>(system.temporal.address, ['workflow', 'describe', '--workflow-id', workflowId, ...system.codecCliArgs]);
  return described.executionConfig.userMetadata ?? {};
}

/** `temporal workflow metadata --output json`: the workflow's current details. */
async function currentDetails(workflowId: string): Promise<string> {
  const metadata = await temporalCliJson<{ queryResult: Array<{ currentDetails?: string }> }>(system.temporal.address, [
    'workflow',
    'metadata',
    '--workflow-id',
    workflowId,
    ...system.codecCliArgs,
  ]);
  return metadata.queryResult[0]?.currentDetails ?? '';
}

interface Payload {
  data?: string;
}
interface HistoryEvent {
  eventType: string;
  userMetadata?: { summary?: Payload };
  activityTaskScheduledEventAttributes?: { activityType: { name: string } };
}

/** `temporal workflow show --output json`: each activity's or timer's summary, decoded, in history order. */
async function historySummaries(
  workflowId: string,
): Promise<Array<{ event: string; activity?: string; summary: string }>> {
  const { events } = await temporalCliJson<{ events: HistoryEvent[] }>(system.temporal.address, [
    'workflow',
    'show',
    '--workflow-id',
    workflowId,
    ...system.codecCliArgs,
  ]);
  return events
    .filter((event) => event.userMetadata?.summary?.data)
    .map((event) => ({
      event: event.eventType,
      activity: event.activityTaskScheduledEventAttributes?.activityType.name,
      // A json/plain payload: the summary as a JSON string, base64-encoded.
      summary: JSON.parse(Buffer.from(event.userMetadata!.summary!.data!, 'base64').toString('utf8')) as string,
    }));
}

/** The namespace's custom search attributes, name → indexed value type. */
async function registeredAttributes(namespace: string): Promise<Record<string, string>> {
  const listed = await temporalCliJson<{ customAttributes: Record<string, string> }>(system.temporal.address, [
    'operator',
    'search-attribute',
    'list',
    '--namespace',
    namespace,
  ]);
  return listed.customAttributes;
}

/** Every product search attribute with its indexed value type, as the list answers it. */
function everyAttribute(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES).map(([name, type]) => [
      name,
      `INDEXED_VALUE_TYPE_${type.toUpperCase()}`,
    ]),
  );
}

describe('ops find bookings and setups with `temporal workflow list --query` and read them', () => {
  it('finds held bookings by booking id, customer, hold status and release time, and reads their story', async () => {
    const customer = { id: `cust-${randomUUID()}`, email: 'guest@example.com', name: 'Integration Guest' };
    // This booking ends in 10 minutes and its hold is released a second later (grace 1 s): within the next hour.
    const endingSoon = newBooking({ customer, endsAt: new Date(Date.now() + 10 * 60_000).toISOString() });
    const endingLater = newBooking({ customer });
    for (const booking of [endingSoon, endingLater]) {
      expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    }
    await waitForBooking(endingSoon.bookingId, holdIs('held'), 'held');
    await waitForBooking(endingLater.bookingId, holdIs('held'), 'held');
    const soonId = bookingWorkflowId(endingSoon.bookingId);
    const laterId = bookingWorkflowId(endingLater.bookingId);

    // "All bookings whose hold is still held", a booking by id, a customer's bookings.
    await listUntil(`HoldStatus = 'held'`, including(soonId, laterId));
    expect(await listUntil(`BookingId = '${endingSoon.bookingId}'`, including(soonId))).toEqual([soonId]);
    expect(await listUntil(`CustomerId = '${customer.id}'`, including(soonId, laterId))).toEqual(
      [laterId, soonId].sort(),
    );
    // "Holds releasing in the next hour", the time written as docs/OPERATIONS.md's `date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ` writes it.
    const inAnHour = new Date(Date.now() + 60 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const releasingSoon = await listUntil(`HoldStatus = 'held' AND HoldReleaseAt < '${inAnHour}'`, including(soonId));
    expect(releasingSoon).not.toContain(laterId);

    // The story: start summary and details, current details, activity and timer summaries.
    const started = await describeMetadata(soonId);
    expect(started.summary).toBe(`Booking ${endingSoon.bookingId}: $1 card hold`);
    expect(started.details).toContain(`**Customer** ${customer.id}`);
    expect(await currentDetails(soonId)).toMatch(
      /^\*\*Hold\*\* held, \$1 on pm_card_visa \(pi_\w+\); release at \d{4}-\d\d-\d\d \d\d:\d\d UTC$/,
    );
    const summaries = await historySummaries(soonId);
    expect(summaries).toContainEqual({
      event: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      activity: 'placeHold',
      summary: 'place $1 hold on pm_card_visa in one call (attempt 1)',
    });
    expect(summaries).toContainEqual({
      event: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      activity: 'notifyBookingService',
      summary: 'notify the booking service: hold.held',
    });
    expect(summaries).toContainEqual({
      event: 'EVENT_TYPE_TIMER_STARTED',
      activity: undefined,
      summary: 'hold-release deadline',
    });

    // Released: the status moves on and the release time is gone.
    expect(
      (await system.api('POST', `/v1/bookings/${endingSoon.bookingId}/cancel`, { reason: 'guest cancelled' })).status,
    ).toBe(200);
    await listUntil(`BookingId = '${endingSoon.bookingId}' AND HoldStatus = 'released'`, including(soonId));
    await listUntil(`HoldReleaseAt < '${inAnHour}'`, excluding(soonId));
    expect(await listWorkflowIds(system.temporal.address, `HoldStatus = 'held'`)).not.toContain(soonId);
    expect(await currentDetails(soonId)).toMatch(
      /^\*\*Cancelled\*\* by request: guest cancelled\n\n\*\*Hold\*\* released at /,
    );
  });

  it('finds bank payments by status: processing, then disputed', async () => {
    const booking = newBooking({
      payment: {
        amount: 12_500,
        method: 'us_bank_account',
        paymentMethod: 'pm_usBankAccount_dispute',
        verification: 'automatic',
        mandate: {
          ipAddress: '203.0.113.7',
          userAgent: 'Mozilla/5.0 (integration tests)',
          acceptedAt: new Date().toISOString(),
        },
      },
    });
    expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    const workflowId = bookingWorkflowId(booking.bookingId);

    const processing = await waitForBooking(booking.bookingId, paymentIs('processing'), 'payment processing');
    await listUntil(`PaymentStatus = 'processing'`, including(workflowId));
    expect(await describeMetadata(workflowId)).toMatchObject({
      summary: `Booking ${booking.bookingId}: $1 card hold + $125 by US bank account`,
    });
    expect(await historySummaries(workflowId)).toContainEqual({
      event: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      activity: 'placeBankPayment',
      summary: 'debit $125 from pm_usBankAccount_dispute in one call (attempt 1)',
    });

    await system.emulatorControl('POST', `/_emulator/payment_intents/${processing.payment!.paymentIntentId}/settle`);
    await waitForBooking(booking.bookingId, paymentIs('succeeded'), 'payment succeeded');
    await system.emulatorControl('POST', '/_emulator/clock/advance', { seconds: 2 * DAY_SECONDS });
    await waitForBooking(booking.bookingId, paymentIs('disputed'), 'payment disputed');

    // "All disputed payments".
    await listUntil(`PaymentStatus = 'disputed'`, including(workflowId));
    expect(await listWorkflowIds(system.temporal.address, `PaymentStatus = 'processing'`)).not.toContain(workflowId);
    expect(await currentDetails(workflowId)).toMatch(
      /\*\*Payment\*\* \$125 from pm_usBankAccount_dispute \(pi_\w+\) disputed \((dp|du)_\w+, /,
    );
  });

  it("finds a customer's payment-method setups by setup status", async () => {
    const customer = { id: `cust-${randomUUID()}`, email: 'returning@example.com', name: 'Returning Guest' };
    const started = await system.api<SetupView>('POST', `/v1/customers/${customer.id}/payment-methods`, {
      email: customer.email,
      name: customer.name,
      type: 'card',
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const workflowId = paymentMethodSetupWorkflowId(started.body.setupId);

    const waiting = `CustomerId = '${customer.id}' AND SetupStatus = 'requires_payment_method'`;
    expect(await listUntil(waiting, including(workflowId))).toEqual([workflowId]);
    expect(await describeMetadata(workflowId)).toMatchObject({ summary: `Save a card for customer ${customer.id}` });
    expect(await currentDetails(workflowId)).toMatch(
      /^\*\*Setup\*\* of a card \(seti_\w+\): waiting for the customer to enter the payment method until /,
    );

    const cancelled = await system.api<SetupView>(
      'POST',
      `/v1/customers/${customer.id}/payment-methods/setups/${started.body.setupId}/cancel`,
    );
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    await listUntil(`CustomerId = '${customer.id}' AND SetupStatus = 'canceled'`, including(workflowId));
    expect(await listWorkflowIds(system.temporal.address, waiting)).toEqual([]);
  });

  it('registers the search attributes on a namespace with the commands docs/CONFIGURATION.md gives for a cluster', async () => {
    const address = system.temporal.address;
    const namespace = `cluster-${randomUUID().slice(0, 8)}`;
    await temporalCli(address, ['operator', 'namespace', 'create', '--namespace', namespace]);
    // As docs/CONFIGURATION.md's loop does: one attribute per command.
    const create = (name: string, type: string) =>
      temporalCli(address, [
        'operator',
        'search-attribute',
        'create',
        '--namespace',
        namespace,
        '--name',
        name,
        '--type',
        type,
      ]);
    // A new namespace becomes usable after a short delay.
    await waitFor(() => create('BookingId', 'Keyword').then(() => true), {
      timeoutMs: 30_000,
      intervalMs: 500,
      description: `search attributes created on ${namespace}`,
    });
    for (const name of ['CustomerId', 'HoldStatus', 'PaymentStatus', 'SetupStatus']) await create(name, 'Keyword');
    for (const name of ['HoldReleaseAt', 'HoldNextAuthorizationAt']) await create(name, 'Datetime');

    expect(await registeredAttributes(namespace)).toMatchObject(everyAttribute());
  });

  it("registers them with docker-compose.yml's one-shot script, and again without complaint", async () => {
    const compose = parse(await readFile(COMPOSE_FILE, 'utf8')) as { services: Record<string, { command: string[] }> };
    // Compose writes a literal `$` as `$$`.
    const script = compose.services['temporal-namespace'].command.join('\n').replaceAll('$$', '$');
    const namespace = `compose-${randomUUID().slice(0, 8)}`;
    const runScript = () =>
      promisify(execFile)('sh', ['-ec', script], {
        timeout: 60_000,
        env: {
          ...process.env,
          PATH: `${path.dirname(toolPath('TEMPORAL_CLI_PATH'))}:${process.env.PATH ?? ''}`,
          TEMPORAL_ADDRESS: system.temporal.address,
          NAMESPACE: namespace,
          // The job's environment in docker-compose.yml, with compose's default.
          TEMPORAL_NAMESPACE_RETENTION: '30d',
        },
      });

    await runScript();
    expect(await registeredAttributes(namespace)).toMatchObject(everyAttribute());
    await runScript();
  });
});

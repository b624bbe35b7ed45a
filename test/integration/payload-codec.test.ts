/**
 * Workflow payloads are sealed by the encryption codec before they reach Temporal, and ops read
 * them through the API's codec endpoint: over HTTP as the Web UI does, and with the real
 * `temporal` CLI's `--codec-endpoint` as docs/OPERATIONS.md tells them to.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookingWorkflowId } from '../../workflows/booking/contract.js';
import {
  CODEC_AUTH_TOKEN,
  newBooking,
  startSystemUnderTest,
  type SystemUnderTest,
} from '../../harness/system-under-test.js';
import { toolPath } from '../../harness/tool-paths.js';
import { waitFor } from '../../harness/wait-for.js';

const run = promisify(execFile);
let system: SystemUnderTest;

beforeAll(async () => {
  system = await startSystemUnderTest();
}, 180_000);

afterAll(async () => {
  await system?.stop();
});

async function startHeldBooking() {
  const booking = newBooking({ customer: { id: 'cust-codec', email: 'codec.guest@example.com', name: 'Codec Guest' } });
  expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
  await waitFor(
    async () => (await system.api('GET', `/v1/bookings/${booking.bookingId}`)).body.hold?.status === 'held',
    { timeoutMs: 60_000, intervalMs: 250, description: 'hold held' },
  );
  return booking;
}

async function startedInput(bookingId: string) {
  const history = await system.client.workflow.getHandle(bookingWorkflowId(bookingId)).fetchHistory();
  const payload = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
  return payload;
}

describe('payload encryption', () => {
  it('stores the booking input in history as ciphertext, without the customer email', async () => {
    const booking = await startHeldBooking();
    const payload = await startedInput(booking.bookingId);
    expect(Buffer.from(payload.metadata!.encoding).toString()).toBe('binary/encrypted');
    expect(Buffer.from(payload.data!).toString('latin1')).not.toContain('codec.guest@example.com');
    // The API still reads the booking back: its client decodes with the same key.
    expect((await system.api('GET', `/v1/bookings/${booking.bookingId}`)).body.hold?.status).toBe('held');
  });

  it('decodes a history payload through /codec/decode for a caller with the codec token, and refuses others', async () => {
    const booking = await startHeldBooking();
    const payload = await startedInput(booking.bookingId);
    const body = JSON.stringify({
      payloads: [
        {
          metadata: Object.fromEntries(
            Object.entries(payload.metadata!).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
          ),
          data: Buffer.from(payload.data!).toString('base64'),
        },
      ],
    });
    const decode = (authorization?: string) =>
      fetch(`${system.apiUrl}/codec/decode`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-namespace': 'default',
          ...(authorization && { authorization }),
        },
        body,
      });
    expect((await decode()).status).toBe(401);
    const answer = await decode(`Bearer ${CODEC_AUTH_TOKEN}`);
    expect(answer.status).toBe(200);
    const decoded = (await answer.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(Buffer.from(decoded.payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    const input = JSON.parse(Buffer.from(decoded.payloads[0].data, 'base64').toString()) as { bookingId: string };
    expect(input.bookingId).toBe(booking.bookingId);
  });

  it('lets the temporal CLI show a decoded history with --codec-endpoint and --codec-auth', async () => {
    const booking = await startHeldBooking();
    const workflowId = bookingWorkflowId(booking.bookingId);
    const show = (extra: string[]) =>
      run(
        toolPath('TEMPORAL_CLI_PATH'),
        [
          'workflow',
          'show',
          '--address',
          system.temporal.address,
          '--workflow-id',
          workflowId,
          '--output',
          'json',
          ...extra,
        ],
        { maxBuffer: 32 * 1024 * 1024 },
      );
    type Shown = {
      events: Array<{
        workflowExecutionStartedEventAttributes?: {
          input: { payloads: Array<{ metadata: { encoding: string }; data: string }> };
        };
      }>;
    };
    const startedPayload = (stdout: string) => {
      const payload = (JSON.parse(stdout) as Shown).events[0].workflowExecutionStartedEventAttributes!.input
        .payloads[0];
      return {
        encoding: Buffer.from(payload.metadata.encoding, 'base64').toString(),
        data: Buffer.from(payload.data, 'base64').toString(),
      };
    };
    const sealed = startedPayload((await show([])).stdout);
    expect(sealed.encoding).toBe('binary/encrypted');
    const opened = startedPayload(
      (await show(['--codec-endpoint', `${system.apiUrl}/codec`, '--codec-auth', `Bearer ${CODEC_AUTH_TOKEN}`])).stdout,
    );
    expect(opened.encoding).toBe('json/plain');
    expect(JSON.parse(opened.data)).toMatchObject({
      bookingId: booking.bookingId,
      customer: { email: 'codec.guest@example.com' },
    });
  });
});

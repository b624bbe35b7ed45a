/**
 * Scenario: webhooks an attacker or a broken proxy could send — forged (wrong secret, zeroed
 * signature), re-serialised (the signed JSON re-stringified with other whitespace), unsigned,
 * stale (signed more than 5 minutes ago) — and the replay of a real event, old and freshly signed.
 * Every one but the fresh replay answers 400 `invalid_signature` and stores nothing; the fresh
 * replay is a duplicate the inbox already holds. Held bookings stay held.
 */
import { randomUUID } from 'node:crypto';
import { postWebhook, type SystemUnderTest } from '../harness/system-under-test.js';
import { bookingStateQuery, bookingWorkflowId } from '../workflows/booking/contract.js';
import { cancelBookings, createBookings, tally, waitForHolds } from './booking-driver.js';
import { bookingIdOf, checkInvariants, listEmulatorEvents } from './invariants.js';
import { timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

/** Stripe's default tolerance for a signature's timestamp, in seconds. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Runs the scenario against `scale.bookings` held bookings. */
export async function runHostileWebhooks(system: SystemUnderTest, scale: ChaosScale): Promise<ScenarioReport> {
  return timedScenario('forged, re-serialised, unsigned, stale and replayed webhooks', async (report) => {
    const bookingIds = await createBookings(system, scale.bookings);
    const views = await waitForHolds(system, bookingIds, ['held']);
    const events = await listEmulatorEvents(system);
    const now = () => Math.floor(Date.now() / 1000);
    const sign = (payload: string, secret = system.webhookSecret, timestamp = now()) =>
      system.stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
    const post = async (body: string, signature: string | undefined) => {
      const answer = await postWebhook(system, body, signature ?? null);
      return { status: answer.status, code: answer.body.error?.code ?? 'ok' };
    };

    const answers: Array<{ kind: string; status: number; code: string; eventId: string; expectAccepted: boolean }> = [];
    for (const view of views) {
      const real = events.find(
        (event) => bookingIdOf(event) === view.bookingId && event.type === 'payment_intent.amount_capturable_updated',
      );
      if (!real) {
        report.failures.push(`${view.bookingId}: no amount_capturable_updated event on the emulator`);
        continue;
      }
      // A forged cancellation of this booking's hold, under an id Stripe never issued.
      const forgedEvent = (id: string) => ({
        ...real,
        id,
        type: 'payment_intent.canceled',
        data: {
          object: { ...(real.data.object as object), status: 'canceled', cancellation_reason: 'requested_by_customer' },
        },
      });
      const newId = () => `evt_chaos_${randomUUID().replace(/-/g, '')}`;
      const attempts: Array<{
        kind: string;
        body: string;
        signature: string | undefined;
        eventId: string;
        expectAccepted?: boolean;
      }> = [];
      let id = newId();
      let body = JSON.stringify(forgedEvent(id));
      attempts.push({
        kind: 'forged (wrong secret)',
        body,
        signature: sign(body, 'whsec_attacker_guess'),
        eventId: id,
      });
      id = newId();
      body = JSON.stringify(forgedEvent(id));
      attempts.push({
        kind: 'forged (zeroed signature)',
        body,
        signature: `t=${now()},v1=${'0'.repeat(64)}`,
        eventId: id,
      });
      id = newId();
      const compact = JSON.stringify(forgedEvent(id));
      attempts.push({
        kind: 're-serialised (indented)',
        body: JSON.stringify(JSON.parse(compact), null, 2),
        signature: sign(compact),
        eventId: id,
      });
      attempts.push({
        kind: 're-serialised (trailing newline)',
        body: `${compact}\n`,
        signature: sign(compact),
        eventId: id,
      });
      id = newId();
      body = JSON.stringify(forgedEvent(id));
      attempts.push({ kind: 'unsigned', body, signature: undefined, eventId: id });
      attempts.push({ kind: 'empty signature header', body, signature: '', eventId: id });
      id = newId();
      body = JSON.stringify(forgedEvent(id));
      attempts.push({
        kind: 'stale (6 minutes old)',
        body,
        signature: sign(body, undefined, now() - SIGNATURE_TOLERANCE_SECONDS - 60),
        eventId: id,
      });
      const realBody = JSON.stringify(real);
      attempts.push({
        kind: 'replay of a real event signed 10 minutes ago',
        body: realBody,
        signature: sign(realBody, undefined, now() - 600),
        eventId: real.id,
      });
      attempts.push({
        kind: 'replay of a real event, freshly signed',
        body: realBody,
        signature: sign(realBody),
        eventId: real.id,
        expectAccepted: true,
      });

      const processedBefore = (
        await system.client.workflow.getHandle(bookingWorkflowId(view.bookingId)).query(bookingStateQuery)
      ).processedEventCount;
      for (const attempt of attempts) {
        const answer = await post(attempt.body, attempt.signature);
        answers.push({
          kind: attempt.kind,
          ...answer,
          eventId: attempt.eventId,
          expectAccepted: attempt.expectAccepted ?? false,
        });
      }
      const after = await system.api('GET', `/v1/bookings/${view.bookingId}`);
      if (after.body.hold.status !== 'held')
        report.failures.push(`${view.bookingId}: hold moved to ${after.body.hold.status}`);
      const processedAfter = (
        await system.client.workflow.getHandle(bookingWorkflowId(view.bookingId)).query(bookingStateQuery)
      ).processedEventCount;
      if (processedAfter !== processedBefore)
        report.failures.push(`${view.bookingId}: processed ${processedAfter - processedBefore} more events`);
    }

    report.tried = { bookings: bookingIds.length, ...tally(answers.map((answer) => answer.kind)) };
    report.counted = tally(answers.map((answer) => `answered ${answer.status} ${answer.code}`));
    for (const answer of answers) {
      const accepted = answer.status === 200;
      if (accepted !== answer.expectAccepted)
        report.failures.push(`${answer.kind} answered ${answer.status} ${answer.code}`);
      else if (!accepted && answer.code !== 'invalid_signature')
        report.failures.push(`${answer.kind} answered code ${answer.code}`);
    }
    const forgedIds = answers
      .filter((answer) => !answer.expectAccepted && answer.eventId.startsWith('evt_chaos_'))
      .map((answer) => answer.eventId);
    const stored = await system.db.query('SELECT id FROM stripe_events WHERE id = ANY($1)', [forgedIds]);
    report.counted['rejected events stored'] = stored.rowCount ?? 0;
    if ((stored.rowCount ?? 0) > 0) report.failures.push(`${stored.rowCount} rejected events were stored`);
    const replayed = answers.filter((answer) => answer.expectAccepted).map((answer) => answer.eventId);
    const replayRows = await system.db.query('SELECT id FROM stripe_events WHERE id = ANY($1)', [replayed]);
    report.counted['inbox rows for replayed events'] = replayRows.rowCount ?? 0;
    if (replayRows.rowCount !== new Set(replayed).size)
      report.failures.push('a replayed event was stored twice or not at all');
    report.counted['bookings still held after the attack'] =
      bookingIds.length - report.failures.filter((failure) => failure.includes('hold moved')).length;
    report.counted['cancelled and released'] = await cancelBookings(system, bookingIds);
    return checkInvariants(system, bookingIds);
  });
}

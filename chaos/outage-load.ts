/**
 * The load the outage scenarios keep on the system while one of its parts is down: bookings created
 * before the outage (some waiting for 3-D Secure, some whose release falls due during it), 3-D
 * Secure completed during it (so Stripe sends webhooks while the part is down), creates attempted
 * during it and sent again afterwards with the same booking id as the booking service would, and
 * every booking released at the end.
 */
import { newBooking, type ApiAnswer, type SystemUnderTest } from '../harness/system-under-test.js';
import { cancelBookings, createBookings, tally, waitForHolds } from './booking-driver.js';
import type { ChaosScale, ScenarioReport } from './scenario-report.js';

/** The part taken down, and the answer the API must give a create while it is down. */
export interface Outage {
  /** What is down, for the report (`Temporal`, `PostgreSQL`). */
  part: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** The error code of a create refused during the outage (503). */
  refusalCode: string;
  /** Runs once the part is down, alongside the load, until `until` (ms since the epoch); given the bookings due for release. */
  whileDown?(context: { releasing: string[]; until: number }): Promise<void>;
}

/** When the part was down, and every booking the load created. */
export interface OutageRun {
  /** When the part was asked to stop. */
  stoppedAt: Date;
  /** When it was asked to start again (nothing it serves can have happened between stop and this). */
  restartRequestedAt: Date;
  /** When it answered again. */
  restartedAt: Date;
  bookingIds: string[];
}

/** Bookings held this long after their create are released a few seconds into the outage. */
const RELEASE_AFTER_MS = 6_000;
/** Creates are attempted in this many waves spread over the outage. */
const CREATE_WAVES = 2;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Drives the load across `outage`, recording what was tried and answered in `report`. */
export async function driveLoadAcrossOutage(
  system: SystemUnderTest,
  scale: ChaosScale,
  report: Omit<ScenarioReport, 'invariants' | 'durationMs'>,
  outage: Outage,
): Promise<OutageRun> {
  const outageMs = scale.outageSeconds * 1_000;
  const releaseDue: number[] = [];
  const [authenticating, releasing] = await Promise.all([
    createBookings(system, scale.bookings, () => ({ holdPaymentMethod: 'pm_card_authenticationRequired' })),
    createBookings(system, scale.bookings, () => {
      releaseDue.push(Date.now() + RELEASE_AFTER_MS);
      return { endsAt: new Date(releaseDue[releaseDue.length - 1]).toISOString() };
    }),
  ]);
  const [waiting] = await Promise.all([
    waitForHolds(system, authenticating, ['requires_action']),
    waitForHolds(system, releasing, ['held']),
  ]);
  report.tried['bookings waiting for 3-D Secure'] = authenticating.length;
  report.tried['held bookings ending a few seconds later'] = releasing.length;

  // The outage starts when the part is asked to stop (a graceful stop takes a few seconds).
  const stoppedAt = new Date();
  await outage.stop();
  report.counted[`${outage.part} stop (ms)`] = Date.now() - stoppedAt.getTime();
  report.tried[`${outage.part} down (s)`] = scale.outageSeconds;
  const bodies = Array.from({ length: CREATE_WAVES }, () =>
    Array.from({ length: scale.bookings }, () => newBooking({ bookingId: `chaos-${newBooking().bookingId}` })),
  );
  // Each wave is attempted while the part is down; an attempt may outlast the outage (the API waits up to its deadline).
  let restartRequestedAt = new Date();
  const answers = bodies.map(async (wave, index) => {
    await sleep((index * outageMs) / CREATE_WAVES);
    return Promise.all(wave.map((body) => timedCreate(system, body)));
  });
  try {
    await Promise.all([
      ...waiting.map(({ hold }) =>
        system.emulatorControl('POST', `/_emulator/payment_intents/${hold.paymentIntentId}/authenticate`, {
          outcome: 'succeed',
        }),
      ),
      outage.whileDown?.({ releasing, until: stoppedAt.getTime() + outageMs }),
      sleep(outageMs),
    ]);
  } finally {
    restartRequestedAt = new Date();
    await outage.restart();
  }
  const restartedAt = new Date();
  report.tried['3-D Secure completed during the outage'] = waiting.length;
  report.counted['bookings that ended during the outage'] = releaseDue.filter(
    (due) => due >= stoppedAt.getTime() && due < restartedAt.getTime(),
  ).length;

  const attempts = bodies.flat();
  const timed = (await Promise.all(answers)).flat();
  const during = timed.map(({ answer }) => answer);
  report.tried['creates attempted during the outage'] = attempts.length;
  report.counted['slowest refusal (ms)'] = Math.max(
    0,
    ...timed.filter(({ answer }) => answer.status >= 500).map(({ ms }) => ms),
  );
  for (const [outcome, count] of Object.entries(tally(during.map(describeAnswer))))
    report.counted[`during the outage: ${outcome}`] = count;
  const refused = attempts.filter((_, index) => during[index].status >= 500);
  report.counted['creates refused during the outage'] = refused.length;
  for (const [index, answer] of during.entries())
    checkOutageAnswer(report, attempts[index].bookingId, answer, outage.refusalCode);

  // The booking service sends each refused create again, unchanged.
  const retried = await Promise.all(refused.map((body) => system.api('POST', '/v1/bookings', body)));
  report.tried['refused creates sent again after the outage'] = retried.length;
  for (const [outcome, count] of Object.entries(tally(retried.map(describeAnswer))))
    report.counted[`sent again: ${outcome}`] = count;
  for (const [index, answer] of retried.entries()) {
    if (answer.status !== 201 && answer.status !== 200)
      report.failures.push(`${refused[index].bookingId}: sent again after the outage, answered ${answer.status}`);
  }

  const retriedStatus = new Map(refused.map((body, index) => [body.bookingId, retried[index].status]));
  const created = attempts.filter(
    (body, index) => during[index].status < 300 || (retriedStatus.get(body.bookingId) ?? 500) < 300,
  );
  const open = [...authenticating, ...created.map((body) => body.bookingId)];
  await waitForHolds(system, open, ['held'], 180_000);
  report.counted['holds placed after 3-D Secure completed during the outage'] = authenticating.length;
  report.counted['bookings cancelled and released'] = await cancelBookings(system, open);
  const bookingIds = [...releasing, ...open];
  await waitForHolds(system, bookingIds, ['released'], 180_000);
  report.counted['bookings released'] = bookingIds.length;
  return { stoppedAt, restartRequestedAt, restartedAt, bookingIds };
}

/** A create's answer and how long it took. */
async function timedCreate(
  system: SystemUnderTest,
  body: { bookingId: string },
): Promise<{ answer: ApiAnswer; ms: number }> {
  const started = Date.now();
  const answer = await system.api('POST', '/v1/bookings', body);
  return { answer, ms: Date.now() - started };
}

/** `answered 503 temporal_unavailable`, `answered 201`, … */
function describeAnswer(answer: ApiAnswer): string {
  return `answered ${answer.status}${answer.body.error ? ` ${answer.body.error.code}` : ''}`;
}

/** A create during the outage succeeds (the part came back in time) or is refused with 503, `code` and the error shape. */
function checkOutageAnswer(
  report: Omit<ScenarioReport, 'invariants' | 'durationMs'>,
  bookingId: string,
  answer: ApiAnswer,
  code: string,
): void {
  if (answer.status === 201 || answer.status === 200) return;
  const error = answer.body.error;
  if (answer.status !== 503 || error?.code !== code)
    report.failures.push(
      `${bookingId}: answered ${answer.status} ${error?.code ?? ''} during the outage, not 503 ${code}`,
    );
  else if (!error.message || !error.requestId) report.failures.push(`${bookingId}: the refusal lacks the error shape`);
}

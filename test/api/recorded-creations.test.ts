/**
 * The worker records each PaymentIntent create around the gateway call, so the relay knows which
 * bookings create none. Against real PostgreSQL (migrated); the gateway is a stand-in whose create
 * answers or fails as each test says.
 */
import type pg from 'pg';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingCreations } from '../../activities/common/recorded-creations.js';
import { migrate } from '../../db/migrate.js';
import { createPool } from '../../db/pool.js';
import { startTestPostgres, type TestPostgres } from '../../harness/postgres.js';
import { learnedStatuses } from '../../inbox/learned-statuses.js';
import { neverCreatedByIdleBookings } from '../../inbox/payment-intent-creations.js';
import type { HoldPlacementRequest, PaymentGateway } from '../../stripe/payment-gateway.js';

let postgres: TestPostgres;
let db: pg.Pool;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await migrate(postgres.url);
  db = createPool(postgres.url);
});

afterAll(async () => {
  await db?.end();
  await postgres?.stop();
});

/** A PaymentIntent created well after the bookings' creations here. */
const later = new Date(Date.now() + 3_600_000);

let counter = 0;
const placement = (): HoldPlacementRequest => {
  counter += 1;
  return {
    bookingId: `bk-${counter}`,
    attempt: 1,
    paymentMethod: 'pm_card_visa',
    stripeCustomerId: 'cus_1',
    idempotencyKey: `bk-${counter}:hold-place:1`,
  };
};

/** The creation row of an idempotency key, or undefined. */
async function creationRow(idempotencyKey: string) {
  const { rows } = await db.query<{ booking_id: string; answered_at: Date | null }>(
    'SELECT booking_id, answered_at FROM payment_intent_creations WHERE idempotency_key = $1',
    [idempotencyKey],
  );
  return rows[0];
}

/** A gateway whose one-call hold placement runs `place`. */
const gatewayPlacing = (place: (input: HoldPlacementRequest) => Promise<Stripe.PaymentIntent>) =>
  ({ placeHoldPaymentIntent: place }) as unknown as PaymentGateway;

const paymentIntent = (id: string, status: Stripe.PaymentIntent.Status) => ({ id, status }) as Stripe.PaymentIntent;

describe('recording PaymentIntent creations', () => {
  it('records the create before sending it and marks it answered with the status Stripe answered', async () => {
    const request = placement();
    let seenBeforeSending: Awaited<ReturnType<typeof creationRow>>;
    const gateway = recordingCreations(
      db,
      gatewayPlacing(async (input) => {
        seenBeforeSending = await creationRow(input.idempotencyKey);
        return paymentIntent(`pi_${input.bookingId}`, 'requires_capture');
      }),
    );

    await gateway.placeHoldPaymentIntent(request);

    expect(seenBeforeSending!).toEqual({ booking_id: request.bookingId, answered_at: null });
    expect((await creationRow(request.idempotencyKey)).answered_at).toBeInstanceOf(Date);
    expect(await learnedStatuses(db, [`pi_${request.bookingId}`])).toEqual(
      new Map([[`pi_${request.bookingId}`, 'requires_capture']]),
    );
    // Another PaymentIntent is not the booking's; its own never counts as another's.
    expect(
      await neverCreatedByIdleBookings(db, [
        { bookingId: request.bookingId, paymentIntentId: 'pi_other', createdAt: later },
        { bookingId: request.bookingId, paymentIntentId: `pi_${request.bookingId}`, createdAt: later },
      ]),
    ).toEqual(new Set([`${request.bookingId}/pi_other`]));
  });

  it('leaves a create whose answer never came unanswered, and a retry under its key answers it', async () => {
    const request = placement();
    const lost = recordingCreations(
      db,
      gatewayPlacing(() => Promise.reject(new Error('socket hang up'))),
    );
    await expect(lost.placeHoldPaymentIntent(request)).rejects.toThrow('socket hang up');
    expect((await creationRow(request.idempotencyKey)).answered_at).toBeNull();
    expect(
      await neverCreatedByIdleBookings(db, [
        { bookingId: request.bookingId, paymentIntentId: 'pi_other', createdAt: later },
      ]),
    ).toEqual(new Set());

    const answered = recordingCreations(
      db,
      gatewayPlacing(() => Promise.resolve(paymentIntent(`pi_${request.bookingId}`, 'requires_action'))),
    );
    await answered.placeHoldPaymentIntent(request);
    // Another PaymentIntent is not the booking's; its own never counts as another's.
    expect(
      await neverCreatedByIdleBookings(db, [
        { bookingId: request.bookingId, paymentIntentId: 'pi_other', createdAt: later },
        { bookingId: request.bookingId, paymentIntentId: `pi_${request.bookingId}`, createdAt: later },
      ]),
    ).toEqual(new Set([`${request.bookingId}/pi_other`]));
  });

  it('does not send a create it could not record', async () => {
    const unreachable = createPool('postgres://nobody@127.0.0.1:1/nothing');
    let sent = false;
    const gateway = recordingCreations(
      unreachable,
      gatewayPlacing(() => {
        sent = true;
        return Promise.resolve(paymentIntent('pi_never', 'requires_capture'));
      }),
    );
    await expect(gateway.placeHoldPaymentIntent(placement())).rejects.toThrow();
    expect(sent).toBe(false);
    await unreachable.end();
  });
});

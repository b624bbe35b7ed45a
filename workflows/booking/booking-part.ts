/**
 * The base both parts of a booking (the card hold, the bank payment) share: workflow time as
 * instants, the part's status and reason, finishing it, and notifying the booking service about it.
 * Deterministic: `Date.now()` is workflow time.
 */
import { StepGuard } from '../common/step-guard.js';
import type { BookingContext, Lifecycle } from './booking-context.js';
import type { BookingNotification, NotificationType } from './contract.js';

/** An ISO instant as epoch milliseconds; null stays null. */
export const at = (iso: string | null): number | null => (iso ? new Date(iso).getTime() : null);

/** Whether an ISO deadline has been reached (never, when there is none). */
export const due = (iso: string | null): boolean => iso !== null && Date.now() >= at(iso)!;

/** The ISO instant `seconds` from now. */
export const inSeconds = (seconds: number): string => new Date(Date.now() + seconds * 1000).toISOString();

/** What every part keeps in the booking's state. */
export interface PartState<Status extends string> {
  status: Status;
  reason: string | null;
  attempt: number;
  paymentIntentId: string | null;
  done: boolean;
}

/** A part of the booking: its state in the booking's state, its outage guard, and the helpers its steps share. */
export abstract class BookingPart<Status extends string, State extends PartState<Status>> implements Lifecycle {
  protected readonly guard: StepGuard;

  protected constructor(
    protected readonly ctx: BookingContext,
    name: 'hold' | 'payment',
  ) {
    this.guard = new StepGuard(name, ctx.stepRetries(name));
  }

  /** The part's state, kept in the booking's state (and so carried over by continue-as-new). */
  protected abstract get part(): State;

  abstract ready(): boolean;
  abstract wakeAt(): { at: number; summary: string } | null;
  abstract step(): Promise<void>;
  abstract done(): boolean;
  abstract followedPaymentIntent(): string | null | undefined;
  abstract safeToContinueAsNew(): boolean;

  /** Sends the booking service a notification about the part's current attempt. */
  protected notify(type: NotificationType, data: BookingNotification['data'] = {}): void {
    this.ctx.notify(type, { attempt: this.part.attempt, paymentIntentId: this.part.paymentIntentId }, data);
  }

  /** Moves the part to `status` (keeping the reason unless one is given) and publishes the change. */
  protected setStatus(status: Status, reason: string | null = this.part.reason): void {
    this.part.status = status;
    this.part.reason = reason;
    this.ctx.touch();
  }

  /** Marks the part done: it will never touch Stripe again. Each part clears its own deadlines first. */
  protected finish(): void {
    this.clearWhenFinished();
    this.part.done = true;
    this.ctx.touch();
  }

  /** What the part forgets when it finishes (its deadlines, a followed unreleased hold). */
  protected abstract clearWhenFinished(): void;
}

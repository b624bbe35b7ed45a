/**
 * What the parts of a booking workflow share: its input and state (published, with its Stripe
 * writes and events, by the shared WorkflowContext), the Stripe events waiting to be applied, and
 * notifications to the booking service. Deterministic: workflow code only.
 */
import { log } from '@temporalio/workflow';
import { notifications } from '../common/activity-stubs.js';
import { WorkflowContext } from '../common/workflow-context.js';
import { describeBooking } from './booking-story.js';
import {
  type BookingInput,
  type BookingNotification,
  type BookingState,
  type NotificationType,
  type StepRetryState,
  type StripeEventSignal,
} from './contract.js';
import { BOOKING_PATCH_BASELINE, BOOKING_SEARCH_ATTRIBUTES_PATCH } from './booking-patches.js';
import { bookingSearchAttributes } from './search-attribute-sync.js';

/** A part of the booking (the hold, the payment) driven by the workflow's main loop. */
export interface Lifecycle {
  /** Whether it has something to do now. */
  ready(): boolean;
  /** When it next needs attention if nothing else happens, and what that deadline is. */
  wakeAt(): { at: number; summary: string } | null;
  /** Does what is due; may call activities. */
  step(): Promise<void>;
  /** Whether it will never touch Stripe again. */
  done(): boolean;
  /** The PaymentIntent it currently follows: null if none, undefined while it is being created. */
  followedPaymentIntent(): string | null | undefined;
  /** PaymentIntents besides the main one whose events the part still needs (a renewal waiting for the customer). */
  alsoFollowedPaymentIntents?(): string[];
  /** Whether it is between activities and may be carried over by continue-as-new. */
  safeToContinueAsNew(): boolean;
}

/** Shared state and services of one booking workflow run. */
export class BookingContext extends WorkflowContext<BookingState> {
  private readonly unsettledNotifications = new Map<string, BookingNotification>();
  private readonly pendingNotifications: Promise<void>[] = [];

  constructor(
    readonly input: BookingInput,
    state: BookingState,
  ) {
    super(
      state,
      {
        describe: describeBooking,
        searchAttributes: bookingSearchAttributes,
        searchAttributesPatch: BOOKING_SEARCH_ATTRIBUTES_PATCH,
      },
      input.carriedEvents ?? [],
      BOOKING_PATCH_BASELINE,
    );
    // Notifications still retrying when the previous run continued as new; ids make resending safe.
    for (const notification of input.carriedNotifications ?? []) this.sendNotification(notification);
  }

  /** Where a part's pending retry after an outage is kept: in the state, so continue-as-new carries it. */
  stepRetries(part: 'hold' | 'payment'): () => StepRetryState {
    return () => {
      const retries = (this.state.stepRetries ??= {});
      return (retries[part] ??= { retryAt: null, recheck: false });
    };
  }

  /** Whether an event about this PaymentIntent is waiting. */
  hasEventsFor(paymentIntentId: string | null): boolean {
    return paymentIntentId !== null && this.events.some((event) => event.paymentIntentId === paymentIntentId);
  }

  /** Whether an event whose object is `objectId` (e.g. a Financial Connections account) is waiting. */
  hasEventsAbout(objectId: string | null): boolean {
    return objectId !== null && this.events.some((event) => event.objectId === objectId);
  }

  /** Removes and returns the waiting events whose object is `objectId`, oldest first. */
  takeEventsAbout(objectId: string | null): StripeEventSignal[] {
    if (objectId === null) return [];
    const taken = this.events.filter((event) => event.objectId === objectId);
    this.removeEvents(taken);
    return taken;
  }

  /** Removes and returns the waiting events about this PaymentIntent, oldest first. */
  takeEventsFor(paymentIntentId: string | null): StripeEventSignal[] {
    if (paymentIntentId === null) return [];
    const taken = this.events.filter((event) => event.paymentIntentId === paymentIntentId);
    this.removeEvents(taken);
    return taken;
  }

  /**
   * Drops events about no PaymentIntent any part follows (stale attempts, unrelated objects),
   * unless a part is still creating its PaymentIntent and the event may turn out to be about it.
   */
  dropStaleEvents(parts: Lifecycle[]): void {
    const main = parts.map((part) => part.followedPaymentIntent());
    if (main.includes(undefined)) return;
    const followed = [...main, ...parts.flatMap((part) => part.alsoFollowedPaymentIntents?.() ?? [])];
    // Account events (balance refreshes) are about no PaymentIntent: kept only while a part waits on one.
    const aboutAccount = (event: StripeEventSignal) =>
      event.paymentIntentId === null && event.type.startsWith('financial_connections.');
    this.removeEvents(this.events.filter((event) => !followed.includes(event.paymentIntentId) || aboutAccount(event)));
  }

  /** Notifications not yet delivered (carried over by continue-as-new). */
  undeliveredNotifications(): BookingNotification[] {
    return [...this.unsettledNotifications.values()];
  }

  /** Sends a notification to the booking service without waiting for it. */
  notify(
    type: NotificationType,
    subject: { attempt: number; paymentIntentId: string | null },
    data: BookingNotification['data'] = {},
  ): void {
    this.state.notificationsCreated += 1;
    this.sendNotification({
      id: `${this.state.bookingId}:${String(this.state.notificationsCreated).padStart(4, '0')}:${type}`,
      bookingId: this.state.bookingId,
      type,
      occurredAt: new Date().toISOString(),
      data: { paymentIntentId: subject.paymentIntentId, attempt: subject.attempt, ...data },
    });
  }

  /** Resolves once every notification sent so far has been delivered or given up. */
  async notificationsSettled(): Promise<void> {
    await Promise.all(this.pendingNotifications);
  }

  private sendNotification(notification: BookingNotification): void {
    this.unsettledNotifications.set(notification.id, notification);
    this.pendingNotifications.push(
      notifications(`notify the booking service: ${notification.type}`)
        .notifyBookingService(notification)
        .then(
          () => {
            this.state.notificationsSent += 1;
            this.unsettledNotifications.delete(notification.id);
          },
          (error) => {
            // A notification that exhausted its retries must not fail the booking; it stays recorded.
            this.unsettledNotifications.delete(notification.id);
            log.warn('notification not delivered', { notificationId: notification.id, error: String(error) });
          },
        ),
    );
  }

  private removeEvents(events: StripeEventSignal[]): void {
    for (const event of events) {
      this.events.splice(this.events.indexOf(event), 1);
      this.state.processedEventCount += 1;
    }
  }
}

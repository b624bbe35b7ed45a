/**
 * Background webhook delivery: signs each event as Stripe does and POSTs it to the configured
 * endpoint, retrying with exponential backoff, under the active webhook faults (duplicates,
 * delay, reorder, pause). Never blocks the API response that produced the event.
 */
import type { EventSink } from '../event-recorder.js';
import type { FaultInjector } from '../faults.js';
import { newObjectId } from '../ids.js';
import type { EventObject } from '../objects/event.js';
import { stripeSignatureHeader } from './webhook-signature.js';

/** One POST of an event to the endpoint. */
export interface WebhookDeliveryAttempt {
  attempt: number;
  /** Real time of the attempt (ISO 8601); signatures use real time so receivers' tolerance checks pass. */
  at: string;
  status: number | null;
  error: string | null;
}

/** The journey of one copy of an event to the endpoint. */
export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  /** 0 for the original delivery, 1… for injected duplicates. */
  copy: number;
  redelivery: boolean;
  state: 'held' | 'pending' | 'delivered' | 'failed';
  attempts: WebhookDeliveryAttempt[];
}

/** Retry policy for failed deliveries. */
export interface WebhookRetryPolicy {
  /** Delay before the first retry; doubles on each further retry. */
  baseDelayMs: number;
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Longest delay between two attempts (the doubling stops there); unbounded when unset. */
  maxDelayMs?: number;
}

/** What the dispatcher needs. */
export interface WebhookDispatcherOptions {
  url?: string;
  secret: string;
  retry: WebhookRetryPolicy;
  timeoutMs: number;
  faults: FaultInjector;
  /** Called after an event's original delivery succeeded (to clear its `pending_webhooks`). */
  onDelivered?: (eventId: string) => void;
  /** Called after each attempt changed a delivery (to save the emulator's state). */
  onChange?: () => void;
  /** Reports delivery failures; receives no payloads or secrets. */
  log?: (line: string) => void;
}

interface QueuedDelivery {
  delivery: WebhookDelivery;
  event: EventObject;
}

/** Delivers events to one webhook endpoint. */
export class WebhookDispatcher implements EventSink {
  private readonly deliveries: WebhookDelivery[] = [];
  private batch: QueuedDelivery[] = [];
  private held: QueuedDelivery[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private sending: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private closed = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    options.faults.onWebhookFaultsChanged((faults) => {
      if (!faults.pause) this.flush();
    });
  }

  /** One endpoint when a URL is configured, none otherwise. */
  endpointCount(): number {
    return this.options.url ? 1 : 0;
  }

  /** Schedules delivery of `event`, with injected duplicates. */
  enqueue(event: EventObject): void {
    if (!this.options.url || this.closed) return;
    const copies = 1 + this.options.faults.webhooks().duplicates;
    for (let copy = 0; copy < copies; copy += 1) this.queue(event, copy, false);
  }

  /** Delivers `event` once more, as Stripe's "resend" does. */
  redeliver(event: EventObject): WebhookDelivery | undefined {
    if (!this.options.url || this.closed) return undefined;
    return this.queue(event, 0, true);
  }

  /** Releases held (paused) deliveries now. */
  flush(): number {
    const released = this.held;
    this.held = [];
    for (const item of released) {
      item.delivery.state = 'pending';
      this.batch.push(item);
    }
    if (released.length > 0) this.scheduleBatch();
    return released.length;
  }

  /** Discards held (paused) deliveries as if Stripe had given up on them: they end `failed`, never sent. */
  drop(): number {
    const dropped = this.held;
    this.held = [];
    for (const item of dropped) item.delivery.state = 'failed';
    if (dropped.length > 0) this.options.onChange?.();
    return dropped.length;
  }

  /** Every delivery so far, oldest first. */
  list(): WebhookDelivery[] {
    return structuredClone(this.deliveries);
  }

  /**
   * Takes back deliveries from a state file. Those not finished (pending, held, or waiting for a
   * retry when the last process stopped) are sent again, as the endpoint may never have seen them.
   */
  restore(deliveries: readonly WebhookDelivery[], findEvent: (eventId: string) => EventObject | undefined): void {
    for (const saved of deliveries) {
      const delivery = structuredClone(saved);
      this.deliveries.push(delivery);
      if (delivery.state === 'delivered' || delivery.state === 'failed') continue;
      const event = findEvent(delivery.eventId);
      // Without an endpoint (or the event) there is nothing to send it to.
      if (!event || !this.options.url) {
        delivery.state = 'failed';
        continue;
      }
      delivery.state = 'pending';
      this.batch.push({ delivery, event });
    }
    if (this.batch.length > 0) this.scheduleBatch();
  }

  /** Resolves once no delivery is pending or in flight (held ones excepted), or after `timeoutMs`. */
  async whenIdle(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.busy() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Forgets all deliveries and cancels scheduled ones. */
  reset(): void {
    this.cancelTimers();
    this.deliveries.length = 0;
    this.batch = [];
    this.held = [];
  }

  /** Stops delivering; waits briefly for attempts already on the wire. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimers();
    this.batch = [];
    this.held = [];
    await Promise.race([this.sending, new Promise((resolve) => setTimeout(resolve, 1000))]);
  }

  private busy(): boolean {
    return (
      this.inFlight > 0 ||
      this.batch.length > 0 ||
      this.retryTimers.size > 0 ||
      this.deliveries.some((delivery) => delivery.state === 'pending')
    );
  }

  private queue(event: EventObject, copy: number, redelivery: boolean): WebhookDelivery {
    const paused = this.options.faults.webhooks().pause;
    const delivery: WebhookDelivery = {
      id: newObjectId('whdel'),
      eventId: event.id,
      eventType: event.type,
      copy,
      redelivery,
      state: paused ? 'held' : 'pending',
      attempts: [],
    };
    this.deliveries.push(delivery);
    const item = { delivery, event };
    if (paused) {
      this.held.push(item);
    } else {
      this.batch.push(item);
      this.scheduleBatch();
    }
    return delivery;
  }

  private scheduleBatch(): void {
    if (this.batchTimer || this.closed) return;
    // Events of one API request are gathered into one batch, so `reorder` can reverse them.
    this.batchTimer = setTimeout(() => {
      this.batchTimer = undefined;
      this.sendBatch();
    }, this.options.faults.webhooks().delayMs);
  }

  private sendBatch(): void {
    const items = this.options.faults.webhooks().reorder ? [...this.batch].reverse() : this.batch;
    this.batch = [];
    for (const item of items) this.send(item);
  }

  private send(item: QueuedDelivery): void {
    this.inFlight += 1;
    this.sending = this.sending
      .then(() => this.attempt(item))
      .finally(() => {
        this.inFlight -= 1;
      });
  }

  private async attempt({ delivery, event }: QueuedDelivery): Promise<void> {
    if (this.closed || !this.options.url) return;
    const payload = JSON.stringify(event, null, 2);
    const signedAt = Math.floor(Date.now() / 1000);
    const attempt: WebhookDeliveryAttempt = {
      attempt: delivery.attempts.length + 1,
      at: new Date().toISOString(),
      status: null,
      error: null,
    };
    delivery.attempts.push(attempt);
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'Stripe-Signature': stripeSignatureHeader(payload, this.options.secret, signedAt),
        },
        body: payload,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      attempt.status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      attempt.error = error instanceof Error ? `${error.name}: ${error.message}` : 'delivery failed';
    }
    this.settle(delivery, event, attempt);
    this.options.onChange?.();
  }

  /** Marks the delivery delivered or failed after `attempt`, or schedules its retry. */
  private settle(delivery: WebhookDelivery, event: EventObject, attempt: WebhookDeliveryAttempt): void {
    if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) {
      delivery.state = 'delivered';
      if (delivery.copy === 0 && !delivery.redelivery) this.options.onDelivered?.(event.id);
      return;
    }
    this.options.log?.(
      `webhook ${event.type} ${event.id} attempt ${attempt.attempt} failed (${attempt.status ?? attempt.error})`,
    );
    if (this.closed) return; // stays pending, so a state file carries it to the next process
    if (delivery.attempts.length >= this.options.retry.maxAttempts) {
      delivery.state = 'failed';
      return;
    }
    const delay = Math.min(
      this.options.retry.baseDelayMs * 2 ** (delivery.attempts.length - 1),
      this.options.retry.maxDelayMs ?? Infinity,
    );
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.send({ delivery, event });
    }, delay);
    this.retryTimers.add(timer);
  }

  private cancelTimers(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }
}

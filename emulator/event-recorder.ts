/** Records an Event for each state change and hands it to webhook delivery. */
import type { EmulatorClock } from './clock.js';
import { buildEvent, type EventObject, type EventOrigin, type EventType } from './objects/event.js';
import type { EmulatorStore } from './store.js';

/** Creates and stores events. */
export interface EventRecorder {
  /** Stores an event about `object` (snapshotted now) and schedules its webhook deliveries. */
  record(
    type: EventType,
    object: unknown,
    origin: EventOrigin,
    previousAttributes?: Record<string, unknown>,
  ): EventObject;
}

/** Where new events go after they are stored. */
export interface EventSink {
  /** How many webhook endpoints will receive the event (its `pending_webhooks`). */
  endpointCount(): number;
  /** Schedules delivery of a stored event. */
  enqueue(event: EventObject): void;
}

/** An event recorder writing to `store` and notifying `sink`. */
export function createEventRecorder(store: EmulatorStore, clock: EmulatorClock, sink: EventSink): EventRecorder {
  return {
    record(type, object, origin, previousAttributes) {
      const event = buildEvent(type, object, origin, clock.nowSeconds(), sink.endpointCount(), previousAttributes);
      store.events.push(event);
      store.eventsById.set(event.id, event);
      sink.enqueue(event);
      return event;
    },
  };
}

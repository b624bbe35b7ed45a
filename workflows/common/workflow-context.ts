/**
 * What every workflow that follows Stripe objects shares (the booking, the payment-method setup):
 * its state, published to ops on each change, its Stripe writes, and the Stripe events it received,
 * each applied once. Deterministic: workflow code only.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails } from '@temporalio/workflow';
import { MAX_REMEMBERED_EVENT_IDS, type StripeEventSignal, type StripeWriteLedger } from '../booking/contract.js';
import { upsertChangedSearchAttributes } from '../booking/search-attribute-sync.js';
import { Patches, type PatchBaseline } from './patches.js';
import { StripeWrites } from './stripe-write.js';

/** What the shared context needs of a workflow's state. */
export interface ContextState {
  /** Ids of the Stripe events already received, oldest first (at most MAX_REMEMBERED_EVENT_IDS). */
  seenEventIds: string[];
  stripeWrites?: StripeWriteLedger;
  updatedAt: string;
}

/** How a workflow shows where it stands: its current details in the Web UI, and its search attributes. */
export interface Presentation<State> {
  describe(state: State): string;
  searchAttributes(state: State): SearchAttributeUpdatePair[];
  /** The patch behind which the workflow upserts its search attributes. */
  searchAttributesPatch: string;
}

/** Shared state and services of one workflow run. */
export class WorkflowContext<State extends ContextState> {
  /** The run's patch checks (`patches.has(id)` rather than `patched(id)`), with the workflow's baseline if it has one. */
  readonly patches: Patches;
  /** Every Stripe write of the workflow, resolved by reading Stripe when its outcome is unknown. */
  readonly writes: StripeWrites;
  /** Events received and not yet applied, oldest first. */
  protected readonly events: StripeEventSignal[];
  private readonly seenEventIds: Set<string>;

  constructor(
    readonly state: State,
    private readonly presentation: Presentation<State>,
    carriedEvents: StripeEventSignal[] = [],
    patchBaseline?: PatchBaseline,
  ) {
    // First, so that the baseline's marker is the run's first patch.
    this.patches = new Patches(patchBaseline);
    this.writes = new StripeWrites(
      () => (this.state.stripeWrites ??= {}),
      (patchId) => this.patches.has(patchId),
    );
    this.seenEventIds = new Set(state.seenEventIds);
    this.events = [...carriedEvents];
  }

  /** Marks the state as changed now and tells ops: current details and search attributes. */
  touch(): void {
    this.state.updatedAt = new Date().toISOString();
    this.publish();
  }

  /**
   * Shows where the workflow stands: its current details in the Web UI, and its search attributes
   * (only those that changed, one upsert command).
   */
  publish(): void {
    setCurrentDetails(this.presentation.describe(this.state));
    upsertChangedSearchAttributes(this.presentation.searchAttributes(this.state), () =>
      this.patches.has(this.presentation.searchAttributesPatch),
    );
  }

  /** Queues a Stripe event unless its id was already seen; returns whether it was new. */
  receiveEvent(event: StripeEventSignal): boolean {
    if (this.seenEventIds.has(event.eventId)) return false;
    this.seenEventIds.add(event.eventId);
    this.state.seenEventIds.push(event.eventId);
    if (this.state.seenEventIds.length > MAX_REMEMBERED_EVENT_IDS) {
      this.seenEventIds.delete(this.state.seenEventIds.shift()!);
    }
    this.events.push(event);
    return true;
  }

  /** Events received and not yet applied (carried over by continue-as-new). */
  waitingEvents(): StripeEventSignal[] {
    return [...this.events];
  }
}

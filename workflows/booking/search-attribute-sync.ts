/**
 * Keeps a workflow's search attributes equal to its state, so `temporal workflow list --query`
 * finds bookings and setups by what they are doing now. Deterministic: workflow code only.
 */
import type { SearchAttributePair, SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { BookingState } from './contract.js';
import {
  BookingIdAttribute,
  CustomerIdAttribute,
  HoldNextAuthorizationAtAttribute,
  HoldReleaseAtAttribute,
  HoldStatusAttribute,
  PaymentStatusAttribute,
  SetupStatusAttribute,
} from '../common/search-attributes.js';
import type { PaymentMethodSetupState } from '../setup/contract.js';

/** Patch: setups upsert their search attributes; older histories never did. */
export const SETUP_SEARCH_ATTRIBUTES_PATCH = 'setup-search-attributes';

/**
 * A booking's search attributes: its ids, the hold's status, the payment's status (absent for a
 * hold-only booking), and the release time while the hold is held.
 */
export function bookingSearchAttributes(state: BookingState): SearchAttributeUpdatePair[] {
  const releasePending = state.hold.status === 'held' && !state.hold.done && state.hold.releaseAt !== null;
  return [
    { key: BookingIdAttribute, value: state.bookingId },
    { key: CustomerIdAttribute, value: state.customerId },
    { key: HoldStatusAttribute, value: state.hold.status },
    { key: PaymentStatusAttribute, value: state.payment?.status ?? null },
    { key: HoldReleaseAtAttribute, value: releasePending ? new Date(state.hold.releaseAt!) : null },
    // Only bookings with a plan have a next authorization; for the others the attribute stays absent.
    ...(state.hold.plan !== undefined
      ? [{ key: HoldNextAuthorizationAtAttribute, value: nextAuthorizationAt(state) }]
      : []),
  ];
}

/** When the plan places the next authorization, while the hold is alive and one is planned. */
function nextAuthorizationAt(state: BookingState): Date | null {
  const { hold } = state;
  const planned = !hold.done && (hold.status === 'held' || hold.status === 'scheduled');
  return planned && hold.nextAuthorizationAt ? new Date(hold.nextAuthorizationAt) : null;
}

/** A payment-method setup's search attributes: its customer and its SetupIntent's status. */
export function setupSearchAttributes(state: PaymentMethodSetupState): SearchAttributeUpdatePair[] {
  return [
    { key: CustomerIdAttribute, value: state.customerId },
    { key: SetupStatusAttribute, value: state.status },
  ];
}

/** The attributes a workflow is started with: those that have a value (the API passes its initial state's). */
export function startSearchAttributes(pairs: SearchAttributeUpdatePair[]): SearchAttributePair[] {
  return pairs.filter((pair): pair is SearchAttributePair => pair.value !== null && pair.value !== undefined);
}

/**
 * Upserts, in one command, the attributes whose value differs from the workflow's current one
 * (a null value removes the attribute); nothing when none changed or the patch is off (`patchedOn`
 * is asked only when one changed, as older histories recorded it).
 */
export function upsertChangedSearchAttributes(wanted: SearchAttributeUpdatePair[], patchedOn: () => boolean): void {
  const current = workflowInfo().typedSearchAttributes;
  const changed = wanted.filter((pair) => !sameValue(current.get(pair.key), pair.value));
  if (changed.length > 0 && patchedOn()) upsertSearchAttributes(changed);
}

function sameValue(current: unknown, wanted: unknown): boolean {
  if (current instanceof Date && wanted instanceof Date) return current.getTime() === wanted.getTime();
  return (current ?? null) === (wanted ?? null);
}

/** How long ACH steps take on the emulator clock, and the business-day arithmetic behind the defaults. */
import type { MicrodepositType } from '../objects/payment-intent.js';

const DAY_SECONDS = 24 * 3600;

/** Delays of bank debits; every `…Seconds` left undefined follows Stripe's business-day timing. */
export interface AchTimings {
  /** From `processing` to settlement; default 4 business days. */
  settlementSeconds?: number;
  /** How long after entering `processing` a debit can still be canceled; default 1 hour, never past settlement. */
  cancelWindowSeconds: number;
  /** From a disputed account's settlement to its dispute; default 1 day. */
  disputeDelaySeconds: number;
  /** From a bank refund's creation to its arrival with a bank reference; default 1 business day. */
  refundSeconds?: number;
  /** What the customer reads from the microdeposits; Stripe's default is a descriptor code. */
  microdepositType: MicrodepositType;
  /** From a Financial Connections balance refresh to its completion; default 30 seconds. */
  balanceRefreshSeconds: number;
}

/** Stripe-like timings. */
export const DEFAULT_ACH_TIMINGS: AchTimings = {
  cancelWindowSeconds: 3600,
  disputeDelaySeconds: DAY_SECONDS,
  microdepositType: 'descriptor_code',
  balanceRefreshSeconds: 30,
};

/** Verification by microdeposits expires 10 days after they are sent. */
export const MICRODEPOSIT_VERIFICATION_SECONDS = 10 * DAY_SECONDS;
/** Attempts allowed per kind of microdeposit proof. */
export const MICRODEPOSIT_ATTEMPT_LIMITS = { amounts: 3, descriptor_code: 10 } as const;
/** A target date must be 3 to 15 days ahead. */
export const TARGET_DATE_RANGE_DAYS = { min: 3, max: 15 } as const;
/** A debit with a target date can be canceled until 3 business days before it. */
export const TARGET_DATE_CANCEL_BUSINESS_DAYS = 3;

function isWeekend(seconds: number): boolean {
  const day = new Date(seconds * 1000).getUTCDay();
  return day === 0 || day === 6;
}

/** `from` moved forward by `days` business days (Monday to Friday, UTC). */
export function addBusinessDays(from: number, days: number): number {
  let moment = from;
  let remaining = days;
  while (remaining > 0) {
    moment += DAY_SECONDS;
    if (!isWeekend(moment)) remaining -= 1;
  }
  return moment;
}

/** `from` moved back by `days` business days. */
export function subtractBusinessDays(from: number, days: number): number {
  let moment = from;
  let remaining = days;
  while (remaining > 0) {
    moment -= DAY_SECONDS;
    if (!isWeekend(moment)) remaining -= 1;
  }
  return moment;
}

/** The start (00:00 UTC) of the first business day on or after `seconds`. */
export function onBusinessDay(seconds: number): number {
  let moment = seconds;
  while (isWeekend(moment)) moment += DAY_SECONDS;
  return moment;
}

/** 00:00 UTC of a `YYYY-MM-DD` date, or undefined if it is not one. */
export function parseIsoDate(date: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return undefined;
  return ms / 1000;
}

/** 00:00 UTC of the day containing `seconds`. */
export function startOfDay(seconds: number): number {
  return Math.floor(seconds / DAY_SECONDS) * DAY_SECONDS;
}

/** When a debit entering `processing` at `since` settles. */
export function settlementTime(timings: AchTimings, since: number): number {
  return timings.settlementSeconds !== undefined ? since + timings.settlementSeconds : addBusinessDays(since, 4);
}

/** When a bank refund created at `since` reaches the customer's bank. */
export function refundArrivalTime(timings: AchTimings, since: number): number {
  return timings.refundSeconds !== undefined ? since + timings.refundSeconds : addBusinessDays(since, 1);
}

/** Reads the bank parameters of PaymentIntent and SetupIntent requests: mandate acceptance, `us_bank_account` options, microdeposit proofs. */
import { TARGET_DATE_RANGE_DAYS, parseIsoDate, startOfDay } from '../bank-debits/ach-timings.js';
import type { FormValue } from '../form-body.js';
import type { CustomerAcceptance } from '../objects/mandate.js';
import { BANK_VERIFICATION_METHODS, type UsBankAccountPaymentOptions } from '../objects/payment-intent.js';
import type { RequestParams } from '../request-params.js';
import type { MicrodepositProof } from '../bank-debits/verify-microdeposits.js';
import { StripeApiError, parameterInvalid, parameterMissing } from '../stripe-errors.js';

/** A nested form hash (`a[b]=…`). */
export type FormHash = { [key: string]: FormValue };

/** The nested hash at `path`, or undefined when absent; a plain value is Stripe's `parameter_invalid_object`. */
export function hashAt(value: FormValue | undefined, path: string): FormHash | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw parameterInvalid(path, 'Invalid object', 'parameter_invalid_object');
  return value;
}

/** The string at `key` of a nested hash, or undefined when absent. */
export function stringAt(hash: FormHash | undefined, key: string, path: string): string | undefined {
  const value = hash?.[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw parameterInvalid(path, `Invalid string: ${path} must be a string`);
  return value;
}

/** `mandate_data[customer_acceptance]`, with Stripe's checks (online acceptance needs IP and user agent). */
export function readMandateAcceptance(params: RequestParams, now: number): CustomerAcceptance | undefined {
  const mandateData = hashAt(params.raw('mandate_data'), 'mandate_data');
  if (!mandateData) return undefined;
  const base = 'mandate_data[customer_acceptance]';
  const acceptance = hashAt(mandateData.customer_acceptance, base);
  if (!acceptance) throw parameterMissing(base);
  const type = stringAt(acceptance, 'type', `${base}[type]`);
  if (type === undefined) throw parameterMissing(`${base}[type]`);
  if (type !== 'online' && type !== 'offline') {
    throw parameterInvalid(`${base}[type]`, `Invalid ${base}[type]: must be one of online, offline`);
  }
  const acceptedAtText = stringAt(acceptance, 'accepted_at', `${base}[accepted_at]`);
  if (acceptedAtText !== undefined && !/^\d+$/.test(acceptedAtText)) {
    throw parameterInvalid(`${base}[accepted_at]`, `Invalid integer: ${acceptedAtText}`, 'parameter_invalid_integer');
  }
  const acceptedAt = acceptedAtText === undefined ? now : Number(acceptedAtText);
  if (type === 'offline') return { accepted_at: acceptedAt, type, offline: {} };
  const online = hashAt(acceptance.online, `${base}[online]`);
  if (!online) throw parameterMissing(`${base}[online]`);
  const ipAddress = stringAt(online, 'ip_address', `${base}[online][ip_address]`);
  if (!ipAddress) throw parameterMissing(`${base}[online][ip_address]`);
  const userAgent = stringAt(online, 'user_agent', `${base}[online][user_agent]`);
  if (!userAgent) throw parameterMissing(`${base}[online][user_agent]`);
  return { accepted_at: acceptedAt, type, online: { ip_address: ipAddress, user_agent: userAgent } };
}

/** Whole days from the emulator's today (UTC) to `date`. */
function daysAhead(date: number, now: number): number {
  return Math.round((date - startOfDay(now)) / 86_400);
}

/**
 * `payment_method_options[us_bank_account]` merged over `current`: verification method and a
 * target date 3 to 15 days ahead of the emulator's today.
 */
export function readUsBankAccountOptions(
  params: RequestParams,
  now: number,
  current?: UsBankAccountPaymentOptions,
): UsBankAccountPaymentOptions {
  const base = 'payment_method_options[us_bank_account]';
  const options = hashAt(hashAt(params.raw('payment_method_options'), 'payment_method_options')?.us_bank_account, base);
  const merged: UsBankAccountPaymentOptions = current
    ? structuredClone(current)
    : {
        financial_connections: { permissions: ['payment_method'], prefetch: [] },
        mandate_options: {},
        verification_method: 'automatic',
      };
  const method = stringAt(options, 'verification_method', `${base}[verification_method]`);
  if (method !== undefined) {
    if (!(BANK_VERIFICATION_METHODS as readonly string[]).includes(method)) {
      throw parameterInvalid(
        `${base}[verification_method]`,
        `Invalid ${base}[verification_method]: must be one of ${BANK_VERIFICATION_METHODS.join(', ')}`,
      );
    }
    merged.verification_method = method as UsBankAccountPaymentOptions['verification_method'];
  }
  const targetDate = stringAt(options, 'target_date', `${base}[target_date]`);
  if (targetDate !== undefined) {
    const date = parseIsoDate(targetDate);
    if (date === undefined) {
      throw parameterInvalid(
        `${base}[target_date]`,
        `Invalid date: ${targetDate}. The target_date must be a date in the format YYYY-MM-DD.`,
      );
    }
    const ahead = daysAhead(date, now);
    if (ahead < TARGET_DATE_RANGE_DAYS.min || ahead > TARGET_DATE_RANGE_DAYS.max) {
      throw parameterInvalid(
        `${base}[target_date]`,
        `The target_date must be at least ${TARGET_DATE_RANGE_DAYS.min} days and no more than ${TARGET_DATE_RANGE_DAYS.max} days in the future.`,
      );
    }
    merged.target_date = targetDate;
  }
  return merged;
}

/** `amounts[]` (two integers, cents) or `descriptor_code` (`SM` and four characters), not both. */
export function readMicrodepositProof(params: RequestParams): MicrodepositProof {
  const amounts = params.optionalStringList('amounts');
  const descriptorCode = params.optionalString('descriptor_code');
  if (amounts && descriptorCode) {
    throw parameterInvalid(
      'descriptor_code',
      'You may only specify one of these parameters: amounts, descriptor_code.',
    );
  }
  if (descriptorCode !== undefined) {
    if (!/^SM[A-Z0-9]{4}$/i.test(descriptorCode)) {
      throw parameterInvalid('descriptor_code', 'Invalid descriptor_code: it must be 6 characters starting with SM.');
    }
    return { kind: 'descriptor_code', descriptorCode };
  }
  if (!amounts) throw parameterMissing('amounts');
  if (amounts.length !== 2 || amounts.some((amount) => !/^\d+$/.test(amount))) {
    throw new StripeApiError(
      400,
      {
        type: 'invalid_request_error',
        code: 'payment_method_microdeposit_verification_amounts_invalid',
        message: 'Please provide exactly two amounts, in cents, to verify the bank account.',
        param: 'amounts',
      },
      false,
    );
  }
  return { kind: 'amounts', amounts: amounts.map(Number) };
}

/** Stripe's form encoding (`metadata[booking_id]=x`, `expand[0]=latest_charge`) parsed with qs. */
import qs from 'qs';

/** A parsed form or query string: nested objects, arrays and string leaves. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
/** The top-level parameters of a request. */
export type FormFields = Record<string, FormValue>;

/** Parses an `application/x-www-form-urlencoded` body or query string the way Stripe reads it. */
export function parseStripeForm(encoded: string): FormFields {
  return qs.parse(encoded, { depth: 10, arrayLimit: 100, parameterLimit: 2000, allowDots: false }) as FormFields;
}

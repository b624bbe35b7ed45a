/**
 * Typed search attributes the workflows keep up to date, so ops can find bookings with
 * `temporal workflow list --query` and the Web UI's filters. Registered on the dev server by
 * `npm start` and `npm test`; on a cluster with `temporal operator search-attribute create`
 * (docs/OPERATIONS.md). Every name is written here once.
 */
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';

/** The booking service's booking id. */
export const BookingIdAttribute = defineSearchAttributeKey('BookingId', SearchAttributeType.KEYWORD);
/** The booking service's customer id (bookings and payment-method setups). */
export const CustomerIdAttribute = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
/** The hold's status (`held`, `released`, …). */
export const HoldStatusAttribute = defineSearchAttributeKey('HoldStatus', SearchAttributeType.KEYWORD);
/** The bank payment's status (`processing`, `disputed`, …); absent for a hold-only booking. */
export const PaymentStatusAttribute = defineSearchAttributeKey('PaymentStatus', SearchAttributeType.KEYWORD);
/** When the hold will be released; absent until it is held, removed once it is done. */
export const HoldReleaseAtAttribute = defineSearchAttributeKey('HoldReleaseAt', SearchAttributeType.DATETIME);
/** When the hold plan places the next authorization (a renewal, a deferred hold); absent when none is planned. */
export const HoldNextAuthorizationAtAttribute = defineSearchAttributeKey(
  'HoldNextAuthorizationAt',
  SearchAttributeType.DATETIME,
);
/** A payment-method setup's status (the SetupIntent's). */
export const SetupStatusAttribute = defineSearchAttributeKey('SetupStatus', SearchAttributeType.KEYWORD);

/** Every search attribute the product uses, for registration. */
export const SEARCH_ATTRIBUTES = [
  BookingIdAttribute,
  CustomerIdAttribute,
  HoldStatusAttribute,
  PaymentStatusAttribute,
  HoldReleaseAtAttribute,
  SetupStatusAttribute,
  HoldNextAuthorizationAtAttribute,
] as const;

/**
 * Every attribute as `name → type` in the spelling the CLI takes (`Keyword`, `Datetime`), for
 * `temporal server start-dev --search-attribute Name=Type` and `temporal operator search-attribute create`.
 */
export const SEARCH_ATTRIBUTE_CLI_TYPES: Readonly<Record<string, string>> = Object.fromEntries(
  SEARCH_ATTRIBUTES.map((key) => [key.name, TypedSearchAttributes.toMetadataType(key.type)]),
);

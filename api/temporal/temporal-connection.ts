/**
 * The API's Temporal connection. The SDK retries an unreachable cluster for up to ten attempts (about
 * 15 s, past the API's own deadline), so a booking service timed out before learning "refused"; here an
 * unreachable cluster is retried for about a second and the request is refused with 503.
 */
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type ConnectionOptions } from '@temporalio/client';
import type { TemporalConfig } from '../../config/env.js';
import { temporalConnectionOptions } from '../../config/temporal-connection.js';

/** gRPC status UNAVAILABLE; @grpc/grpc-js is not a direct dependency. */
const UNAVAILABLE = 14;
/** Attempts at a call while the cluster is unreachable: backoffs of about 170, 290 and 490 ms between them. */
const ATTEMPTS_WHILE_UNAVAILABLE = 4;

const sdkRetry = defaultGrpcRetryOptions();

/** The SDK's retries, with fewer attempts while the cluster cannot be reached (a blip still passes). */
export const apiGrpcRetryInterceptor = makeGrpcRetryInterceptor({
  delayFunction: sdkRetry.delayFunction,
  retryableDecider: (attempt, status) =>
    sdkRetry.retryableDecider(attempt, status) &&
    (Number(status.code) !== UNAVAILABLE || attempt < ATTEMPTS_WHILE_UNAVAILABLE),
});

/** Connection options of the API's Temporal client: the configured cluster, refused fast while it is unreachable. */
export function apiTemporalConnectionOptions(config: TemporalConfig): ConnectionOptions {
  return { ...temporalConnectionOptions(config), interceptors: [apiGrpcRetryInterceptor] };
}

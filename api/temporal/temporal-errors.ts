/** Recognises Temporal client failures that mean "the cluster cannot be reached right now". */
import { isGrpcServiceError } from '@temporalio/client';

/** gRPC status codes UNAVAILABLE (14) and DEADLINE_EXCEEDED (4); @grpc/grpc-js is not a direct dependency. */
const UNREACHABLE_CODES: ReadonlySet<number> = new Set([14, 4]);

/** True when `error`, or any error in its `cause` chain, is a gRPC UNAVAILABLE or DEADLINE_EXCEEDED. */
export function isTemporalUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 10; depth += 1) {
    if (isGrpcServiceError(current) && UNREACHABLE_CODES.has(current.code)) return true;
    current = current.cause;
  }
  return false;
}

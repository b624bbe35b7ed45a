/** The OpenAPI parts every setup operation shares: the setup answer, the common errors. */
import { commonBodyErrors, errorResponseSpec, unavailableResponseSpec } from '../http/schemas.js';
import { SetupViewSchema } from './schemas.js';

/** OpenAPI response entry for an answer carrying the setup. */
export function setupResponse(description: string) {
  return { description, content: { 'application/json': { schema: SetupViewSchema } } };
}

/** The errors any setup operation may answer. */
export const commonSetupErrors = {
  ...commonBodyErrors,
  503: unavailableResponseSpec('Temporal or Stripe unreachable (`temporal_unavailable`, `stripe_unavailable`)'),
  504: errorResponseSpec('The setup did not answer in time (`temporal_timeout`); repeat the request'),
};

/** The answer for a setup that does not exist, or not for this customer. */
export const unknownSetupResponse = errorResponseSpec('No such setup for this customer (`setup_not_found`)');

/** `/v1/financial_connections/accounts`: retrieve a linked account and refresh its balance. */
import { Hono } from 'hono';
import { startBalanceRefresh } from '../bank-debits/balance-refresh.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { StripeApiError, parameterInvalid, parameterMissing, resourceMissing } from '../stripe-errors.js';
import { stripeJson } from './stripe-json.js';

/** Routes for Financial Connections Account objects. */
export function financialConnectionsRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  const routes = new Hono<StripeApiEnv>();
  const load = (id: string) => {
    const account = runtime.store.financialConnectionsAccounts.get(id);
    if (!account) throw resourceMissing('financial_connections.account', id, 'account');
    return account;
  };

  routes.get('/accounts/:id', (c) => stripeJson(c, load(c.req.param('id'))));

  routes.post('/accounts/:id/refresh', (c) => {
    const params = c.get('params').rejectUnknown(['expand', 'features']);
    const account = load(c.req.param('id'));
    const features = params.optionalStringList('features');
    if (!features || features.length === 0) throw parameterMissing('features');
    for (const feature of features) {
      if (!['balance', 'ownership', 'transactions'].includes(feature)) {
        throw parameterInvalid('features', `Invalid features[]: must be one of balance, ownership, transactions`);
      }
    }
    if (features.includes('balance')) {
      if (!account.permissions.includes('balances')) {
        throw new StripeApiError(
          400,
          {
            type: 'invalid_request_error',
            message: `The balances permission is required to refresh the balance of ${account.id}; link the account again requesting it.`,
            param: 'features',
          },
          true,
        );
      }
      // Asynchronous, as Stripe: pending now, the balance and the event later (balance-refresh.ts).
      startBalanceRefresh(runtime, account);
    }
    return stripeJson(c, account);
  });

  return routes;
}

/** The emulator process reads its environment once and names the bad variable. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../config/env.js';
import { loadEmulatorConfig } from '../../../emulator/config.js';

describe('emulator configuration', () => {
  it('defaults the port to 12111 and needs only the webhook secret', () => {
    const config = loadEmulatorConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_x' });
    expect(config).toMatchObject({ STRIPE_EMULATOR_PORT: 12111, STRIPE_WEBHOOK_SECRET: 'whsec_x' });
    expect(config.STRIPE_EMULATOR_WEBHOOK_URL).toBeUndefined();
  });

  it('fails naming STRIPE_WEBHOOK_SECRET when it is missing', () => {
    expect(() => loadEmulatorConfig({})).toThrow(ConfigError);
    expect(() => loadEmulatorConfig({})).toThrow(/STRIPE_WEBHOOK_SECRET/);
  });

  it('fails naming a malformed webhook URL or port', () => {
    expect(() =>
      loadEmulatorConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_EMULATOR_WEBHOOK_URL: 'not a url' }),
    ).toThrow(/STRIPE_EMULATOR_WEBHOOK_URL/);
    expect(() => loadEmulatorConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_EMULATOR_PORT: 'abc' })).toThrow(
      /STRIPE_EMULATOR_PORT/,
    );
  });

  it('reads the ACH timings and refuses a bad microdeposit type', () => {
    const config = loadEmulatorConfig({
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      STRIPE_EMULATOR_ACH_SETTLEMENT_SECONDS: '90',
      STRIPE_EMULATOR_ACH_MICRODEPOSIT_TYPE: 'amounts',
    });
    expect(config).toMatchObject({
      STRIPE_EMULATOR_ACH_SETTLEMENT_SECONDS: 90,
      STRIPE_EMULATOR_ACH_MICRODEPOSIT_TYPE: 'amounts',
    });
    expect(() =>
      loadEmulatorConfig({ STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_EMULATOR_ACH_MICRODEPOSIT_TYPE: 'cheque' }),
    ).toThrow(/STRIPE_EMULATOR_ACH_MICRODEPOSIT_TYPE/);
  });
});

/**
 * Validation of JSON bodies against Stripe's published OpenAPI spec (the one stripe-mock embeds).
 * The spec path comes from STRIPE_OPENAPI_SPEC, else the Go module cache; a missing spec fails.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const GO_MODULE_SPEC = path.join(
  homedir(),
  'go/pkg/mod/github.com/stripe/stripe-mock@v0.197.0/embedded/openapi/spec3.json',
);

/** Where the spec is: STRIPE_OPENAPI_SPEC, else stripe-mock's copy in the Go module cache. */
export function stripeOpenApiSpecPath(): string {
  const candidates = [
    process.env.STRIPE_OPENAPI_SPEC,
    GO_MODULE_SPEC,
    '/root/go/pkg/mod/github.com/stripe/stripe-mock@v0.197.0/embedded/openapi/spec3.json',
  ];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  throw new Error(
    `Stripe's OpenAPI spec was not found (STRIPE_OPENAPI_SPEC=${process.env.STRIPE_OPENAPI_SPEC ?? '(unset)'}, ${GO_MODULE_SPEC}); ` +
      'run `bash dev/provision.sh` or `go install github.com/stripe/stripe-mock@v0.197.0`',
  );
}

/**
 * OpenAPI 3.0's `nullable: true` admits null, but Ajv refuses it without a `type` (next to
 * `anyOf`) and still applies `enum` to null; such nodes get an explicit null alternative.
 */
function withExplicitNulls(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withExplicitNulls);
  if (!node || typeof node !== 'object') return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) copy[key] = withExplicitNulls(value);
  if (copy.nullable === true && Array.isArray(copy.enum) && !copy.enum.includes(null)) {
    copy.enum = [...copy.enum, null];
  }
  if (copy.nullable === true && copy.type === undefined) {
    delete copy.nullable;
    return { anyOf: [copy, { type: 'null' }] };
  }
  return copy;
}

/** Validators for `#/components/schemas/<name>` of Stripe's spec. */
export interface StripeSchemas {
  /** The spec's `info.version` (its API version). */
  specVersion: string;
  /**
   * Human-readable validation errors of `body` against schema `name` (a component name such as
   * `payment_intent`, or a JSON pointer into the spec starting with `#/`); empty when valid.
   */
  errorsFor(name: string, body: unknown): string[];
}

let loaded: StripeSchemas | undefined;

/** Loads the spec once per test file and registers it whole with Ajv. */
export function loadStripeSchemas(): StripeSchemas {
  if (loaded) return loaded;
  const spec = JSON.parse(readFileSync(stripeOpenApiSpecPath(), 'utf8')) as { info: { version: string } };
  const ajv = new Ajv({ strict: false, allErrors: true });
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addFormat('unix-time', { type: 'number', validate: (value: number) => Number.isInteger(value) && value >= 0 });
  ajv.addFormat('currency', /^[a-z]{3}$/);
  ajv.addFormat('decimal', /^-?\d+(\.\d+)?$/);
  ajv.addSchema(withExplicitNulls(spec) as object, 'stripe');
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (name: string): ValidateFunction => {
    let validate = validators.get(name);
    if (!validate) {
      validate = ajv.getSchema(name.startsWith('#/') ? `stripe${name}` : `stripe#/components/schemas/${name}`);
      if (!validate) throw new Error(`Stripe's spec has no schema ${name}`);
      validators.set(name, validate);
    }
    return validate;
  };
  loaded = {
    specVersion: spec.info.version,
    errorsFor(name, body) {
      const validate = validatorFor(name);
      if (validate(body)) return [];
      return (validate.errors ?? []).map(
        (error) => `${name}${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
      );
    },
  };
  return loaded;
}

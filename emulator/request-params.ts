/** Typed, Stripe-validated reads of a request's form parameters. */
import type { FormFields, FormValue } from './form-body.js';
import { parameterInvalid, parameterMissing, parameterUnknown } from './stripe-errors.js';

/** Stripe's metadata: string keys and values. */
export type Metadata = Record<string, string>;

const METADATA_MAX_KEYS = 50;
const METADATA_KEY_MAX_LENGTH = 40;
const METADATA_VALUE_MAX_LENGTH = 500;

/** A request's parameters with readers that raise Stripe's 400 errors for bad input. */
export class RequestParams {
  constructor(readonly fields: FormFields) {}

  /** Rejects any top-level parameter not in `known`, as Stripe does (`parameter_unknown`). */
  rejectUnknown(known: readonly string[]): this {
    for (const name of Object.keys(this.fields)) {
      if (!known.includes(name)) throw parameterUnknown(name);
    }
    return this;
  }

  /** Whether the parameter was sent. */
  has(name: string): boolean {
    return this.fields[name] !== undefined;
  }

  /** An optional string parameter; an empty string counts as absent. */
  optionalString(name: string): string | undefined {
    const value = this.fields[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw parameterInvalid(name, `Invalid string: ${name} must be a string`);
    return value;
  }

  /** A required string parameter. */
  requiredString(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined) throw parameterMissing(name);
    return value;
  }

  /** An optional integer parameter. */
  optionalInteger(name: string): number | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw parameterInvalid(name, `Invalid integer: ${value}`, 'parameter_invalid_integer');
    return Number(value);
  }

  /** A required integer parameter. */
  requiredInteger(name: string): number {
    const value = this.optionalInteger(name);
    if (value === undefined) throw parameterMissing(name);
    return value;
  }

  /** An optional boolean parameter (`true` / `false`). */
  optionalBoolean(name: string): boolean | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw parameterInvalid(name, `Invalid boolean: ${value}`, 'parameter_invalid_boolean');
  }

  /** An optional parameter restricted to `allowed` values. */
  optionalEnum<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw parameterInvalid(name, `Invalid ${name}: must be one of ${allowed.join(', ')}`, 'parameter_invalid_string');
    }
    return value as T;
  }

  /** An optional list of strings (`types[0]=card` or `types[]=card`). */
  optionalStringList(name: string): string[] | undefined {
    const value = this.fields[name];
    if (value === undefined || value === '') return undefined;
    const items = listItems(value);
    if (!items || items.some((item) => typeof item !== 'string')) {
      throw parameterInvalid(name, `Invalid array: ${name} must be a list of strings`, 'parameter_invalid_array');
    }
    return items as string[];
  }

  /** The `expand` list (empty when absent). */
  expand(): string[] {
    return this.optionalStringList('expand') ?? [];
  }

  /** The `metadata` hash, checked against Stripe's limits; undefined when absent. */
  metadata(name = 'metadata'): Metadata | undefined {
    const value = this.fields[name];
    if (value === undefined) return undefined;
    if (value === '') return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw parameterInvalid(name, 'Invalid object', 'parameter_invalid_object');
    }
    const entries = Object.entries(value);
    if (entries.length > METADATA_MAX_KEYS) {
      throw parameterInvalid(name, `Invalid metadata: metadata can have up to ${METADATA_MAX_KEYS} keys`);
    }
    const metadata: Metadata = {};
    for (const [key, entry] of entries) {
      if (typeof entry !== 'string')
        throw parameterInvalid(`${name}[${key}]`, 'Invalid string: metadata values must be strings');
      if (key.length > METADATA_KEY_MAX_LENGTH) {
        throw parameterInvalid(
          `${name}[${key}]`,
          `Metadata keys can have up to ${METADATA_KEY_MAX_LENGTH} characters.`,
        );
      }
      if (entry.length > METADATA_VALUE_MAX_LENGTH) {
        throw parameterInvalid(
          `${name}[${key}]`,
          `Metadata values can have up to ${METADATA_VALUE_MAX_LENGTH} characters.`,
        );
      }
      metadata[key] = entry;
    }
    return metadata;
  }

  /** A nested hash parameter's raw fields (e.g. `created[gte]`), or a plain value. */
  raw(name: string): FormValue | undefined {
    return this.fields[name];
  }
}

/** qs yields arrays for `x[]=` and small indices, objects for large or sparse indices. */
function listItems(value: FormValue): FormValue[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.every((key) => /^\d+$/.test(key))) {
      return keys.sort((a, b) => Number(a) - Number(b)).map((key) => value[key]);
    }
  }
  return undefined;
}

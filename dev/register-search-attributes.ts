/**
 * Registers the product's search attributes (workflows/common/search-attributes.ts) on a local Temporal
 * server through its operator service: the dev server (whose `--search-attribute` flags only
 * apply when it creates its database, not to an existing `.data/temporal.db`) and the
 * time-skipping test server (which has no such flag).
 */
import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
// The default import: run by tsx as native ESM, this CommonJS package has no named exports.
import proto from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../workflows/common/search-attributes.js';

/** gRPC status UNIMPLEMENTED; @grpc/grpc-js is not a direct dependency. */
const GRPC_UNIMPLEMENTED = 12;

/** Adds whichever of the product's search attributes the namespace lacks; answers their names. */
export async function registerSearchAttributes(connection: Connection, namespace = 'default'): Promise<string[]> {
  let registered: Record<string, unknown> = {};
  try {
    registered = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (error) {
    // The time-skipping test server cannot list them; it accepts adding them all.
    if (!(isGrpcServiceError(error) && Number(error.code) === GRPC_UNIMPLEMENTED)) throw error;
  }
  const missing = Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES).filter(([name]) => !(name in registered));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexedValueType(type)])),
  });
  return missing.map(([name]) => name);
}

function indexedValueType(cliType: string): proto.temporal.api.enums.v1.IndexedValueType {
  const type = TypedSearchAttributes.toSearchAttributeType(cliType);
  const indexed = type && proto.temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${type}`];
  if (!indexed) throw new Error(`search attribute type ${cliType} has no indexed value type`);
  return indexed;
}

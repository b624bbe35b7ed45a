/** Paths of the external tools provisioned by dev/provision.sh, as the tests find them. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The tools dev/provision.sh provides, by the environment variable that names each. */
export type ProvisionedTool =
  | 'TEMPORAL_CLI_PATH'
  | 'TEMPORAL_SERVER_PATH'
  | 'TEMPORAL_SQL_TOOL_PATH'
  | 'TEMPORAL_UI_SERVER_PATH'
  | 'TEMPORAL_TEST_SERVER_PATH'
  | 'STRIPE_MOCK_PATH'
  | 'STRIPE_OPENAPI_SPEC'
  | 'SCHEMATHESIS_PATH';

const CACHE_DEFAULTS: Record<ProvisionedTool, string> = {
  TEMPORAL_CLI_PATH: 'bin/temporal',
  TEMPORAL_SERVER_PATH: 'bin/temporal-server',
  TEMPORAL_SQL_TOOL_PATH: 'bin/temporal-sql-tool',
  TEMPORAL_UI_SERVER_PATH: 'bin/temporal-ui-server',
  TEMPORAL_TEST_SERVER_PATH: 'bin/temporal-test-server',
  STRIPE_MOCK_PATH: 'bin/stripe-mock',
  STRIPE_OPENAPI_SPEC: 'stripe-mock/v0.197.0/spec3.json',
  SCHEMATHESIS_PATH: `schemathesis/${schemathesisVenvKey()}/bin/schemathesis`,
};

/** The directory name dev/provision.sh gives schemathesis's venv: the start of its requirements' sha256. */
function schemathesisVenvKey(): string {
  const requirements = fileURLToPath(new URL('../dev/schemathesis/requirements.txt', import.meta.url));
  return createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 16);
}

/** The cache directory dev/provision.sh fills. */
export function toolsCacheDir(): string {
  return process.env.BOOKINGS_TOOLS_DIR ?? path.join(homedir(), '.cache', 'booking-payments');
}

/**
 * The path of a provisioned tool: its environment variable (set by `npm test`), else the
 * provisioning cache, else an error telling how to provision it.
 */
export function toolPath(tool: ProvisionedTool): string {
  const fromEnv = process.env[tool];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${tool}=${fromEnv} does not exist; run \`bash dev/provision.sh\``);
    return fromEnv;
  }
  const cached = path.join(toolsCacheDir(), CACHE_DEFAULTS[tool]);
  if (existsSync(cached)) return cached;
  throw new Error(
    `${tool} is not set and ${cached} does not exist: run the tests with \`npm test\` ` +
      '(it provisions the tools) or run `bash dev/provision.sh` first',
  );
}

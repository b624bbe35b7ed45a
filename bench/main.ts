/** `npm run bench`: runs the benchmark, prints its table and writes BENCHMARKS.md with charts. */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import {
  BenchSetupError,
  DEV_PORT_VARIABLES,
  loadBenchConfig,
  SECRET_BENCH_VARIABLES,
  type BenchConfig,
} from './bench-config.js';
import { renderTable, stackName, writeReport } from './report.js';
import { runBenchTargets } from './run-bench.js';

/** A refused setting or stack is said in one line and exits 2; anything else is a failure with its stack. */
async function orRefuse<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof BenchSetupError)) throw error;
    console.error(`[bench] ${error.message}`);
    process.exit(2);
  }
}

const config: BenchConfig = await orRefuse(() => loadBenchConfig());
// The bench's own Temporal client and connections log through this runtime: only warnings, not to bury the progress lines.
Runtime.install({ logger: new DefaultLogger('WARN') });
const [results, ...compared] = await orRefuse(() => runBenchTargets(config));
for (const each of [results, ...compared]) console.log(`\n${stackName(each)}\n${renderTable(each)}`);
const written = await writeReport(results, { command: `${benchEnvDescription()}npm run bench`, compared });
console.log(`[bench] wrote ${written.join(', ')}`);

/** The BENCH_ variables of this run (and, reusing a stack, the port variables its defaults followed), secrets masked. */
function benchEnvDescription(): string {
  const described = (key: string) =>
    key.startsWith('BENCH_') || (config.reuse !== null && DEV_PORT_VARIABLES.includes(key));
  const set = Object.entries(process.env).filter(([key, value]) => described(key) && value);
  return set.map(([key, value]) => `${key}=${SECRET_BENCH_VARIABLES.has(key) ? '***' : value} `).join('');
}

/** `npm run bench`: runs the benchmark, prints its table and writes BENCHMARKS.md with charts. */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadBenchConfig, SECRET_BENCH_VARIABLES } from './bench-config.js';
import { renderTable, writeReport } from './report.js';
import { runBench } from './run-bench.js';

const config = loadBenchConfig();
// The floor worker runs in this process: its SDK lines would bury the progress lines.
Runtime.install({ logger: new DefaultLogger('WARN') });
const results = await runBench(config);
console.log(renderTable(results));
const written = await writeReport(results, { command: `${benchEnvDescription()}npm run bench` });
console.log(`[bench] wrote ${written.join(', ')}`);

function benchEnvDescription(): string {
  const set = Object.entries(process.env).filter(([key, value]) => key.startsWith('BENCH_') && value);
  return set.map(([key, value]) => `${key}=${SECRET_BENCH_VARIABLES.has(key) ? '***' : value} `).join('');
}

/** `npm run bench`: runs the benchmark, prints its table and writes BENCHMARKS.md with charts. */
import { loadBenchConfig } from './bench-config.js';
import { renderTable, writeReport } from './report.js';
import { runBench } from './run-bench.js';

const config = loadBenchConfig();
const results = await runBench(config);
console.log(renderTable(results));
const written = await writeReport(results, { command: `npm run bench ${benchEnvDescription()}`.trim() });
console.log(`[bench] wrote ${written.join(', ')}`);

function benchEnvDescription(): string {
  const set = Object.entries(process.env).filter(([key, value]) => key.startsWith('BENCH_') && value);
  return set.length ? `(with ${set.map(([key, value]) => `${key}=${value}`).join(' ')})` : '';
}

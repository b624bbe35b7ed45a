/** The benchmark's settings, parsed once from the environment with zod. */
import { z } from 'zod';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  /** Highest concurrency tried; steps double from 1 until throughput stops rising or this is reached. */
  BENCH_MAX_CONCURRENCY: positiveInt(32),
  /** Bookings per concurrency step = concurrency × rounds, at least BENCH_MIN_BOOKINGS_PER_STEP. */
  BENCH_ROUNDS: positiveInt(4),
  BENCH_MIN_BOOKINGS_PER_STEP: positiveInt(20),
  /** Open, sleeping bookings on the one worker for the memory figure (the issue asks for 10,000). */
  BENCH_SLEEPING_BOOKINGS: positiveInt(1_000),
  BENCH_WEBHOOK_EVENTS: positiveInt(3_000),
  BENCH_WEBHOOK_CONCURRENCY: positiveInt(32),
  /** 3-D Secure bookings timed from webhook to state change. */
  BENCH_3DS_BOOKINGS: positiveInt(20),
  /** Where the report and its charts go. */
  BENCH_OUTPUT: z.string().min(1).default('BENCHMARKS.md'),
  BENCH_CHART_DIR: z.string().min(1).default('docs/bench'),
});

/** Parsed benchmark settings. */
export type BenchConfig = z.infer<typeof schema>;

/** Parses the benchmark settings; an empty value counts as unset. Throws naming a bad variable. */
export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith('BENCH_') && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`bad benchmark setting: ${problems}`);
  }
  return parsed.data;
}

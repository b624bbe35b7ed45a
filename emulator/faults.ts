/** Fault injection: failing or slowing Stripe API answers and disturbing webhook deliveries. */
import { z } from 'zod';

/** HTTP statuses the emulator can inject into Stripe API answers. */
export const INJECTABLE_STATUSES = [429, 500, 502, 503, 504] as const;

/** Which requests a fault hits: a count or a rate, and a pattern of `METHOD /path`. */
const requestSelection = {
  /** Hit this many matching requests, then stop. */
  count: z.number().int().positive().optional(),
  /** Hit each matching request with this probability. */
  rate: z.number().min(0).max(1).optional(),
  /** Regular expression matched against `METHOD /path` (e.g. `POST /v1/payment_intents`). */
  pathPattern: z.string().optional(),
};

/** The checks every request selection needs: count or rate, and a pattern that compiles. */
function checkSelection(fault: { count?: number; rate?: number; pathPattern?: string }, ctx: z.RefinementCtx): void {
  if (fault.count !== undefined && fault.rate !== undefined)
    ctx.addIssue({ code: 'custom', message: 'give count or rate, not both' });
  if (fault.pathPattern !== undefined && !isValidRegExp(fault.pathPattern)) {
    ctx.addIssue({ code: 'custom', message: 'pathPattern must be a valid regular expression', path: ['pathPattern'] });
  }
}

const apiFaultSchema = z
  .object({
    status: z.union(INJECTABLE_STATUSES.map((status) => z.literal(status))),
    ...requestSelection,
    /** `before`: fail without executing; `after`: execute, then fail, the failure saved and replayed under the key. */
    when: z.enum(['before', 'after']).default('before'),
  })
  .strict()
  .superRefine(checkSelection);

const latencyFaultSchema = z
  .object({
    /** Added delay, in milliseconds. */
    ms: z.number().int().min(0).max(600_000),
    ...requestSelection,
    /**
     * `before`: wait holding the idempotency key's lock, then execute (a retry meanwhile is refused
     * with 409); `after`: execute and store the idempotent result, then answer late (a retry
     * meanwhile is replayed), as when the answer is slow on its way back.
     */
    when: z.enum(['before', 'after']).default('before'),
  })
  .strict()
  .superRefine(checkSelection);

const stallFaultSchema = z
  .object({
    /** Hold this many matching answers, then stop. */
    count: z.number().int().positive().max(1000),
    /** Regular expression matched against `METHOD /path` (e.g. `POST /v1/payment_intents/[^/]+/confirm`). */
    pathPattern: z.string().optional(),
    /** How long each answer is held at most; clearing the stall releases held answers at once. */
    holdMs: z.number().int().positive().max(600_000),
  })
  .strict()
  .superRefine(checkSelection);

const webhookFaultSchema = z
  .object({
    /** Extra copies of each event delivered. */
    duplicates: z.number().int().min(0).max(20).default(0),
    /** Wait before each batch of deliveries. */
    delayMs: z.number().int().min(0).max(600_000).default(0),
    /** Deliver each batch of events in reverse order. */
    reorder: z.boolean().default(false),
    /** Hold deliveries until `POST /_emulator/webhooks/flush`. */
    pause: z.boolean().default(false),
  })
  .strict();

/** The body of `POST /_emulator/faults`: each section given replaces the current one. */
export const faultPlanSchema = z
  .object({
    api: apiFaultSchema.nullable().optional(),
    latency: latencyFaultSchema.nullable().optional(),
    /** Shorthand for `latency: { ms }`: every request, before the work (0 removes it). */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** Execute matching requests and store their idempotent result, then hold the answer (a client that dies waiting). */
    stall: stallFaultSchema.nullable().optional(),
    webhooks: webhookFaultSchema.nullable().optional(),
  })
  .strict();

/** The faults requested by a test. */
export type FaultPlan = z.infer<typeof faultPlanSchema>;
/** A fault on Stripe API answers. */
export type ApiFault = z.infer<typeof apiFaultSchema>;
/** Answers held after the work, as seen by a client that stops hearing back. */
export type StallFault = z.infer<typeof stallFaultSchema>;
/** Added latency on Stripe API requests. */
export type LatencyFault = z.infer<typeof latencyFaultSchema>;
/** Disturbances of webhook deliveries. */
export type WebhookFaults = z.infer<typeof webhookFaultSchema>;

function isValidRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const NO_WEBHOOK_FAULTS: WebhookFaults = { duplicates: 0, delayMs: 0, reorder: false, pause: false };

/** A request fault with what is left of its count. */
type Counted<Fault> = Fault & { remaining?: number };

/** The active faults and the decisions taken from them. */
export class FaultInjector {
  private api: Counted<ApiFault> | null = null;
  private latency: Counted<LatencyFault> | null = null;
  private stall: (StallFault & { remaining: number }) | null = null;
  /** Releases of the answers held now. */
  private readonly heldAnswers = new Set<() => void>();
  private webhookFaults: WebhookFaults = NO_WEBHOOK_FAULTS;
  private readonly listeners: Array<(faults: WebhookFaults) => void> = [];

  constructor(private readonly random: () => number = Math.random) {}

  /** Applies the sections present in `plan`. */
  apply(plan: FaultPlan): void {
    if (plan.api !== undefined) this.api = plan.api ? { ...plan.api, remaining: plan.api.count } : null;
    if (plan.latency !== undefined)
      this.latency = plan.latency ? { ...plan.latency, remaining: plan.latency.count } : null;
    if (plan.latencyMs !== undefined) this.latency = plan.latencyMs > 0 ? { ms: plan.latencyMs, when: 'before' } : null;
    if (plan.stall !== undefined) {
      this.releaseHeldAnswers();
      this.stall = plan.stall ? { ...plan.stall, remaining: plan.stall.count } : null;
    }
    if (plan.webhooks !== undefined) this.setWebhookFaults(plan.webhooks ?? NO_WEBHOOK_FAULTS);
  }

  /** Removes every fault. */
  clear(): void {
    this.api = null;
    this.latency = null;
    this.stall = null;
    this.releaseHeldAnswers();
    this.setWebhookFaults(NO_WEBHOOK_FAULTS);
  }

  /** The current faults, for inspection. */
  describe(): {
    api: Counted<ApiFault> | null;
    latency: Counted<LatencyFault> | null;
    stall: (StallFault & { remaining: number }) | null;
    /** Answers held by a stall right now. */
    heldAnswers: number;
    webhooks: WebhookFaults;
  } {
    return {
      api: this.api,
      latency: this.latency,
      stall: this.stall,
      heldAnswers: this.heldAnswers.size,
      webhooks: this.webhookFaults,
    };
  }

  /** Decides whether the request `METHOD /path` fails, consuming one from a counted fault. */
  takeApiFault(method: string, path: string): { status: number; when: 'before' | 'after' } | null {
    if (!this.api || !this.hits(this.api, method, path)) return null;
    const { status, when } = this.api;
    if (this.api.remaining === 0) this.api = null;
    return { status, when };
  }

  /** Decides whether the request `METHOD /path` is slowed, and when; consumes one from a counted fault. */
  takeLatency(method: string, path: string): { ms: number; when: 'before' | 'after' } | null {
    if (!this.latency || !this.hits(this.latency, method, path)) return null;
    const { ms, when } = this.latency;
    if (this.latency.remaining === 0) this.latency = null;
    return { ms, when };
  }

  /** Decides whether the answer to `METHOD /path` is held (answers for how long), consuming one from the stall's count. */
  takeStall(method: string, path: string): number | null {
    const stall = this.stall;
    if (!stall || !this.hits(stall, method, path)) return null;
    if (stall.remaining === 0) this.stall = null;
    return stall.holdMs;
  }

  /** Holds an answer for `holdMs` or until the stall is cleared or replaced, whichever comes first. */
  holdAnswer(holdMs: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.heldAnswers.delete(release);
        resolve();
      };
      const timer = setTimeout(release, holdMs);
      this.heldAnswers.add(release);
    });
  }

  /** Current webhook disturbances. */
  webhooks(): WebhookFaults {
    return this.webhookFaults;
  }

  /** Calls `listener` whenever the webhook disturbances change (e.g. to release paused deliveries). */
  onWebhookFaultsChanged(listener: (faults: WebhookFaults) => void): void {
    this.listeners.push(listener);
  }

  private releaseHeldAnswers(): void {
    for (const release of [...this.heldAnswers]) release();
  }

  /** Whether `fault` hits this request; counts it down when it does. */
  private hits(fault: Counted<{ rate?: number; pathPattern?: string }>, method: string, path: string): boolean {
    if (fault.pathPattern !== undefined && !new RegExp(fault.pathPattern).test(`${method} ${path}`)) return false;
    if (fault.rate !== undefined && this.random() >= fault.rate) return false;
    if (fault.remaining !== undefined) {
      if (fault.remaining <= 0) return false;
      fault.remaining -= 1;
    }
    return true;
  }

  private setWebhookFaults(faults: WebhookFaults): void {
    this.webhookFaults = faults;
    for (const listener of this.listeners) listener(faults);
  }
}

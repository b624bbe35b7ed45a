/** Fault injection: failing or slowing Stripe API answers and disturbing webhook deliveries. */
import { z } from 'zod';

/** HTTP statuses the emulator can inject into Stripe API answers. */
export const INJECTABLE_STATUSES = [429, 500, 502, 503, 504] as const;

const apiFaultSchema = z
  .object({
    status: z.union(INJECTABLE_STATUSES.map((status) => z.literal(status))),
    /** Fail this many matching requests, then stop. */
    count: z.number().int().positive().optional(),
    /** Fail each matching request with this probability. */
    rate: z.number().min(0).max(1).optional(),
    /** `before`: fail without executing; `after`: execute, store the idempotent result, then fail. */
    when: z.enum(['before', 'after']).default('before'),
    /** Regular expression matched against `METHOD /path` (e.g. `POST /v1/payment_intents`). */
    pathPattern: z.string().optional(),
  })
  .strict()
  .refine((fault) => !(fault.count !== undefined && fault.rate !== undefined), {
    message: 'give count or rate, not both',
  })
  .refine((fault) => fault.pathPattern === undefined || isValidRegExp(fault.pathPattern), {
    message: 'pathPattern must be a valid regular expression',
    path: ['pathPattern'],
  });

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
  .refine((stall) => stall.pathPattern === undefined || isValidRegExp(stall.pathPattern), {
    message: 'pathPattern must be a valid regular expression',
    path: ['pathPattern'],
  });

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

/** The active faults and the decisions taken from them. */
export class FaultInjector {
  private api: (ApiFault & { remaining?: number }) | null = null;
  private latency = 0;
  private stall: (StallFault & { remaining: number }) | null = null;
  /** Releases of the answers held now. */
  private readonly heldAnswers = new Set<() => void>();
  private webhookFaults: WebhookFaults = NO_WEBHOOK_FAULTS;
  private readonly listeners: Array<(faults: WebhookFaults) => void> = [];

  constructor(private readonly random: () => number = Math.random) {}

  /** Applies the sections present in `plan`. */
  apply(plan: FaultPlan): void {
    if (plan.api !== undefined) this.api = plan.api ? { ...plan.api, remaining: plan.api.count } : null;
    if (plan.latencyMs !== undefined) this.latency = plan.latencyMs;
    if (plan.stall !== undefined) {
      this.releaseHeldAnswers();
      this.stall = plan.stall ? { ...plan.stall, remaining: plan.stall.count } : null;
    }
    if (plan.webhooks !== undefined) this.setWebhookFaults(plan.webhooks ?? NO_WEBHOOK_FAULTS);
  }

  /** Removes every fault. */
  clear(): void {
    this.api = null;
    this.latency = 0;
    this.stall = null;
    this.releaseHeldAnswers();
    this.setWebhookFaults(NO_WEBHOOK_FAULTS);
  }

  /** The current faults, for inspection. */
  describe(): {
    api: ApiFault & { remaining?: number } | null;
    latencyMs: number;
    stall: (StallFault & { remaining: number }) | null;
    /** Answers held by a stall right now. */
    heldAnswers: number;
    webhooks: WebhookFaults;
  } {
    return { api: this.api, latencyMs: this.latency, stall: this.stall, heldAnswers: this.heldAnswers.size, webhooks: this.webhookFaults };
  }

  /** Decides whether the request `METHOD /path` fails, consuming one from a counted fault. */
  takeApiFault(method: string, path: string): { status: number; when: 'before' | 'after' } | null {
    const fault = this.api;
    if (!fault) return null;
    if (fault.pathPattern !== undefined && !new RegExp(fault.pathPattern).test(`${method} ${path}`)) return null;
    if (fault.rate !== undefined && this.random() >= fault.rate) return null;
    if (fault.remaining !== undefined) {
      if (fault.remaining <= 0) return null;
      fault.remaining -= 1;
      if (fault.remaining === 0) this.api = null;
    }
    return { status: fault.status, when: fault.when };
  }

  /** Decides whether the answer to `METHOD /path` is held (answers for how long), consuming one from the stall's count. */
  takeStall(method: string, path: string): number | null {
    const stall = this.stall;
    if (!stall) return null;
    if (stall.pathPattern !== undefined && !new RegExp(stall.pathPattern).test(`${method} ${path}`)) return null;
    stall.remaining -= 1;
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

  /** Added latency for each Stripe API request, in milliseconds. */
  latencyMs(): number {
    return this.latency;
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

  private setWebhookFaults(faults: WebhookFaults): void {
    this.webhookFaults = faults;
    for (const listener of this.listeners) listener(faults);
  }
}

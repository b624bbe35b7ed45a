/**
 * The production-like docker-compose.yml cannot be started here (no Docker engine), so its
 * structure is checked instead: services, builds, the environment the API and worker parse with
 * their own config schemas, dependencies, ports and secrets. When the `docker compose` CLI exists
 * it also validates the file (parsing needs no engine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadApiConfig, loadWorkerConfig } from '../../config/env.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | { published?: string | number; target?: number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const SECRET_NAME = /(SECRET|PASSWORD|PWD|TOKEN|API_KEY|PRIVATE)/;
const REQUIRED_INTERPOLATION = /^\$\{[A-Z0-9_]+:\?[^}]*\}$/;

const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as ComposeFile;

function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

/** A stand-in for what an operator would supply, shaped so the config schemas can judge the rest. */
function exampleValue(variable: string): string {
  if (variable.endsWith('_URL')) return 'https://bookings.example.test/payment-events';
  if (variable === 'STRIPE_SECRET_KEY') return 'sk_test_example0000000000';
  if (variable === 'PAYLOAD_CODEC_KEYS') return `k1:${Buffer.alloc(32, 7).toString('base64')}`;
  return `example-${variable.toLowerCase()}-value`;
}

/** Resolves `${VAR}`, `${VAR:-default}` and `${VAR:?message}` as compose would with operator input. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Za-z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) =>
    op?.endsWith('-') ? (arg ?? '') : exampleValue(name),
  );
}

function resolvedEnvironment(service: ComposeService): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(environmentOf(service)).map(([key, value]) => [key, interpolate(value)]));
}

function dependencies(service: ComposeService): string[] {
  const dependsOn = service.depends_on ?? [];
  return Array.isArray(dependsOn) ? dependsOn : Object.keys(dependsOn);
}

function publishedPorts(service: ComposeService): string[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return interpolate(String(port.published ?? ''));
    const parts = interpolate(port).split(':');
    return parts.length >= 2 ? parts[parts.length - 2] : parts[0];
  });
}

function commandOf(service: ComposeService): string {
  return Array.isArray(service.command) ? service.command.join(' ') : (service.command ?? '');
}

describe('docker-compose.yml', () => {
  const services = compose.services;

  it('defines Temporal on PostgreSQL, its Web UI, the API and the worker', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'api', 'worker']),
    );
    expect(services.temporal.image).toMatch(/^temporalio\/(server|auto-setup):/);
    expect(environmentOf(services.temporal).DB).toBe('postgres12');
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    expect(publishedPorts(services['temporal-ui'])).toContain('8080');
  });

  it('builds the API and the worker from an existing Dockerfile and runs their entry files', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.build) continue;
      const build = typeof service.build === 'string' ? { context: service.build } : service.build;
      const context = path.resolve(ROOT, build.context ?? '.');
      expect(existsSync(path.join(context, build.dockerfile ?? 'Dockerfile')), `${name}: Dockerfile`).toBe(true);
    }
    expect(services.api.build).toBeDefined();
    expect(services.worker.build).toBeDefined();
    expect(commandOf(services.api)).toContain('api/main.ts');
    expect(commandOf(services.worker)).toContain('worker/main.ts');
  });

  it('gives the API and the worker every variable their config schemas require', () => {
    const api = loadApiConfig(resolvedEnvironment(services.api));
    const worker = loadWorkerConfig(resolvedEnvironment(services.worker));
    for (const config of [api, worker]) {
      expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(config.DATABASE_URL).toMatch(/@postgresql:5432\/bookings$/);
    }
    // Production talks to Stripe itself, never to a stand-in.
    expect(worker.STRIPE_API_URL).toBeUndefined();
  });

  it("probes the worker's health endpoint and publishes its metrics port", () => {
    const worker = loadWorkerConfig(resolvedEnvironment(services.worker));
    const healthPort = worker.WORKER_HEALTH_ADDRESS.split(':').at(-1)!;
    expect(JSON.stringify(services.worker.healthcheck?.test)).toContain(`127.0.0.1:${healthPort}/healthz`);
    const metricsPort = worker.WORKER_METRICS_ADDRESS.split(':').at(-1)!;
    expect(
      (services.worker.ports ?? []).map((port) =>
        typeof port === 'string' ? interpolate(port).split(':').at(-1) : String(port.target),
      ),
    ).toContain(metricsPort);
  });

  it('depends only on services that exist, waiting for health or completion', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const target of dependencies(service)) {
        expect(services[target], `${name} depends on ${target}`).toBeDefined();
        const condition = Array.isArray(service.depends_on) ? undefined : service.depends_on?.[target]?.condition;
        if (condition === 'service_healthy') {
          expect(services[target].healthcheck, `${target} needs a healthcheck for ${name}`).toBeDefined();
        }
      }
    }
    expect(dependencies(services.api)).toContain('postgresql');
    expect(dependencies(services.worker)).toContain('postgresql');
  });

  it('publishes each host port once', () => {
    const ports = Object.values(services).flatMap(publishedPorts);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('takes every secret from the environment, never from a literal', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        if (SECRET_NAME.test(key)) {
          expect(value, `${name}.${key}`).toMatch(REQUIRED_INTERPOLATION);
        }
        if (key.endsWith('_URL') && value.includes('@')) {
          // A password inside a URL must be one required interpolation too.
          const parts: string[] = [];
          const masked = value.replace(/\$\{[^}]*\}/g, (part) => `#${parts.push(part) - 1}#`);
          const userInfo = masked.slice(masked.indexOf('://') + 3, masked.lastIndexOf('@'));
          const password = (userInfo.split(':')[1] ?? '').replace(
            /^#(\d+)#$/,
            (_, index: string) => parts[Number(index)],
          );
          expect(password, `${name}.${key} password`).toMatch(REQUIRED_INTERPOLATION);
        }
      }
    }
  });

  const composeCli = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!composeCli)('is accepted by `docker compose config`', () => {
    const env = { ...process.env };
    for (const variable of [
      'POSTGRES_PASSWORD',
      'API_TOKEN',
      'STRIPE_SECRET_KEY',
      'STRIPE_WEBHOOK_SECRET',
      'NOTIFY_CALLBACK_URL',
      'NOTIFY_SIGNING_SECRET',
      'PAYLOAD_CODEC_KEYS',
      'CODEC_AUTH_TOKEN',
    ]) {
      env[variable] = exampleValue(variable);
    }
    execFileSync('docker', ['compose', '-f', COMPOSE_FILE, 'config', '--quiet'], { env, cwd: ROOT, stdio: 'pipe' });
  });
});

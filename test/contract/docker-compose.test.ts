/**
 * docker-compose.yml cannot be started here (no Docker engine), so what it describes is checked
 * against what the tests run: the topology of `npm run start:cluster` (four Temporal services from
 * dev/cluster, the Web UI, two APIs, two workers, the emulator as an option), every file it mounts,
 * the environment each of our processes parses with its own config schema, dependencies, ports,
 * secrets and the image the Dockerfile builds. docker-compose-temporal.test.ts runs the Temporal
 * pieces' real binaries under compose's environments. When the `docker compose` CLI exists it also
 * validates the file (parsing needs no engine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApiConfig, loadWorkerConfig } from '../../config/env.js';
import { loadEmulatorConfig } from '../../emulator/config.js';
import {
  COMPOSE_FILE,
  ROOT,
  argvOf,
  bindMounts,
  compose,
  dependencies,
  environmentOf,
  exampleValue,
  hostAndPort,
  interpolate,
  publishedPorts,
  publishedTargets,
  repositoryPathOf,
  resolvedEnvironment,
  servicesRunning,
  servicesWithImage,
} from './fixtures/compose-file.js';

const SECRET_NAME = /(SECRET|PASSWORD|PWD|TOKEN|API_KEY|PRIVATE)/;
const REQUIRED_INTERPOLATION = /^\$\{[A-Z0-9_]+:\?[^}]*\}$/;
const services = compose.services;

/** The versions dev/provision.sh builds the binaries the tests run from. */
function provisionedVersion(variable: string): string {
  const provision = readFileSync(path.join(ROOT, 'dev/provision.sh'), 'utf8');
  const version = new RegExp(`^${variable}="v([^"]+)"`, 'm').exec(provision)?.[1];
  if (!version) throw new Error(`${variable} not found in dev/provision.sh`);
  return version;
}

/** The one service that runs `--service <role>` of the Temporal server. */
function temporalServiceFor(role: string): string {
  const found = servicesWithImage('temporalio/server:').filter((name) => {
    const argv = argvOf(services[name]);
    return argv[argv.indexOf('--service') + 1] === role;
  });
  expect(found, `services running Temporal's ${role}`).toHaveLength(1);
  return found[0];
}

describe('docker-compose.yml', () => {
  it("runs each Temporal service in its own container of the official image, at the tests' server version", () => {
    const temporal = servicesWithImage('temporalio/server:');
    const roles = temporal.map((name) => {
      const argv = argvOf(services[name]);
      expect(argv.join(' '), name).toContain('--config dev/cluster/config --env cluster');
      expect(argv.join(' '), name).toContain('dev/cluster/temporal-server.sh');
      return argv[argv.indexOf('--service') + 1];
    });
    expect(roles.sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    const serverVersion = provisionedVersion('TEMPORAL_SERVER_VERSION');
    for (const name of [...temporal, ...servicesWithImage('temporalio/admin-tools:')]) {
      expect(services[name].image, name).toMatch(new RegExp(`:${serverVersion.replaceAll('.', '\\.')}(-|$)`));
    }
    const ui = servicesWithImage('temporalio/ui:');
    expect(ui).toHaveLength(1);
    expect(services[ui[0]].image).toBe(`temporalio/ui:${provisionedVersion('TEMPORAL_UI_SERVER_VERSION')}`);
    expect(argvOf(services[ui[0]]).join(' ')).toContain('--config dev/cluster/ui --env cluster start');
  });

  it('mounts only files and directories that exist, and every repository file a container runs comes through a mount', () => {
    const mounted = Object.entries(services).flatMap(([name, service]) =>
      bindMounts(service).map((mount) => ({ name, ...mount })),
    );
    expect(mounted.length).toBeGreaterThan(0);
    for (const { name, source } of mounted) {
      expect(existsSync(source), `${name} mounts ${path.relative(ROOT, source)}`).toBe(true);
    }
    for (const [name, service] of Object.entries(services)) {
      if (!bindMounts(service).length) continue;
      // Relative paths in the command (scripts, config dirs) resolve from the working directory.
      for (const arg of argvOf(service).filter((word) => word.startsWith('dev/'))) {
        const source = repositoryPathOf(service, arg);
        expect(source, `${name}: ${arg} is inside a mount`).toBeDefined();
        expect(existsSync(source!), `${name}: ${arg} exists in the repository`).toBe(true);
      }
    }
  });

  it('builds our image from the Dockerfile and runs the API, the worker and the emulator from files the image holds', () => {
    const dockerignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    for (const [name, service] of Object.entries(services)) {
      if (!service.build) continue;
      const build = typeof service.build === 'string' ? { context: service.build } : service.build;
      const context = path.resolve(ROOT, build.context ?? '.');
      expect(existsSync(path.join(context, build.dockerfile ?? 'Dockerfile')), `${name}: Dockerfile`).toBe(true);
      const entry = argvOf(service).find((word) => word.endsWith('.ts'));
      expect(entry, `${name} runs a TypeScript entry file`).toBeDefined();
      expect(statSync(path.join(context, entry!)).isFile(), `${name}: ${entry}`).toBe(true);
      expect(dockerignore, `${name}: ${entry} is not left out of the image`).not.toContain(entry!.split('/')[0]);
    }
    expect(servicesRunning('api/main.ts').length).toBeGreaterThanOrEqual(2);
    expect(servicesRunning('worker/main.ts').length).toBeGreaterThanOrEqual(2);
  });

  it('gives every API and worker the variables their config schemas require, pointed at the frontend and PostgreSQL', () => {
    const frontend = temporalServiceFor('frontend');
    const postgres = environmentOf(services.postgresql);
    const configs = [
      ...servicesRunning('api/main.ts').map((name) => loadApiConfig(resolvedEnvironment(services[name]))),
      ...servicesRunning('worker/main.ts').map((name) => loadWorkerConfig(resolvedEnvironment(services[name]))),
    ];
    for (const config of configs) {
      expect(hostAndPort(config.TEMPORAL_ADDRESS)).toEqual({ host: frontend, port: 7233 });
      const database = new URL(config.DATABASE_URL);
      expect(database.host).toBe('postgresql:5432');
      expect(database.pathname).toBe(`/${postgres.POSTGRES_DB}`);
      expect(database.username).toBe(interpolate(postgres.POSTGRES_USER));
      // Without the emulator profile they talk to Stripe itself, never to a stand-in.
      expect(config.STRIPE_API_URL).toBeUndefined();
    }
    expect(publishedTargets(services[frontend])).toContain('7233');
  });

  it("runs the emulator only with its profile, reachable by the API and the workers, its webhooks signed for the API's secret", () => {
    const [emulatorName] = servicesRunning('emulator/main.ts');
    const emulatorService = services[emulatorName];
    expect(emulatorService.profiles).toEqual(['emulator']);
    const emulator = loadEmulatorConfig(resolvedEnvironment(emulatorService));
    const emulatorUrl = `http://${emulatorName}:${emulator.STRIPE_EMULATOR_PORT}`;
    for (const name of servicesRunning('worker/main.ts')) {
      const worker = loadWorkerConfig(resolvedEnvironment(services[name], { STRIPE_API_URL: emulatorUrl }));
      expect(worker.STRIPE_API_URL).toBe(emulatorUrl);
    }
    const webhookUrl = new URL(emulator.STRIPE_EMULATOR_WEBHOOK_URL!);
    const api = loadApiConfig(resolvedEnvironment(services[webhookUrl.hostname]));
    expect(Number(webhookUrl.port)).toBe(api.PORT);
    expect(webhookUrl.pathname).toBe('/v1/webhooks/stripe');
    expect(emulator.STRIPE_WEBHOOK_SECRET).toBe(api.STRIPE_WEBHOOK_SECRET);
    expect(emulator.STRIPE_EMULATOR_HOST).toBe('0.0.0.0');
  });

  it("probes each worker's health endpoint and publishes its metrics port", () => {
    for (const name of servicesRunning('worker/main.ts')) {
      const service = services[name];
      const worker = loadWorkerConfig(resolvedEnvironment(service));
      const healthPort = hostAndPort(worker.WORKER_HEALTH_ADDRESS).port;
      expect(JSON.stringify(service.healthcheck?.test), name).toContain(`127.0.0.1:${healthPort}/healthz`);
      expect(publishedTargets(service), name).toContain(String(hostAndPort(worker.WORKER_METRICS_ADDRESS).port));
    }
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
    for (const name of [...servicesRunning('api/main.ts'), ...servicesRunning('worker/main.ts')]) {
      expect(dependencies(services[name]), name).toEqual(expect.arrayContaining(['postgresql', 'temporal-namespace']));
    }
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

describe('Dockerfile', () => {
  /** Instructions with their line continuations joined, comments left out. */
  const instructions = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });

  it('installs exactly the lockfile with npm ci, running only the install scripts package.json allows', () => {
    const runs = instructions.filter(({ keyword }) => keyword === 'RUN').map(({ args }) => args);
    const install = runs.find((run) => /\bnpm ci\b/.test(run));
    expect(install, 'a RUN with npm ci').toBeDefined();
    expect(install).toMatch(/npm ci [^&]*--ignore-scripts/);
    expect(install).toMatch(/npm rebuild \$allowed/);
    // The list it rebuilds, computed in the repository as the build computes it in the image.
    const listAllowed = /allowed="\$\(node -p "(.+?)"\)"/.exec(install!)?.[1];
    expect(listAllowed, 'the allowScripts list').toBeDefined();
    const allowed = execFileSync('node', ['-p', listAllowed!], { cwd: ROOT, encoding: 'utf8' }).trim().split(' ');
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      allowScripts: Record<string, boolean>;
    };
    const approved = Object.keys(manifest.allowScripts).filter((name) => manifest.allowScripts[name]);
    expect(allowed.sort()).toEqual(approved.sort());
    expect(runs.join('\n')).not.toMatch(/\bnpm (install|i)\b/);
    const copies = instructions.filter(({ keyword }) => keyword === 'COPY').map(({ args }) => args);
    expect(copies[0]).toBe('package.json package-lock.json ./');
  });

  it('runs as a user other than root', () => {
    const users = instructions.filter(({ keyword }) => keyword === 'USER').map(({ args }) => args);
    expect(users.length).toBeGreaterThan(0);
    const [user, group] = users.at(-1)!.split(':');
    expect(['root', '0']).not.toContain(user);
    expect(['root', '0']).not.toContain(group ?? user);
  });
});

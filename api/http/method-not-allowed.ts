/**
 * A documented path asked with a method it does not have: the methods it has, for a 405 with
 * `Allow` (RFC 9110 §15.5.6), read from the routes the OpenAPI document is generated from.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './router.js';

interface DocumentedPath {
  pattern: RegExp;
  methods: Set<string>;
}

/** `/v1/bookings/{bookingId}` → a regex matching one path segment for each parameter. */
function pathPattern(documentedPath: string): RegExp {
  const segments = documentedPath.split(/\{[^}]+\}/).map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${segments.join('[^/]+')}$`);
}

/**
 * Returns a lookup from a request path to the methods its documented route answers (with HEAD
 * wherever GET is, as Hono answers it); empty for a path no route documents. Build it once every
 * route is registered.
 */
export function allowedMethodsOf(app: OpenAPIHono<AppEnv>): (path: string) => string[] {
  const paths = new Map<string, DocumentedPath>();
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const { path, method } = definition.route;
    const entry = paths.get(path) ?? { pattern: pathPattern(path), methods: new Set<string>() };
    entry.methods.add(method.toUpperCase());
    if (method === 'get') entry.methods.add('HEAD');
    paths.set(path, entry);
  }
  return (requestPath) => {
    const methods = new Set<string>();
    for (const { pattern, methods: documented } of paths.values()) {
      if (pattern.test(requestPath)) documented.forEach((method) => methods.add(method));
    }
    return [...methods].sort();
  };
}

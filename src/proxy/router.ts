import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ConfigError, ProxyError } from '../errors.js';
import { describe } from './config.js';
import { errorResponse } from './response.js';

/** A request listener the router can dispatch to, optionally with an upgrade listener. */
export interface RoutableHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  close?: () => Promise<void> | void;
}

/** One route: match by Host (name, `*.suffix`, with or without port) and/or path prefix. */
export interface Route {
  /** Host header to match, case-insensitive; a port in the pattern must match too; `*.example.com` matches subdomains. */
  host?: string;
  /** Path prefix to match at a segment boundary: '/api' matches '/api' and '/api/x', not '/apix'. */
  pathPrefix?: string;
  /** Remove `pathPrefix` from the URL before handing the request on. @default false */
  stripPrefix?: boolean;
  handler: RoutableHandler;
}

/** The router: a request listener with `upgrade` and `close`. */
export interface Router {
  (req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

const ROUTE_KEYS = ['host', 'pathPrefix', 'stripPrefix', 'handler'];

/**
 * Dispatches each request to the first route whose Host and/or path prefix
 * match (rouille's domain1 → backend 1, domain2 → backend 2, else 404). With no
 * match the fallback handles it, or proxytape answers 404 `PROXYTAPE_NO_ROUTE`.
 *
 * @example
 * ```ts
 * const router = createRouter([
 *   { host: 'domain1.test', handler: createProxyHandler({ target: 'http://127.0.0.1:3001' }) },
 *   { host: 'domain2.test', handler: createProxyHandler({ target: 'http://127.0.0.1:3002' }) },
 *   { pathPrefix: '/api', stripPrefix: true, handler: createProxyHandler({ target: 'http://127.0.0.1:3003' }) },
 * ]);
 * await createServer(router, { port: 8080 });
 * ```
 */
export function createRouter(routes: readonly Route[], fallback?: RoutableHandler): Router {
  if (!Array.isArray(routes))
    throw new ConfigError('routes', `Invalid router routes: ${describe(routes)}. Must be an array of { host?, pathPrefix?, handler }.`);
  const compiled = routes.map((route, i) => compileRoute(route, i));
  if (fallback !== undefined && typeof fallback !== 'function') {
    throw new ConfigError('fallback', `Invalid router fallback: ${describe(fallback)}. Must be a request listener (req, res) => void.`);
  }

  const pick = (req: IncomingMessage): { route: CompiledRoute | undefined } => {
    const host = (req.headers.host ?? '').toLowerCase();
    const url = req.url ?? '/';
    return { route: compiled.find((r) => r.matches(host, url)) };
  };

  const router = ((req: IncomingMessage, res: ServerResponse): void => {
    const { route } = pick(req);
    if (route) {
      route.rewrite(req);
      route.handler(req, res);
    } else if (fallback) fallback(req, res);
    else void errorResponse(noRoute(req)).send(res);
  }) as Router;
  router.upgrade = (req, socket, head) => {
    const { route } = pick(req);
    const target = route?.handler ?? fallback;
    if (route) route.rewrite(req);
    if (target?.upgrade) target.upgrade(req, socket, head);
    else {
      const response = errorResponse(noRoute(req));
      let headText = `HTTP/1.1 ${response.status} Not Found\r\n`;
      for (let i = 0; i < response.rawHeaders.length; i += 2) headText += `${response.rawHeaders[i]}: ${response.rawHeaders[i + 1]}\r\n`;
      socket.end(`${headText}connection: close\r\n\r\n${(response.body as Buffer).toString('utf8')}`);
    }
  };
  router.close = async () => {
    const handlers = new Set([...compiled.map((r) => r.handler), ...(fallback ? [fallback] : [])]);
    await Promise.all([...handlers].map((h) => h.close?.()));
  };
  return router;
}

interface CompiledRoute {
  handler: RoutableHandler;
  matches(host: string, url: string): boolean;
  rewrite(req: IncomingMessage): void;
}

function compileRoute(route: Route, index: number): CompiledRoute {
  if (typeof route !== 'object' || route === null)
    throw new ConfigError(
      `routes[${index}]`,
      `Invalid route routes[${index}]: ${describe(route)}. Must be { host?, pathPrefix?, handler }.`,
    );
  for (const key of Object.keys(route)) {
    if (!ROUTE_KEYS.includes(key))
      throw new ConfigError(
        `routes[${index}].${key}`,
        `Unknown option \`routes[${index}].${key}\`. Allowed options in a route: ${ROUTE_KEYS.join(', ')}.`,
      );
  }
  if (typeof route.handler !== 'function')
    throw new ConfigError(
      `routes[${index}].handler`,
      `Invalid option \`routes[${index}].handler\`: ${describe(route.handler)}. Must be a request listener, e.g. createProxyHandler({ target }).`,
    );
  if (route.host === undefined && route.pathPrefix === undefined) {
    throw new ConfigError(
      `routes[${index}]`,
      `Invalid route routes[${index}]: give \`host\` and/or \`pathPrefix\` (use the fallback argument for a catch-all).`,
    );
  }
  if (route.host !== undefined && (typeof route.host !== 'string' || route.host === '')) {
    throw new ConfigError(
      `routes[${index}].host`,
      `Invalid option \`routes[${index}].host\`: ${describe(route.host)}. Must be a host name like 'api.test', 'api.test:8080' or '*.test'.`,
    );
  }
  if (route.pathPrefix !== undefined && (typeof route.pathPrefix !== 'string' || !route.pathPrefix.startsWith('/'))) {
    throw new ConfigError(
      `routes[${index}].pathPrefix`,
      `Invalid option \`routes[${index}].pathPrefix\`: ${describe(route.pathPrefix)}. Must start with '/', e.g. '/api'.`,
    );
  }
  const hostPattern = route.host?.toLowerCase();
  const prefix = route.pathPrefix === undefined || route.pathPrefix === '/' ? route.pathPrefix : route.pathPrefix.replace(/\/$/, '');
  const matchHost = (host: string): boolean => {
    if (hostPattern === undefined) return true;
    const patternHasPort = /:\d+$/.test(hostPattern);
    const h = patternHasPort ? host : host.replace(/:\d+$/, '');
    if (hostPattern.startsWith('*.')) return h.endsWith(hostPattern.slice(1)) && h.length > hostPattern.length - 1;
    return h === hostPattern;
  };
  const matchPath = (url: string): boolean => {
    if (prefix === undefined || prefix === '/') return true;
    if (!url.startsWith(prefix)) return false;
    const next = url.charCodeAt(prefix.length);
    return Number.isNaN(next) || next === 47 /* / */ || next === 63; /* ? */
  };
  return {
    handler: route.handler,
    matches: (host, url) => matchHost(host) && matchPath(url),
    rewrite: (req) => {
      if (route.stripPrefix && prefix !== undefined && prefix !== '/') {
        const rest = (req.url ?? '/').slice(prefix.length);
        req.url = rest.startsWith('/') ? rest : `/${rest}`;
      }
    },
  };
}

function noRoute(req: IncomingMessage): ProxyError {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  return new ProxyError(
    'PROXYTAPE_NO_ROUTE',
    `No route for ${method} ${url} (Host: ${req.headers.host ?? 'none'}). Add a route for this host or path prefix, or pass a fallback handler to createRouter().`,
    { method, url },
  );
}

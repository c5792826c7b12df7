/**
 * The console's HTTP application: guards, the API routes and the static assets.
 * @module
 */
import { Hono } from 'hono';
import type { ConsoleDeps, ConsoleEnv } from './context.js';
import { errorResponse, toErrorResponse } from './http-errors.js';
import { authRoutes } from './routes/auth.js';
import { operationRoutes } from './routes/operations.js';
import { readRoutes } from './routes/read.js';
import { baseGuard, sessionGuard } from './security/guard.js';
import type { StaticAssets } from './static-assets.js';

/** Builds the application (no socket: {@link createConsoleServer} serves it). */
export function consoleApp(deps: ConsoleDeps, assets: StaticAssets): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.use('*', baseGuard(deps));
  app.route('/api', authRoutes(deps));
  const api = new Hono<ConsoleEnv>();
  api.use('*', sessionGuard(deps));
  api.route('/', readRoutes(deps));
  api.route('/', operationRoutes(deps));
  api.all('*', (c) => errorResponse(c, 404, 'ZB_NOT_FOUND', 'no such API route'));
  api.onError((err, c) => toErrorResponse(c, err, deps.logger));
  app.route('/api', api);
  app.get('*', (c) => {
    const file = assets.files.get(c.req.path);
    if (file) {
      c.header('content-type', file.type);
      c.header('cache-control', 'no-cache');
      return c.body(new Uint8Array(file.body));
    }
    // Every other path is the single page (client-side views), never a file lookup.
    if (c.req.path.startsWith('/vendor/') || /\.[a-z0-9]+$/i.test(c.req.path))
      return errorResponse(c, 404, 'ZB_NOT_FOUND', 'not found');
    c.header('content-security-policy', assets.csp);
    c.header('x-frame-options', 'DENY');
    c.header('cache-control', 'no-store');
    return c.html(assets.page);
  });
  app.onError((err, c) => toErrorResponse(c, err, deps.logger));
  return app;
}

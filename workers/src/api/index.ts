import type { Hono } from 'hono';
import type { AppEnv } from '../deps.ts';

/** Register every /api/* operation. */
export function registerApi(_app: Hono<AppEnv>): void {}

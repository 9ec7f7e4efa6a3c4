// Operations: what an operator probes and scrapes. /healthz, /readyz and /metrics (routes.ts), the checks behind
// /readyz (readiness.ts, checks.ts) and the Prometheus registry (metrics.ts). Nothing here knows Bolt: the Slack
// wiring mounts the routes on its HTTP server, and bot.ts passes every dependency in.
export { cloudflareTokenCheck, slackTokenCheck, storeCheck } from './checks.js';
export { type BotMetrics, createMetrics, type Exposition, type SlackCallEvent } from './metrics.js';
export { type CheckResult, Readiness, type ReadinessCheck, type ReadinessReport } from './readiness.js';
export { createOperationsRoutes, type OperationsRoutes, type OperationsRoutesOptions } from './routes.js';

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { answerMalformedRequests, closeNow, listen } from '../http-lifecycle.js';
import { commandAnalysis } from './analysis.js';
import { createCommands, getQuota, listCommands, listDevices } from './api.js';
import { type ArtifactStore, downloadArtifact } from './downloads.js';
import type { EndpointName } from './endpoints.js';
import { failureEnvelope } from './envelope.js';
import { ErrorCode } from './errors.js';
import type { FaultInjector, GarbledResponseFault, SlowDownloadFault } from './faults.js';
import type { RateLimiter } from './rate-limit.js';
import { ApiFailure, type JsonReply, jsonReply, type Reply } from './reply.js';
import type { RequestLog } from './request-log.js';
import { matchRoute, type Route } from './routes.js';
import type { SimulatorState } from './state.js';

export const HOST = '127.0.0.1';
export const MAX_BODY_BYTES = 1024 * 1024;
const RATE_LIMITED_MESSAGE = 'Please wait and consider throttling your request speed';

export interface ServerDeps {
  state: SimulatorState;
  token: string;
  faults: FaultInjector;
  rateLimiter: RateLimiter;
  requestLog: RequestLog;
  artifacts: ArtifactStore;
}

/** One request in flight: what the send path needs to know about it. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  endpoint: EndpointName;
  query: Readonly<Record<string, string>>;
  /** Headers every answer to this request carries (rate-limit counters). */
  headers: Record<string, string>;
  setStatus(status: number): void;
}

const DROPPED = Symbol('dropped');

/** An answer replaced by the garbledResponse fault; `original` is what the handler said, when it ran. */
interface Garbled {
  kind: 'garbled';
  fault: GarbledResponseFault;
  original: Reply | null;
}

/**
 * The HTTP side: order of checks is route → auth → rate limit → account → faults → handler, so an unknown route is
 * a 404 for anyone, and a wrong account is indistinguishable from a missing permission.
 */
export class SimulatorServer {
  private readonly server: Server;
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;

  constructor(private readonly deps: ServerDeps) {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    answerMalformedRequests(this.server);
  }

  listen(port: number): Promise<number> {
    return listen(this.server, port, HOST);
  }

  /** Stops listening and ends every open socket at once (keep-alive, slow and streaming ones included). */
  close(): Promise<void> {
    if (!this.closed) {
      this.closing.abort();
      this.closed = closeNow(this.server);
    }
    return this.closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A client that vanishes mid-request must never surface as an unhandled 'error' event.
    req.on('error', () => {});
    res.on('error', () => {});
    const url = parseRequestUrl(req.url);
    const method = req.method ?? 'GET';
    const route = url ? matchRoute(method, url.pathname) : null;
    const query = url ? Object.fromEntries(url.searchParams) : {};
    const exchange: Exchange = {
      req,
      res,
      endpoint: route?.endpoint ?? 'other',
      query,
      headers: {},
      setStatus: this.deps.requestLog.record({
        method,
        path: url?.pathname ?? String(req.url),
        endpoint: route?.endpoint ?? 'other',
        query,
        at: this.deps.state.clock.now(),
      }),
    };
    try {
      const reply = await this.process(exchange, route);
      if (reply === DROPPED) dropConnection(exchange);
      else await this.send(exchange, reply);
    } catch (error) {
      // Only a bug gets here: answer if we still can (naming the cause, this is a dev tool), never crash.
      if (res.headersSent) res.destroy();
      else this.writeJson(exchange, failure(500, ErrorCode.internalError, `Internal server error: ${String(error)}`));
    }
  }

  private async process(exchange: Exchange, route: Route | null): Promise<Reply | Garbled | typeof DROPPED> {
    const { faults, rateLimiter, state, token } = this.deps;
    const { endpoint } = exchange;
    if (!route) return failure(404, ErrorCode.noRoute, 'No route for the URI');
    if (!this.authorized(exchange.req)) return failure(401, ErrorCode.authentication, 'Authentication error');
    const tripped = faults.take('rateLimit', endpoint);
    if (tripped) rateLimiter.block(token, tripped.retryAfterSeconds * 1000, tripped.format ?? 'seconds');
    const verdict = rateLimiter.check(token);
    Object.assign(exchange.headers, verdict.headers);
    if (verdict.blocked) return failure(429, ErrorCode.rateLimited, RATE_LIMITED_MESSAGE);
    if (route.accountId !== state.accountId) return failure(403, ErrorCode.authentication, 'Authentication error');
    if (faults.take('dropConnection', endpoint, (fault) => fault.when === 'before-processing')) return DROPPED;
    const garbledBefore = faults.take('garbledResponse', endpoint, (fault) => fault.when === 'before-processing');
    if (garbledBefore) return { kind: 'garbled', fault: garbledBefore, original: null };
    const serverError = faults.take('serverError', endpoint);
    if (serverError) {
      const status = serverError.status ?? 500;
      return failure(status, ErrorCode.internalError, `Simulated server error (${status})`);
    }
    let reply: Reply;
    try {
      reply = await this.dispatch(exchange, route);
    } catch (error) {
      if (!(error instanceof ApiFailure)) throw error;
      reply = error.toReply();
    }
    // 'after-processing': the request took effect (commands created, quota spent) but the answer never arrives.
    if (faults.take('dropConnection', endpoint, (fault) => fault.when === 'after-processing')) return DROPPED;
    const garbledAfter = faults.take('garbledResponse', endpoint, (fault) => fault.when === 'after-processing');
    if (garbledAfter) return { kind: 'garbled', fault: garbledAfter, original: reply };
    return reply;
  }

  private async dispatch(exchange: Exchange, route: Route): Promise<Reply> {
    const { state, artifacts, faults } = this.deps;
    switch (route.endpoint) {
      case 'create':
        return createCommands(state, await readBody(exchange.req));
      case 'list':
        return listCommands(state, exchange.query, () => faults.take('malformedListItems', 'list')?.kinds);
      case 'devices':
        return listDevices(state, exchange.query, () => faults.take('malformedListItems', 'devices')?.kinds);
      case 'quota':
        return getQuota(state);
      case 'download':
        return downloadArtifact(state, artifacts, route, exchange.req.headers);
      case 'analysis':
        return commandAnalysis(state, route);
    }
  }

  private async send(exchange: Exchange, reply: Reply | Garbled): Promise<void> {
    const { faults } = this.deps;
    const slow = faults.take('slow', exchange.endpoint);
    if (slow) await sleep(slow.delayMs, undefined, { signal: this.closing.signal }).catch(() => {});
    if (this.closing.signal.aborted) {
      exchange.res.destroy();
      return;
    }
    if (reply.kind === 'garbled') {
      this.sendGarbled(exchange, reply);
      return;
    }
    if (reply.kind === 'json') {
      const succeeded = reply.status >= 200 && reply.status < 300;
      if (succeeded && faults.take('malformedJson', exchange.endpoint)) {
        const fault: GarbledResponseFault = { body: 'truncated-json', when: 'after-processing' };
        this.sendGarbled(exchange, { kind: 'garbled', fault, original: reply });
      } else {
        this.writeJson(exchange, reply);
      }
      return;
    }
    const { res, req } = exchange;
    const headers = { ...this.commonHeaders(exchange), ...reply.headers };
    if (faults.take('chunkedDownload', 'download')) {
      // Node frames the body in chunks itself once the header says so.
      delete headers['content-length'];
      headers['transfer-encoding'] = 'chunked';
    }
    exchange.setStatus(reply.status);
    res.writeHead(reply.status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // A cut-off download and a slow one do not combine: the first armed wins.
    const drop = faults.take('dropDownload', 'download');
    const drip = drop ? undefined : faults.take('slowDownload', 'download');
    const body = reply.open();
    if (drop) await sendPrefixThenDrop(body, res, drop.afterBytes);
    else if (drip) await sendDripping(body, res, drip, this.closing.signal);
    else await pipeline(body, res).catch(() => {}); // a client that hangs up mid-download is normal
  }

  /** What a proxy or gateway might send instead of the API's answer (see GarbledResponseFault). */
  private sendGarbled(exchange: Exchange, { fault, original }: Garbled): void {
    const { res, req } = exchange;
    const status = fault.status ?? 200;
    exchange.setStatus(status);
    if (fault.body === 'html') {
      const page = htmlErrorPage(status, fault.echoHeaders ? req.rawHeaders : null);
      res.writeHead(status, {
        ...this.commonHeaders(exchange),
        'content-type': 'text/html; charset=utf-8',
        'content-length': String(Buffer.byteLength(page)),
      });
      res.end(page);
      return;
    }
    // Before processing there is no answer to cut: a gateway's own failure envelope stands in for it.
    const json =
      original?.kind === 'json'
        ? JSON.stringify(original.body)
        : JSON.stringify(failureEnvelope([{ code: ErrorCode.internalError, message: 'Simulated gateway error' }]));
    const half = Buffer.from(json).subarray(0, Math.max(1, Math.floor(Buffer.byteLength(json) / 2)));
    const promised = fault.body === 'cut-off' ? Buffer.byteLength(json) : half.length;
    res.writeHead(status, {
      ...this.commonHeaders(exchange),
      ...(original?.kind === 'json' ? original.headers : {}),
      'content-type': 'application/json',
      'content-length': String(promised),
    });
    if (fault.body === 'truncated-json') {
      res.end(half);
      return;
    }
    // Flush what was written, then tear the socket down before the promised length arrives.
    res.write(half, () => res.socket?.destroy());
  }

  private writeJson(exchange: Exchange, reply: JsonReply): void {
    this.writeText(exchange, reply.status, reply.headers ?? {}, JSON.stringify(reply.body));
  }

  private writeText(exchange: Exchange, status: number, headers: Record<string, string>, text: string): void {
    const { res } = exchange;
    exchange.setStatus(status);
    res.writeHead(status, {
      ...this.commonHeaders(exchange),
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }

  private commonHeaders(exchange: Exchange): Record<string, string> {
    return { 'cf-ray': `${randomBytes(8).toString('hex')}-SJC`, ...exchange.headers };
  }

  /** API tokens only (`Authorization: Bearer …`); the legacy X-Auth-Key pair is not accepted. */
  private authorized(req: IncomingMessage): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) return false;
    const presented = Buffer.from(match[1]);
    const expected = Buffer.from(this.deps.token);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }
}

function failure(status: number, code: number, message: string): JsonReply {
  return jsonReply(status, failureEnvelope([{ code, message }]));
}

function parseRequestUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', `http://${HOST}`);
  } catch {
    return null;
  }
}

/** Reads a JSON body up to 1 MB; a bigger one is refused with 413 and the connection closed. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const tooLarge = () =>
    new ApiFailure(
      413,
      [{ code: ErrorCode.bodyTooLarge, message: `Request body is larger than ${MAX_BODY_BYTES} bytes` }],
      { connection: 'close' },
    );
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    req.resume();
    throw tooLarge();
  }
  return await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Keep draining (so the 413 reaches the client) but stop keeping bytes.
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => (size > MAX_BODY_BYTES ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

function dropConnection(exchange: Exchange): void {
  exchange.setStatus(0);
  exchange.req.socket.destroy();
}

/** Sends the first `limit` bytes of the body, then kills the socket as a flaky network would. */
async function sendPrefixThenDrop(body: Readable, res: ServerResponse, limit: number): Promise<void> {
  res.flushHeaders();
  let sent = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const piece = chunk.subarray(0, limit - sent);
      sent += piece.length;
      if (piece.length > 0 && !res.write(piece)) await drainOrClose(res);
      if (sent >= limit) break;
    }
  } catch {
    // The client may already be gone; the socket is destroyed below either way.
  } finally {
    body.destroy();
    const socket = res.socket;
    // end() flushes what was written, then the socket is torn down before the promised Content-Length arrives.
    if (socket && !socket.destroyed) socket.end(() => socket.destroy());
  }
}

/**
 * Writes the body `bytesPerChunk` bytes at a time, `intervalMs` apart (real time). Stops as soon as the client goes
 * away or the server closes, so no timer or stream outlives the socket.
 */
async function sendDripping(
  body: Readable,
  res: ServerResponse,
  fault: SlowDownloadFault,
  closing: AbortSignal,
): Promise<void> {
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.once('close', onClose);
  const signal = AbortSignal.any([gone.signal, closing]);
  res.flushHeaders();
  let first = true;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      for (let offset = 0; offset < chunk.length; offset += fault.bytesPerChunk) {
        if (!first) await sleep(fault.intervalMs, undefined, { signal });
        first = false;
        if (signal.aborted) return;
        if (!res.write(chunk.subarray(offset, offset + fault.bytesPerChunk))) await drainOrClose(res);
      }
    }
    res.end();
  } catch {
    // Aborted: the client left (nothing to do) or the server is closing (the socket is being destroyed).
  } finally {
    body.destroy();
    res.off('close', onClose);
    if (!res.writableEnded) res.destroy();
  }
}

/** A gateway-style HTML error page; with `rawHeaders`, it lists every request header as some proxies do. */
function htmlErrorPage(status: number, rawHeaders: readonly string[] | null): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  const lines: string[] = [];
  for (let i = 0; rawHeaders && i + 1 < rawHeaders.length; i += 2) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  const echoed = lines.length > 0 ? `<pre>\n${lines.map(escapeHtml).join('\n')}\n</pre>\n` : '';
  return `<html><head><title>${title}</title></head><body>\n<h1>${title}</h1>\n${echoed}<p>simulated gateway</p>\n</body></html>\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

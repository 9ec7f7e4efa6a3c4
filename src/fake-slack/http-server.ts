import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { answerMalformedRequests, closeNow, listen } from '../http-lifecycle.js';
import { BadRequest, parseApiRequest, readBody } from './api-args.js';
import { SlackApiError } from './api-error.js';
import type { CallLog } from './call-log.js';
import type { Failures } from './failures.js';
import type { TokenType } from './method.js';
import { METHODS } from './methods.js';
import type { Services } from './services.js';
import type { JsonObject } from './types.js';
import { receiveUpload } from './upload.js';

export const HOST = '127.0.0.1';

export interface ServerDeps {
  services: Services;
  tokens: Record<TokenType, string>;
  log: CallLog;
  failures: Failures;
  /** A WebSocket upgrade on `/link/` (Socket Mode). */
  onLinkUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

interface Answer {
  status: number;
  body: JsonObject | string;
  headers?: Record<string, string>;
}

/** The fake's one HTTP server: `/api/<method>`, `/upload/<file_id>`, `/respond/<id>`, and the `/link/` upgrade. */
export class FakeSlackServer {
  private readonly server: Server;
  private closed: Promise<void> | undefined;

  constructor(private readonly deps: ServerDeps) {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => {});
      if (pathOf(req).startsWith('/link/')) this.deps.onLinkUpgrade(req, socket, head);
      else socket.destroy();
    });
    answerMalformedRequests(this.server);
  }

  listen(port: number): Promise<number> {
    return listen(this.server, port, HOST);
  }

  close(): Promise<void> {
    this.closed ??= closeNow(this.server);
    return this.closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A client that vanishes mid-request must never surface as an unhandled 'error' event.
    req.on('error', () => {});
    res.on('error', () => {});
    const path = pathOf(req);
    let answer: Answer;
    try {
      if (req.method !== 'POST') answer = await notFound(req);
      else if (path.startsWith('/api/')) answer = await this.api(req, decodeURIComponent(path.slice('/api/'.length)));
      else if (path.startsWith('/upload/')) answer = await this.upload(req, path.slice('/upload/'.length));
      else if (path.startsWith('/respond/')) answer = await this.respond(req, path.slice('/respond/'.length));
      else answer = await notFound(req);
    } catch (error) {
      // Only a bug in the fake gets here: say so loudly to the test instead of hanging it.
      answer = { status: 500, body: { ok: false, error: 'fake_slack_bug', detail: String(error) } };
    }
    send(res, answer);
  }

  private async api(req: IncomingMessage, method: string): Promise<Answer> {
    const { log, failures, services, tokens } = this.deps;
    const at = new Date();
    let request: ReturnType<typeof parseApiRequest>;
    try {
      request = parseApiRequest(req.headers['content-type'], await readBody(req), req.headers.authorization);
    } catch (error) {
      if (!(error instanceof BadRequest) && !(error instanceof SyntaxError)) throw error;
      return this.recorded({ method, args: {}, token: undefined, at }, new SlackApiError('invalid_form_data'));
    }
    const call = { method, args: request.args, token: request.token, at };
    const target = METHODS[method];
    // Slack's answer to an unknown method comes before any auth check.
    if (!target) return this.recorded(call, new SlackApiError('unknown_method', {}, 404));
    if (request.token === undefined) return this.recorded(call, new SlackApiError('not_authed'));
    const kind = request.token === tokens.bot ? 'bot' : request.token === tokens.app ? 'app' : undefined;
    if (kind === undefined) return this.recorded(call, new SlackApiError('invalid_auth'));
    if (kind !== target.token) return this.recorded(call, new SlackApiError('not_allowed_token_type'));
    // "Passing it as a POST parameter will result in an error" (apps.connections.open docs).
    if (kind === 'app' && request.tokenInBody) return this.recorded(call, new SlackApiError('invalid_auth'));
    const failure = failures.take(method);
    const hang = () => new Promise((resolve) => setTimeout(resolve, failure?.delayMs ?? 0));
    if (failure && !failure.afterProcessing) {
      if (failure.delayMs) await hang();
      return this.recorded(call, failure.error, failure.headers);
    }
    try {
      const body = target.handle(request.args, services);
      if (failure) {
        // Done, and then the answer is lost (after hanging, with a delay): the caller sees the failure although the
        // call took effect, and the effect is visible while the answer hangs.
        if (failure.delayMs) await hang();
        return this.recorded(call, failure.error, failure.headers);
      }
      log.record({ ...call, status: 200, ok: true });
      return { status: 200, body };
    } catch (error) {
      if (error instanceof SlackApiError) return this.recorded(call, error);
      throw error;
    }
  }

  private async upload(req: IncomingMessage, fileId: string): Promise<Answer> {
    const { log, failures, services } = this.deps;
    const at = new Date();
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const record = (status: number, args: JsonObject, error?: string) =>
      log.record({
        method: 'upload',
        args: { file_id: fileId, ...args },
        token,
        at,
        status,
        ok: status === 200,
        ...(error !== undefined && { error }),
      });
    const file = services.files.find(fileId);
    if (!file) {
      record(404, {}, 'file_not_found');
      return notFound(req);
    }
    const failure = failures.take('upload');
    if (failure) {
      await drain(req);
      record(failure.error.status, {}, failure.error.error);
      return { status: failure.error.status, body: failure.error.body(), headers: failure.headers };
    }
    if (file.completed) {
      await drain(req);
      record(400, {}, 'already_completed');
      return { status: 400, body: 'Bad Request - file already completed' };
    }
    let received: Awaited<ReturnType<typeof receiveUpload>>;
    try {
      received = await receiveUpload(req, file.declaredLength);
    } catch (error) {
      record(400, {}, 'bad_multipart');
      return { status: 400, body: `Bad Request - ${error instanceof Error ? error.message : String(error)}` };
    }
    const good = services.files.recordUpload(file, received);
    const args = { bytes: received.bytes, declared_length: file.declaredLength, encoding: received.encoding };
    if (!good) {
      record(400, args, 'length_mismatch');
      return { status: 400, body: `Bad Request - received ${received.bytes} bytes, declared ${file.declaredLength}` };
    }
    record(200, args);
    return { status: 200, body: `OK - ${received.bytes}` };
  }

  private async respond(req: IncomingMessage, id: string): Promise<Answer> {
    const { log, failures, services } = this.deps;
    const at = new Date();
    let body: unknown;
    try {
      const raw = (await readBody(req)).toString('utf8');
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      log.record({
        method: 'respond',
        args: { id },
        token: undefined,
        at,
        status: 400,
        ok: false,
        error: 'invalid_json',
      });
      return { status: 400, body: { ok: false, error: 'invalid_json' } };
    }
    const args = { id, ...(typeof body === 'object' && body !== null ? (body as JsonObject) : {}) };
    const failure = failures.take('respond');
    if (failure) {
      log.record({
        method: 'respond',
        args,
        token: undefined,
        at,
        status: failure.error.status,
        ok: false,
        error: failure.error.error,
      });
      return { status: failure.error.status, body: failure.error.body(), headers: failure.headers };
    }
    const outcome = services.responses.handle(id, body);
    const error = outcome.body.ok === true ? undefined : String(outcome.body.error);
    log.record({
      method: 'respond',
      args,
      token: undefined,
      at,
      status: outcome.status,
      ok: error === undefined,
      ...(error !== undefined && { error }),
    });
    return outcome;
  }

  private recorded(
    call: { method: string; args: JsonObject; token: string | undefined; at: Date },
    error: SlackApiError,
    headers?: Record<string, string>,
  ): Answer {
    this.deps.log.record({ ...call, status: error.status, ok: false, error: error.error });
    return { status: error.status, body: error.body(), ...(headers && { headers }) };
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Reads and discards a body, so a refused client sees the answer instead of a reset. */
async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}

async function notFound(req: IncomingMessage): Promise<Answer> {
  await drain(req);
  return { status: 404, body: 'Not Found' };
}

function send(res: ServerResponse, answer: Answer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const isJson = typeof answer.body !== 'string';
  const text = isJson ? JSON.stringify(answer.body) : (answer.body as string);
  res.writeHead(answer.status, {
    'content-type': isJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}

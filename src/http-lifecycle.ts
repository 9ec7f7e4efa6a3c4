import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// Starting and stopping the project's HTTP servers (the bot's, the simulator's, the Slack stand-in's) the same way.

/** Listens and resolves with the port (so port 0 works); rejects when the port cannot be had. */
export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops listening and ends every open socket at once, keep-alive, slow and streaming ones included. */
export function closeNow(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A request that is not HTTP gets a 400 and a closed socket instead of an 'error' event. */
export function answerMalformedRequests(server: Server): void {
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
}

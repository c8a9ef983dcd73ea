import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

export interface FrontProxy {
  /** The public URL: Twilio (the simulator) and admin scripts talk to this, as to Fly's proxy. */
  readonly url: string;
  /** Adds a web process's port to the rotation (again after a restart: the port is kept). */
  add(port: number): void;
  /** Takes a port out of the rotation (a process being stopped on purpose). */
  remove(port: number): void;
  close(): Promise<void>;
}

/**
 * The platform's load balancer in front of the web processes, as Fly's proxy is in production:
 * round-robin over the web processes; a request that cannot reach one (connection refused) goes
 * to the next; a request a process took and died holding answers 502, since it may have been
 * acted on. No web process reachable: 502. By default a connection per request, so "refused" is
 * never confused with a pooled connection that went stale (the fault drills kill web processes).
 * With `keepAlive` (the benchmarks, where no process dies), connections to the web processes are
 * pooled, as a production proxy's are: a new loopback connection per delivery report cost the
 * simulator, the proxy and the web process more than the report itself.
 */
export async function startFrontProxy(options: { keepAlive?: boolean } = {}): Promise<FrontProxy> {
  const ports: number[] = [];
  let next = 0;
  const agent = options.keepAlive ? new Agent({ keepAlive: true, maxSockets: 64 }) : false;

  const forward = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const candidates = ports.length === 0 ? [] : ports.map((_, i) => ports[(next + i) % ports.length]!);
    next = (next + 1) % Math.max(1, ports.length);
    for (const port of candidates) {
      const outcome = await tryBackend(port, incoming, body, outgoing, agent);
      if (outcome !== 'unreachable') return;
    }
    if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' }).end('no web process reachable');
  };

  const server = createServer((incoming, outgoing) => {
    forward(incoming, outgoing).catch(() => {
      if (!outgoing.headersSent) outgoing.writeHead(502).end();
      else outgoing.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}`,
    add: (p) => {
      if (!ports.includes(p)) ports.push(p);
    },
    remove: (p) => {
      const at = ports.indexOf(p);
      if (at >= 0) ports.splice(at, 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        if (agent) agent.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends one request to one backend; 'unreachable' means it never got there and another may take it. */
function tryBackend(port: number, incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse, agent: Agent | false): Promise<'answered' | 'unreachable' | 'failed'> {
  return new Promise((resolve) => {
    const upstream = httpRequest(
      { host: '127.0.0.1', port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, connection: agent ? 'keep-alive' : 'close', 'content-length': String(body.length) }, agent },
      (response) => {
        // Hop-by-hop: how this proxy talks to the web process is not how its client talks to it.
        const { connection: _connection, 'keep-alive': _keepAlive, ...headers } = response.headers;
        outgoing.writeHead(response.statusCode ?? 502, headers);
        response.pipe(outgoing);
        response.on('end', () => resolve('answered'));
        response.on('error', () => {
          outgoing.destroy();
          resolve('failed');
        });
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') return resolve('unreachable');
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' }).end(`web process failed: ${error.code ?? error.message}`);
      else outgoing.destroy();
      resolve('failed');
    });
    upstream.end(body);
  });
}

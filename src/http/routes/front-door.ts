import type { FastifyPluginAsync } from 'fastify';

/** A bell on an amber disc: the service's icon, in the browser tab and the API docs. */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#f5a524"/><path d="M32 14c-8 0-13 6-13 14v9l-5 6v3h36v-3l-5-6v-9c0-8-5-14-13-14z" fill="#1d232b"/><circle cx="32" cy="51" r="5" fill="#1d232b"/></svg>`;

export interface FrontDoorOptions {
  /** Where the phone simulator's page is, when `npm run dev` runs one. */
  simPageUrl?: string;
  /** `npm run dev` only: the admin token, so the page can show a first request to try. */
  devAdminToken?: string;
  publicBaseUrl: string;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The front door's HTML: what this is and where everything a newcomer looks for lives. */
export function frontDoorHtml(options: FrontDoorOptions): string {
  const links: Array<[href: string, label: string, what: string]> = [
    ['/docs', 'API reference', 'the admin API, with examples; try requests from the page'],
    ['/openapi.json', 'OpenAPI 3.1 document', 'generate a client from it'],
    ...(options.simPageUrl ? ([['/sim', 'Phones', 'the Twilio simulator: call or text the standby numbers, answer pages']] as Array<[string, string, string]>) : []),
    ['/healthz', 'Health', 'the process is up'],
    ['/readyz', 'Readiness', 'which of Postgres and Redis answers'],
    ['/metrics', 'Metrics', 'Prometheus: overdue steps and sends, reconciler lag, webhook latency'],
  ];
  const items = links.map(([href, label, what]) => `<li><a href="${href}">${escape(label)}</a> <span>${escape(what)}</span></li>`).join('\n      ');
  const tryIt = options.devAdminToken
    ? `<h2>Try the API</h2>
    <pre>curl -H 'Authorization: Bearer ${escape(options.devAdminToken)}' ${escape(options.publicBaseUrl)}/api/v1/incidents</pre>
    <p>That is the development token (<code>ADMIN_API_TOKEN</code>); paste it into <em>Authorize</em> on the API reference.</p>`
    : `<p>The admin API takes <code>Authorization: Bearer &lt;token&gt;</code>: the <code>ADMIN_API_TOKEN</code> this service was started with, or a token made with <code>POST /api/v1/api-tokens</code>.</p>`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Standby</title>
    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
    <style>
      body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1d232b; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
      h1 { display: flex; align-items: center; gap: 0.6rem; margin-bottom: 0.2rem; }
      h1 img { width: 2rem; height: 2rem; }
      ul { padding-left: 1.2rem; }
      li span { color: #667085; }
      pre { background: #f4f5f7; padding: 0.6rem; border-radius: 6px; overflow-x: auto; }
      code { background: #f4f5f7; padding: 0 0.2rem; border-radius: 3px; }
    </style>
  </head>
  <body>
    <h1><img src="/favicon.svg" alt="" />Standby</h1>
    <p>24x7 on-call standby paging: customers call or text a standby number when an integration built for them is down; the service checks their support policy, opens an incident and pages the on-call engineer until someone acknowledges.</p>
    <ul>
      ${items}
    </ul>
    ${tryIt}
    <p>Twilio calls <code>POST /twilio/voice</code> and <code>POST /twilio/sms</code> on this address.</p>
  </body>
</html>
`;
}

/** `GET /`: a small page linking the API docs, the phones (in dev) and health; and the favicon. */
export const frontDoorRoutes = (options: FrontDoorOptions): FastifyPluginAsync => async (app) => {
  const html = frontDoorHtml(options);
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
  for (const path of ['/favicon.svg', '/favicon.ico']) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) => reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(FAVICON_SVG));
  }
};

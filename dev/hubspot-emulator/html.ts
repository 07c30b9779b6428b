import type { Reply, RequestContext } from './http/context'
import { header } from './http/context'

/** The emulator's few browser pages (consent, settings, errors): plain HTML forms, everything escaped. */

export const esc = (s: string | number): string =>
  String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

const STYLE = `body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#213343}
header{color:#516f90;font-size:.85rem;margin-bottom:1rem}h1{font-size:1.4rem}code{background:#f5f8fa;padding:0 .25rem}
button{padding:.5rem 1rem;margin-right:.5rem;border-radius:3px;border:1px solid #ff7a59;background:#ff7a59;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#ff7a59}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dfe3eb;padding:.4rem;text-align:left;vertical-align:top}
.error{border-left:4px solid #f2545b;padding:.5rem 1rem;background:#fde8e9}.ok{border-left:4px solid #00bda5;padding:.5rem 1rem;background:#e5f8f6}`

/** `body` must already be escaped HTML. */
export const htmlPage = (status: number, title: string, body: string, headers: Record<string, string> = {}): Reply => ({
  status,
  raw: {
    contentType: 'text/html; charset=utf-8',
    body: Buffer.from(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>` +
        `<body><header>HubSpot (emulator on 127.0.0.1)</header><h1>${esc(title)}</h1>${body}</body></html>`
    ),
  },
  headers: { 'Cache-Control': 'no-store', 'X-Frame-Options': 'DENY', ...headers },
})

export const errorPage = (status: number, title: string, message: string): Reply => htmlPage(status, title, `<p class="error">${esc(message)}</p>`)

export const redirect = (location: string): Reply => ({ status: 302, headers: { Location: location, 'Cache-Control': 'no-store' } })

/** Fields of an HTML form post (or the query string when the body has none). */
export const formFields = (ctx: RequestContext): URLSearchParams =>
  /application\/x-www-form-urlencoded/i.test(header(ctx, 'content-type') ?? '')
    ? new URLSearchParams(ctx.body.toString('utf8'))
    : new URLSearchParams()

export const wantsJson = (ctx: RequestContext): boolean => /application\/json/i.test(header(ctx, 'content-type') ?? '')

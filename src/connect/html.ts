/** What the webhook handler returns to the runtime. */
export type Reply = { status: number; body?: string; headers?: Record<string, string> }

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export const escapeHtml = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)

/**
 * Headers on every page: nothing may frame it, load scripts or leak its URL to another site; nothing is cached
 * (the setup page shows account details to one browser).
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  // Not no-referrer: under it browsers send `Origin: null` with the setup form's POST, which the
  // cross-site check must refuse. same-origin still sends nothing (URL, code, state) to other sites.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
}

/** A trusted HTML fragment: built only by `html` below, whose interpolations are escaped. */
export class SafeHtml {
  public constructor(public readonly value: string) {}
}

const render = (v: unknown): string => {
  if (v instanceof SafeHtml) return v.value
  if (Array.isArray(v)) return v.map(render).join('')
  if (v === undefined || v === null || v === false) return ''
  return escapeHtml(v)
}

/** Template tag: every interpolated value is escaped unless it is already SafeHtml. */
export const html = (strings: TemplateStringsArray, ...values: unknown[]): SafeHtml =>
  new SafeHtml(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]) : ''), ''))

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1f2933}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dde;padding:.3rem .5rem;text-align:left}
.ok{color:#1a7f37}.warn{color:#9a6700}.err{color:#b42318}button,.button{font:inherit;padding:.4rem 1rem;background:#ff7a59;color:#fff;border:0;border-radius:4px;text-decoration:none}`

export const page = (args: { status: number; title: string; body: SafeHtml; headers?: Record<string, string>; refreshSeconds?: number }): Reply => ({
  status: args.status,
  headers: { ...PAGE_HEADERS, ...args.headers },
  body: html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${args.refreshSeconds ? html`<meta http-equiv="refresh" content="${args.refreshSeconds}">` : ''}
<title>${args.title}</title><style>${new SafeHtml(STYLE)}</style></head>
<body><h1>${args.title}</h1>
${args.body}
</body></html>`.value,
})

/** A short page for errors and refusals: the message says what to do next. */
export const messagePage = (status: number, title: string, message: string, extra?: SafeHtml): Reply =>
  page({ status, title, body: html`<p>${message}</p>${extra ?? ''}` })

/** 302/303 with the page headers (no-store, no referrer), and optionally one cookie. */
export const redirect = (status: 302 | 303, location: string, cookie?: string): Reply => ({
  status,
  headers: { ...PAGE_HEADERS, location, ...(cookie ? { 'set-cookie': cookie } : {}) },
  body: '',
})

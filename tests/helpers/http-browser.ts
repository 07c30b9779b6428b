/**
 * A browser made of plain HTTP requests, for walking Connect step by step: it never follows a
 * redirect by itself (each hop is a step to look at), and keeps cookies the way a browser does:
 * per origin, path and name, sent back to URLs under the cookie's path (more specific paths first),
 * dropped on `Max-Age=0` for the same path.
 */
export type Page = { status: number; location?: string; text: string }

export type HttpBrowser = {
  browse(url: string, init?: { method?: string; form?: URLSearchParams; origin?: string }): Promise<Page>
  /** Every page body seen, oldest first (to check no secret ever showed). */
  pages: string[]
  /** How many cookies this browser holds. */
  cookieCount(): number
}

type Cookie = { origin: string; name: string; value: string; path: string }

export const createHttpBrowser = (): HttpBrowser => {
  const jar = new Map<string, Cookie>()
  const pages: string[] = []
  // As a browser keys them: a cookie of the same name under another path is another cookie.
  const keyOf = (origin: string, path: string, name: string) => `${origin} ${path} ${name}`

  const remember = (res: Response, origin: string) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim())
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/'
      const maxAge = attrs.find((a) => a.toLowerCase().startsWith('max-age='))
      if (maxAge && Number(maxAge.slice(8)) <= 0) jar.delete(keyOf(origin, path, name))
      else jar.set(keyOf(origin, path, name), { origin, name, value: pair.slice(eq + 1), path })
    }
  }
  const cookieFor = (url: URL): string | undefined => {
    const pairs = [...jar.values()]
      .filter((c) => c.origin === url.origin && (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`)
    return pairs.length ? pairs.join('; ') : undefined
  }

  return {
    pages,
    cookieCount: () => jar.size,
    browse: async (url, init = {}) => {
      const target = new URL(url)
      const headers: Record<string, string> = { accept: 'text/html' }
      const cookie = cookieFor(target)
      if (cookie) headers.cookie = cookie
      if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded'
      if (init.origin) headers.origin = init.origin
      const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.form?.toString(), redirect: 'manual' })
      remember(res, target.origin)
      const text = await res.text()
      pages.push(text)
      const location = res.headers.get('location') ?? undefined
      return { status: res.status, text, ...(location ? { location: new URL(location, url).toString() } : {}) }
    },
  }
}

/** The value of a hidden form field in a page (HTML-escaped ampersands undone). */
export const hiddenField = (html: string, name: string): string => {
  const m = new RegExp(`name="${name}" value="([^"]+)"`).exec(html)
  if (!m?.[1]) throw new Error(`no hidden field ${name} in the page`)
  return m[1].replace(/&amp;/g, '&')
}

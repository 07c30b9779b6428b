/**
 * A tiny document model rendered two ways: plain `text` and the HTML subset HubSpot's composer
 * shows in `richText`. Every string that reaches HTML goes through `escapeHtml`.
 */
export type Link = { link: string; label?: string }
export type Inline = string | Link | { bold: string }
export type Block = { line: Inline[] } | { list: Inline[][] }

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)

/** Only http(s) may become an href: `javascript:`, `data:` and friends stay inert text. */
export const isHttpUrl = (url: string): boolean => {
  if (!/^https?:\/\//i.test(url)) return false
  try {
    new URL(url)
    return true
  } catch {
    return false
  }
}

const textHtml = (s: string): string => escapeHtml(s).replace(/\r\n|\r|\n/g, '<br>')

const linkText = ({ link, label }: Link): string => (label && label !== link ? `${label} (${link})` : link)

const linkHtml = (l: Link): string =>
  isHttpUrl(l.link) ? `<a href="${escapeHtml(l.link)}">${textHtml(l.label || l.link)}</a>` : textHtml(linkText(l))

export const inlineText = (parts: Inline[]): string => parts.map((p) => (typeof p === 'string' ? p : 'bold' in p ? p.bold : linkText(p))).join('')

export const inlineHtml = (parts: Inline[]): string =>
  parts.map((p) => (typeof p === 'string' ? textHtml(p) : 'bold' in p ? `<b>${textHtml(p.bold)}</b>` : linkHtml(p))).join('')

export const blocksText = (blocks: Block[]): string =>
  blocks.map((b) => ('line' in b ? inlineText(b.line) : b.list.map((item) => `- ${inlineText(item)}`).join('\n'))).join('\n')

/** `lead` (already HTML) opens the first line, e.g. the speaker's name. */
export const blocksHtml = (blocks: Block[], lead = ''): string => {
  const html = blocks.map((b, i) =>
    'line' in b
      ? `<p>${i === 0 ? lead : ''}${inlineHtml(b.line)}</p>`
      : `${i === 0 && lead ? `<p>${lead}</p>` : ''}<ul>${b.list.map((item) => `<li>${inlineHtml(item)}</li>`).join('')}</ul>`
  )
  return html.join('') || (lead ? `<p>${lead}</p>` : '')
}

/** Shortens to at most `max` UTF-16 units, ending in an ellipsis, never splitting a surrogate pair. */
export const clip = (s: string, max: number): string => {
  if (s.length <= max) return s
  if (max <= 0) return ''
  let cut = max - 1
  const code = s.charCodeAt(cut - 1)
  if (code >= 0xd800 && code <= 0xdbff) cut--
  return `${s.slice(0, cut).trimEnd()}…`
}

/** The longest clip of `s` that `fits` accepts; '' when not even that fits. */
export const clipToFit = (s: string, fits: (candidate: string) => boolean): string => {
  if (fits(s)) return s
  let lo = 0
  let hi = s.length - 1
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (fits(clip(s, mid))) lo = mid
    else hi = mid - 1
  }
  const best = clip(s, lo)
  return fits(best) ? best : ''
}

export type LocationPayload = { latitude: number; longitude: number; address?: string; title?: string }

export const mapsUrl = (latitude: number, longitude: number): string => `https://www.google.com/maps?q=${latitude},${longitude}`

export const locationInline = (loc: LocationPayload): Inline[] => {
  const name = [loc.title, loc.address].filter((s) => s && s.trim()).join(', ')
  const coords = `${loc.latitude}, ${loc.longitude}`
  const parts: Inline[] = ['Location: ', name ? `${name} (${coords})` : coords]
  if (Number.isFinite(loc.latitude) && Number.isFinite(loc.longitude)) {
    parts.push(' — ', { link: mapsUrl(loc.latitude, loc.longitude) })
  }
  return parts
}

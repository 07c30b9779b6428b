/**
 * HubSpot agent `richText` → the markdown-ish text Botpress channels show. A small forgiving
 * tokenizer rather than an HTML parser dependency: it only needs tags, attributes and entities,
 * and it must never throw on whatever the composer (or a paste) produces.
 */

const NAMED_ENTITIES = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', '\u00a0'],
  ['hellip', '…'],
  ['mdash', '—'],
  ['ndash', '–'],
  ['lsquo', '‘'],
  ['rsquo', '’'],
  ['ldquo', '“'],
  ['rdquo', '”'],
  ['copy', '©'],
  ['reg', '®'],
  ['trade', '™'],
  ['euro', '€'],
  ['bull', '•'],
])

export const decodeEntities = (s: string): string =>
  s.replace(/&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});/g, (match, body: string) => {
    if (body[0] !== '#') return NAMED_ENTITIES.get(body) ?? match
    const hex = body[1] === 'x' || body[1] === 'X'
    const cp = parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10)
    return cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? '\ufffd' : String.fromCodePoint(cp)
  })

const BLOCK_TAGS = new Set([
  'p',
  'div',
  'section',
  'article',
  'header',
  'footer',
  'blockquote',
  'pre',
  'table',
  'tr',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
])
const DROPPED_CONTENT = new Set(['script', 'style', 'template'])
const EMPHASIS = new Map([
  ['b', '**'],
  ['strong', '**'],
  ['i', '_'],
  ['em', '_'],
])
const SAFE_HREF = /^(https?:|mailto:)/i
const TAG_START = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)/y
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g

/** Deeper nesting is flattened: indentation would otherwise grow quadratically with depth. */
const MAX_INDENT = 8

type Frame = { tag: string; out: string; href?: string }

/** Index of the `>` closing a tag, ignoring any inside quoted attribute values; -1 if none. */
const tagEnd = (html: string, from: number): number => {
  let quote = ''
  let afterEquals = false
  for (let i = from; i < html.length; i++) {
    const c = html[i]!
    if (quote) {
      if (c === quote) quote = ''
    } else if (c === '>') return i
    else if ((c === '"' || c === "'") && afterEquals) quote = c
    else if (c === '=') afterEquals = true
    else if (!/\s/.test(c)) afterEquals = false
  }
  return -1
}

const attribute = (attrs: string, name: string): string | undefined => {
  for (const m of attrs.matchAll(ATTRIBUTE)) {
    if (m[1]!.toLowerCase() === name) return decodeEntities(m[2] ?? m[3] ?? m[4] ?? '').trim()
  }
  return undefined
}

const markdownLink = (label: string, href: string): string => {
  const plainHref = href.replace(/^mailto:/i, '')
  if (!label || label === href || label === plainHref) return plainHref
  return `[${label.replace(/([[\]])/g, '\\$1')}](${href.replace(/ /g, '%20').replace(/\)/g, '%29')})`
}

export function htmlToMarkdownText(html: string): string {
  if (typeof html !== 'string') return ''
  const stack: Frame[] = [{ tag: '', out: '' }]
  let listDepth = 0
  // What the current output line holds so far: nothing, only a list bullet, or text.
  let line: 'empty' | 'bullet' | 'text' = 'empty'
  let lastChar = ''
  const emit = (s: string) => {
    if (!s) return
    stack[stack.length - 1]!.out += s
    line = s.endsWith('\n') ? 'empty' : 'text'
    lastChar = s.slice(-1)
  }
  const lineStart = (beforeBullet = false) => {
    if (line === 'text' || (beforeBullet && line === 'bullet')) emit('\n')
  }

  const text = (raw: string) => {
    let s = decodeEntities(raw.replace(/[ \t\n\r\f]+/g, ' '))
    if (s.startsWith(' ') && (line === 'empty' || lastChar === ' ')) s = s.slice(1)
    emit(s)
  }

  const close = (frame: Frame) => {
    const content = frame.out
    const core = content.trim()
    const lead = content.slice(0, content.length - content.trimStart().length)
    const trail = content.slice(content.trimEnd().length)
    let rendered = content
    const marker = EMPHASIS.get(frame.tag)
    if (marker && core && !stack.some((f) => EMPHASIS.get(f.tag) === marker)) rendered = `${lead}${marker}${core}${marker}${trail}`
    if (frame.tag === 'a' && frame.href && SAFE_HREF.test(frame.href)) {
      rendered = `${lead}${markdownLink(core.replace(/\s+/g, ' '), frame.href)}${trail}`
    }
    emit(rendered)
  }

  const closeTag = (tag: string) => {
    const index = stack.map((f) => f.tag).lastIndexOf(tag)
    if (index <= 0) return
    while (stack.length > index) close(stack.pop()!)
  }

  const openTag = (tag: string, attrs: string) => {
    if (EMPHASIS.has(tag) || tag === 'a') {
      if (tag === 'a') closeTag('a') // links cannot nest: a new <a> ends the open one, as in browsers
      stack.push({ tag, out: '', href: tag === 'a' ? attribute(attrs, 'href') : undefined })
    } else if (tag === 'br') {
      emit('\n')
    } else if (tag === 'ul' || tag === 'ol') {
      lineStart()
      listDepth++
    } else if (tag === 'li') {
      lineStart(true)
      emit(`${'  '.repeat(Math.min(Math.max(0, listDepth - 1), MAX_INDENT))}- `)
      line = 'bullet'
    } else if (tag === 'td' || tag === 'th') {
      emit(' ')
    } else if (tag === 'img') {
      const src = attribute(attrs, 'src') ?? ''
      if (/^https?:/i.test(src)) emit(markdownLink(attribute(attrs, 'alt') ?? '', src))
    } else if (BLOCK_TAGS.has(tag)) {
      lineStart()
    }
  }

  const endTag = (tag: string) => {
    if (EMPHASIS.has(tag) || tag === 'a') closeTag(tag)
    else if (tag === 'ul' || tag === 'ol') listDepth = Math.max(0, listDepth - 1)
    if (tag === 'ul' || tag === 'ol' || tag === 'li' || BLOCK_TAGS.has(tag)) lineStart()
  }

  let i = 0
  while (i < html.length) {
    const lt = html.indexOf('<', i)
    if (lt < 0) {
      text(html.slice(i))
      break
    }
    if (lt > i) text(html.slice(i, lt))
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4)
      i = end < 0 ? html.length : end + 3
      continue
    }
    TAG_START.lastIndex = lt
    const m = TAG_START.exec(html)
    if (!m) {
      const special = html[lt + 1] === '!' || html[lt + 1] === '?' || html[lt + 1] === '/'
      if (!special) text('<')
      const end = special ? html.indexOf('>', lt) : lt
      i = end < 0 ? html.length : end + 1
      continue
    }
    const end = tagEnd(html, TAG_START.lastIndex)
    if (end < 0) break // an unfinished tag at the end is dropped, as browsers do
    const tag = m[2]!.toLowerCase()
    i = end + 1
    if (m[1]) endTag(tag)
    else if (DROPPED_CONTENT.has(tag)) {
      const closing = new RegExp(`</${tag}[\\s/>]`, 'ig')
      closing.lastIndex = i
      const found = closing.exec(html)
      const after = found ? html.indexOf('>', found.index) : -1
      i = after < 0 ? html.length : after + 1
    } else openTag(tag, html.slice(TAG_START.lastIndex, end))
  }
  while (stack.length > 1) close(stack.pop()!)

  return stack[0]!.out
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}

/** Prefers richText (it keeps links) when it yields any text; falls back to the plain text. */
export function agentMessageText(message: { text?: string | null; richText?: string | null }): string {
  const fromHtml = typeof message.richText === 'string' ? htmlToMarkdownText(message.richText) : ''
  if (fromHtml) return fromHtml
  return typeof message.text === 'string' ? message.text.trim() : ''
}

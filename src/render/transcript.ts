import { blocksHtml, blocksText, clip, clipToFit, escapeHtml, inlineHtml } from './common'
import { historyBlocks, type HistoryElement } from './history-blocks'

export type TranscriptInput = {
  title?: string
  description?: string
  userName?: string
  history: HistoryElement[]
  /** What the end user gave as their contact when it was unusable (not an email or phone). */
  typedContact?: string
  /** Applies to `text` and `richText` separately; defaults to TRANSCRIPT_MAX_CHARS. */
  maxTextLength?: number
}

/**
 * Neither the Custom Channels nor the Conversations v3 OpenAPI spec gives `text` or `richText` a
 * maxLength, yet HubSpot messages carry a `truncationStatus`, so some unpublished server-side cut
 * exists. 20,000 keeps dozens of turns while staying far below any plausible cap; it counts UTF-16
 * units, which over-counts characters, and richText (tags + escapes) is held to the same bound.
 */
export const TRANSCRIPT_MAX_CHARS = 20_000
/** Below this the fixed heading, section title and omission note leave no room for a message. */
export const TRANSCRIPT_MIN_CHARS = 300

const DEFAULT_TITLE = 'Conversation escalated from the bot'
const MAX_NAME_CHARS = 100

type Rendered = { text: string; html: string }
type Entry = Rendered & { who: string; plain: string }

const NONE: Rendered = { text: '', html: '' }
const SECTION: Rendered = { text: '\n\nConversation so far:', html: '<p><b>Conversation so far</b></p>' }
const NO_HISTORY: Rendered = {
  text: '\n\nThere was no prior conversation with the bot.',
  html: '<p><i>There was no prior conversation with the bot.</i></p>',
}

const omittedNote = (n: number): Rendered => {
  if (n === 0) return NONE
  const note = `… ${n} earlier message${n === 1 ? '' : 's'} omitted …`
  return { text: `\n${note}`, html: `<p><i>${note}</i></p>` }
}

const within = (r: Rendered, textBudget: number, htmlBudget = textBudget): boolean => r.text.length <= textBudget && r.html.length <= htmlBudget

/** Title gets at most half of the header budget so a long title cannot starve the description. */
const renderHeader = (title: string, description: string, budget: number): Rendered => {
  const heading = (t: string): Rendered => ({ text: t, html: `<p>${inlineHtml([{ bold: t }])}</p>` })
  const head = heading(clipToFit(title, (t) => within(heading(t), Math.floor(budget / 2))))
  const withDescription = (d: string): Rendered => (d ? { text: `${head.text}\n${d}`, html: `${head.html}<p>${inlineHtml([d])}</p>` } : head)
  return withDescription(clipToFit(description, (d) => within(withDescription(d), budget)))
}

/** The unusable contact the user typed: the agent may still recognise it or ask for a better one. */
const renderTypedContact = (typed: string | undefined, budget: number): Rendered => {
  const value = typed?.trim()
  if (!value) return NONE
  const label = 'Contact given by the user (not a valid email or phone):'
  const render = (v: string): Rendered => ({ text: `\n${label} ${v}`, html: `<p><i>${escapeHtml(label)}</i> ${inlineHtml([v])}</p>` })
  const fitted = clipToFit(value, (v) => within(render(v), budget))
  return fitted ? render(fitted) : NONE
}

const indent = (s: string): string => s.replace(/\r\n|\r|\n/g, '\n  ')
const speaker = (who: string): string => `<b>${escapeHtml(who)}:</b> `

const renderEntry = (el: HistoryElement, userName: string): Entry => {
  const who = el.source.type === 'user' ? userName : 'Bot'
  const blocks = historyBlocks(el)
  const plain = blocksText(blocks)
  return { who, plain, text: `\n${who}: ${indent(plain)}`, html: blocksHtml(blocks, speaker(who)) }
}

/** Keeps the newest message readable (as plain text, clipped) when it alone exceeds the budget. */
const clipEntry = (entry: Entry, textBudget: number, htmlBudget: number): Rendered | undefined => {
  const render = (body: string): Rendered => ({
    text: `\n${entry.who}: ${indent(body)}`,
    html: `<p>${speaker(entry.who)}${inlineHtml([body])}</p>`,
  })
  const body = clipToFit(entry.plain, (b) => within(render(b), textBudget, htmlBudget))
  return body ? render(body) : undefined
}

const finish = (parts: Rendered[], omitted: number) => ({
  text: parts.map((p) => p.text).join(''),
  richText: parts.map((p) => p.html).join(''),
  omitted,
})

/**
 * The first message an agent sees: heading, description, then the bot conversation. Whole
 * entries are dropped from the oldest end (with a note where they were) until both `text` and
 * `richText` fit in `maxTextLength`.
 */
export function renderTranscript(input: TranscriptInput): { text: string; richText: string; omitted: number } {
  const limit = input.maxTextLength ?? TRANSCRIPT_MAX_CHARS
  if (!Number.isInteger(limit) || limit < TRANSCRIPT_MIN_CHARS) {
    throw new RangeError(`renderTranscript: maxTextLength must be an integer of at least ${TRANSCRIPT_MIN_CHARS}, got ${limit}`)
  }
  // The typed contact is short (createUser caps it); a quarter of the budget is room to spare.
  const contact = renderTypedContact(input.typedContact, Math.floor(limit / 4))
  const headerBudget = Math.floor(limit / 2) - Math.max(contact.text.length, contact.html.length)
  const titled = renderHeader(input.title?.trim() || DEFAULT_TITLE, input.description?.trim() ?? '', headerBudget)
  const header: Rendered = { text: titled.text + contact.text, html: titled.html + contact.html }
  const { history } = input
  if (!history.length) return finish([header, NO_HISTORY], 0)

  const userName = clip(input.userName?.trim() || 'Customer', MAX_NAME_CHARS)
  const entries = history.map((el) => renderEntry(el, userName))
  const baseText = header.text.length + SECTION.text.length
  const baseHtml = header.html.length + SECTION.html.length

  let keptText = entries.reduce((sum, e) => sum + e.text.length, 0)
  let keptHtml = entries.reduce((sum, e) => sum + e.html.length, 0)
  for (const [start, entry] of entries.entries()) {
    const note = omittedNote(start)
    if (baseText + note.text.length + keptText <= limit && baseHtml + note.html.length + keptHtml <= limit) {
      return finish([header, SECTION, note, ...entries.slice(start)], start)
    }
    keptText -= entry.text.length
    keptHtml -= entry.html.length
  }

  const dropped = entries.length - 1
  const note = omittedNote(dropped)
  const newest = clipEntry(entries[dropped]!, limit - baseText - note.text.length, limit - baseHtml - note.html.length)
  return newest ? finish([header, SECTION, note, newest], dropped) : finish([header, SECTION, omittedNote(entries.length)], entries.length)
}

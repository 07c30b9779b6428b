import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { messageHistoryElementSchema } from '../../definitions/hitl-interface'
import { ALL_TYPES, bot, MAPS, textEntries, user } from '../../tests/helpers/history-elements'
import type { HistoryElement } from './history-blocks'
import { renderTranscript, TRANSCRIPT_MAX_CHARS } from './transcript'

/** Every tag in richText must be one HubSpot's composer supports; anything else means an escape leak. */
const ALLOWED_MARKUP = /<\/?(p|b|i|ul|li|blockquote)>|<br>|<a href="[^"<>]*">|<\/a>/g
const expectOnlyAllowedMarkup = (html: string) => expect(html.replace(ALLOWED_MARKUP, '')).not.toMatch(/[<>"]/)

describe('renderTranscript: content', () => {
  it('the fixture covers all 12 history types and is valid per the hitl interface', () => {
    const schemaTypes = messageHistoryElementSchema.options.map((o) => o.shape.type.value)
    expect(new Set(ALL_TYPES.map((e) => e.type))).toEqual(new Set(schemaTypes))
    expect(schemaTypes).toHaveLength(12)
    for (const el of ALL_TYPES) expect(messageHistoryElementSchema.parse(el)).toEqual(el)
  })

  it('renders every history type, labelled by speaker, in order', () => {
    const { text, richText, omitted } = renderTranscript({
      userName: 'Ada',
      title: 'Billing issue',
      description: 'Charged twice',
      history: ALL_TYPES,
    })
    expect(omitted).toBe(0)
    const expected = [
      'Billing issue\nCharged twice\n\nConversation so far:',
      'Ada: I was charged twice',
      'Bot: **Sorry** about that',
      'Ada: Image: Receipt (https://cdn.example.com/receipt.png)',
      'Ada: Audio: https://cdn.example.com/note.mp3',
      'Bot: Video: How to (https://cdn.example.com/howto.mp4)',
      'Ada: File: Invoice (https://cdn.example.com/invoice.pdf)',
      `Ada: Location: Store, 1 Main St (45.5017, -73.5673) — ${MAPS}`,
      'Bot: Card: Pro plan\n  $20 a month\n  Image: https://cdn.example.com/pro.png\n  - Compare → https://example.com/plans\n  - Buy → postback: buy_pro',
      'Bot: Carousel of 2 cards:\n  Card 1: Basic\n  - Pick basic → say: basic\n  Card 2: Premium\n  Best value',
      'Bot: Which order?\n  Choices offered:\n  - Order 41 (o41)\n  - Order 42 (o42)',
      'Bot: Pick a country\n  Dropdown options:\n  - Canada',
      'Bot: Bloc first\n  Image: https://cdn.example.com/bloc.png\n  Location: Bloc address (1, 2) — https://www.google.com/maps?q=1,2\n  File: Bloc last (https://cdn.example.com/bloc.pdf)',
    ]
    expect(text).toBe(expected.join('\n'))

    expect(richText.startsWith('<p><b>Billing issue</b></p><p>Charged twice</p><p><b>Conversation so far</b></p>')).toBe(true)
    for (const html of [
      '<p><b>Ada:</b> I was charged twice</p>',
      '<p><b>Ada:</b> Image: <a href="https://cdn.example.com/receipt.png">Receipt</a></p>',
      '<a href="https://cdn.example.com/note.mp3">https://cdn.example.com/note.mp3</a>',
      `<p><b>Ada:</b> Location: Store, 1 Main St (45.5017, -73.5673) — <a href="${MAPS}">${MAPS}</a></p>`,
      '<p><b>Bot:</b> Card: <b>Pro plan</b></p><p>$20 a month</p>',
      '<ul><li>Compare → <a href="https://example.com/plans">https://example.com/plans</a></li><li>Buy → postback: buy_pro</li></ul>',
      '<p>Choices offered:</p><ul><li>Order 41 (o41)</li><li>Order 42 (o42)</li></ul>',
      '<p><b>Bot:</b> Bloc first</p><p>Image: <a href="https://cdn.example.com/bloc.png">',
    ]) {
      expect(richText).toContain(html)
    }
    expectOnlyAllowedMarkup(richText)
  })

  it('labels the end user "Customer" without a name, and uses the default title', () => {
    const { text, richText } = renderTranscript({ title: '  ', userName: ' ', history: [ALL_TYPES[0]!] })
    expect(text).toBe('Conversation escalated from the bot\n\nConversation so far:\nCustomer: I was charged twice')
    expect(richText).toContain('<p><b>Customer:</b> I was charged twice</p>')
  })

  it('says there was no prior conversation when the history is empty', () => {
    const result = renderTranscript({ history: [], description: 'Asked for a human' })
    expect(result).toEqual({
      text: 'Conversation escalated from the bot\nAsked for a human\n\nThere was no prior conversation with the bot.',
      richText:
        '<p><b>Conversation escalated from the bot</b></p><p>Asked for a human</p><p><i>There was no prior conversation with the bot.</i></p>',
      omitted: 0,
    })
  })

  it('keeps line breaks of multi-line messages (indented text, <br> in HTML)', () => {
    const { text, richText } = renderTranscript({ history: [{ source: bot, type: 'text', payload: { text: 'one\ntwo' } }] })
    expect(text).toContain('Bot: one\n  two')
    expect(richText).toContain('<p><b>Bot:</b> one<br>two</p>')
  })
})

describe('renderTranscript: hostile content', () => {
  const hostile = `<script>alert("x")</script> & 'quoted'`

  it('escapes every piece of user and bot content in richText, but keeps text verbatim', () => {
    const { text, richText } = renderTranscript({
      title: '<b>title</b>',
      description: '<img src=x onerror=alert(1)>',
      userName: '"><svg onload=alert(1)>',
      history: [
        { source: user, type: 'text', payload: { text: hostile } },
        { source: bot, type: 'card', payload: { title: '<i>card</i>', actions: [{ action: 'postback', label: '<u>', value: '"v"' }] } },
        { source: bot, type: 'choice', payload: { text: '<hr>', options: [{ label: "<a href='x'>", value: 'v' }] } },
      ],
    })
    expect(richText).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;')
    expect(richText).toContain('<p><b>&lt;b&gt;title&lt;/b&gt;</b></p><p>&lt;img src=x onerror=alert(1)&gt;</p>')
    expect(richText).toContain('<b>&quot;&gt;&lt;svg onload=alert(1)&gt;:</b>')
    expectOnlyAllowedMarkup(richText)
    expect(text).toContain(`"><svg onload=alert(1)>: ${hostile}`)
  })

  it('links only http(s) URLs; javascript:, data: and broken URLs stay inert text', () => {
    const { richText } = renderTranscript({
      history: [
        { source: user, type: 'image', payload: { imageUrl: 'javascript:alert(1)', title: 'pic' } },
        { source: user, type: 'file', payload: { fileUrl: 'data:text/html,<script>x</script>' } },
        { source: bot, type: 'card', payload: { title: 'c', actions: [{ action: 'url', label: 'go', value: 'JavaScript:alert(2)' }] } },
        { source: bot, type: 'video', payload: { videoUrl: 'http://' } },
        { source: bot, type: 'audio', payload: { audioUrl: 'https://ok.example.com/"onmouseover="alert(3)' } },
      ],
    })
    expect(richText.match(/<a /g)).toHaveLength(1)
    expect(richText).toContain('<a href="https://ok.example.com/&quot;onmouseover=&quot;alert(3)">')
    expect(richText).toContain('Image: pic (javascript:alert(1))')
    expect(richText).toContain('File: data:text/html,&lt;script&gt;x&lt;/script&gt;')
    expect(richText).not.toMatch(/href="(javascript|data|http:\/\/")/i)
    expectOnlyAllowedMarkup(richText)
  })
})

describe('renderTranscript: limits', () => {
  it('drops whole entries from the oldest end and says how many', () => {
    const history = textEntries(200)
    const { text, richText, omitted } = renderTranscript({ title: 'T', description: 'D', history, maxTextLength: 3000 })
    expect(text.length).toBeLessThanOrEqual(3000)
    expect(richText.length).toBeLessThanOrEqual(3000)
    expect(omitted).toBeGreaterThan(150)
    expect(omitted).toBeLessThan(199)
    expect(text.startsWith(`T\nD\n\nConversation so far:\n… ${omitted} earlier messages omitted …\n`)).toBe(true)
    expect(richText).toContain(`<p><b>Conversation so far</b></p><p><i>… ${omitted} earlier messages omitted …</i></p>`)
    const shown = (s: string) => [...s.matchAll(/msg#(\d+)#/g)].map((m) => Number(m[1]))
    const kept = Array.from({ length: 200 - omitted }, (_, i) => omitted + i)
    expect(shown(text)).toEqual(kept)
    expect(shown(richText)).toEqual(kept)
    // Minimal: one more entry would not have fit (the note may lose a digit, hence the -1).
    const who = history[omitted - 1]!.source.type === 'user' ? 'Customer' : 'Bot'
    const body = `msg#${omitted - 1}# ${'x'.repeat(100)}`
    const tooLong = (current: string, extra: string) => current.length + extra.length - 1 > 3000
    expect(tooLong(text, `\n${who}: ${body}`) || tooLong(richText, `<p><b>${who}:</b> ${body}</p>`)).toBe(true)
  })

  it('trims on richText size too, where escaping makes HTML much longer than text', () => {
    const history = Array.from({ length: 10 }, (): HistoryElement => ({ source: user, type: 'text', payload: { text: '&'.repeat(300) } }))
    const { text, richText, omitted } = renderTranscript({ history, maxTextLength: 5000 })
    expect(omitted).toBeGreaterThanOrEqual(7)
    expect(richText.length).toBeLessThanOrEqual(5000)
    expect(text.length).toBeLessThan(2000)
  })

  it('does not trim what fits, and defaults the limit to TRANSCRIPT_MAX_CHARS', () => {
    expect(renderTranscript({ history: textEntries(50) }).omitted).toBe(0)
    const big = renderTranscript({ history: textEntries(300, 200) })
    expect(TRANSCRIPT_MAX_CHARS).toBe(20_000)
    expect(big.omitted).toBeGreaterThan(0)
    expect(big.text.length).toBeLessThanOrEqual(TRANSCRIPT_MAX_CHARS)
    expect(big.richText.length).toBeLessThanOrEqual(TRANSCRIPT_MAX_CHARS)
    expect(big.text).toContain('msg#299#')
  })

  it('clips the newest message itself when it alone is too long', () => {
    const history = [...textEntries(3), { source: user, type: 'text', payload: { text: `start ${'y'.repeat(30_000)} end` } } as const]
    const { text, richText, omitted } = renderTranscript({ history })
    expect(omitted).toBe(3)
    expect(text).toContain('… 3 earlier messages omitted …\nCustomer: start yyy')
    expect(text.endsWith('y…')).toBe(true)
    expect(richText.endsWith('y…</p>')).toBe(true)
    expect(text.length).toBeLessThanOrEqual(TRANSCRIPT_MAX_CHARS)
    expect(richText.length).toBeLessThanOrEqual(TRANSCRIPT_MAX_CHARS)
  })

  it('truncates an over-long description (and title) with an ellipsis but keeps the conversation', () => {
    const { text, richText, omitted } = renderTranscript({
      title: 'T'.repeat(5000),
      description: `${'<d>'.repeat(5000)}TAIL`,
      history: textEntries(3),
      maxTextLength: 2000,
    })
    const [title, description] = text.split('\n')
    expect(title!.endsWith('T…')).toBe(true)
    expect(description!.endsWith('…')).toBe(true)
    expect(description!.startsWith('<d><d>')).toBe(true)
    expect(text).not.toContain('TAIL')
    expect(richText).toMatch(/<p>(&lt;d&gt;)+&lt;d…<\/p>|<p>(&lt;d&gt;)+…<\/p>/)
    expect(omitted).toBe(0)
    expect(text).toContain('msg#0#')
    expect(text.length).toBeLessThanOrEqual(2000)
    expect(richText.length).toBeLessThanOrEqual(2000)
  })

  it('omits every entry when not even a clipped newest one fits beside the speaker label', () => {
    const { text, richText, omitted } = renderTranscript({
      userName: '&'.repeat(100),
      history: textEntries(2).map((e) => ({ ...e, source: user })),
      maxTextLength: 300,
    })
    expect(omitted).toBe(2)
    expect(text).toBe('Conversation escalated from the bot\n\nConversation so far:\n… 2 earlier messages omitted …')
    expect(richText).not.toContain('msg#')
    expect(richText.length).toBeLessThanOrEqual(300)
  })

  it('rejects a limit too small to hold the heading', () => {
    expect(() => renderTranscript({ history: [], maxTextLength: 100 })).toThrow(RangeError)
  })

  it('property: any history and limit yield text and richText within the limit', () => {
    const element = fc.oneof(
      fc.record({
        source: fc.constant(user),
        type: fc.constant('text' as const),
        payload: fc.record({ text: fc.string({ maxLength: 3000, unit: 'grapheme' }) }),
      }),
      fc.record({
        source: fc.constant(bot),
        type: fc.constant('markdown' as const),
        payload: fc.record({ markdown: fc.string({ maxLength: 500 }) }),
      }),
      fc.record({ source: fc.constant(bot), type: fc.constant('image' as const), payload: fc.record({ imageUrl: fc.webUrl(), title: fc.string() }) })
    )
    fc.assert(
      fc.property(
        fc.array(element, { maxLength: 40 }),
        fc.integer({ min: 300, max: 6000 }),
        fc.string({ maxLength: 4000 }),
        (history, limit, description) => {
          const r = renderTranscript({ history, maxTextLength: limit, description, userName: '<&>' })
          expect(r.text.length).toBeLessThanOrEqual(limit)
          expect(r.richText.length).toBeLessThanOrEqual(limit)
          expect(r.omitted).toBeGreaterThanOrEqual(0)
          expect(r.omitted).toBeLessThanOrEqual(history.length)
          expect(r.text.includes('earlier message')).toBe(r.omitted > 0)
          expectOnlyAllowedMarkup(r.richText)
        }
      ),
      { numRuns: 200 }
    )
  })
})

describe('renderTranscript: the contact an anonymous visitor typed', () => {
  it('is shown after the heading, escaped in richText', () => {
    const { text, richText } = renderTranscript({ title: 'Help', history: [], typedContact: 'ada at <example>' })
    expect(text).toBe(
      'Help\nContact given by the user (not a valid email or phone): ada at <example>\n\nThere was no prior conversation with the bot.'
    )
    expect(richText).toContain('ada at &lt;example&gt;')
    expectOnlyAllowedMarkup(richText)
  })

  it('still fits the smallest budget with a long title, description and contact', () => {
    const long = 'x'.repeat(400)
    const { text, richText } = renderTranscript({
      title: long,
      description: long,
      history: textEntries(5),
      typedContact: '&'.repeat(200),
      maxTextLength: 300,
    })
    expect(text.length).toBeLessThanOrEqual(300)
    expect(richText.length).toBeLessThanOrEqual(300)
    expect(text).toContain('Contact given by the user')
  })
})

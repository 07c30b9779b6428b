import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { agentMessageText, decodeEntities, htmlToMarkdownText } from './agent-html'

describe('htmlToMarkdownText: structure', () => {
  it.each([
    ['paragraphs become lines', '<p>Hello</p><p>How can I help?</p>', 'Hello\nHow can I help?'],
    ['an empty composer paragraph is a blank line', '<p>a</p><p><br></p><p>b</p>', 'a\n\nb'],
    ['<br> and <div> break lines', 'one<br>two<br/>three<div>four</div>five', 'one\ntwo\nthree\nfour\nfive'],
    ['3+ newlines collapse to 2', 'a<br><br><br><br><br>b', 'a\n\nb'],
    ['source whitespace collapses like a browser', '<p>\n  Hello\n   world\t!  </p>\n\n<p> next </p>', 'Hello world !\nnext'],
    ['a trailing <br> inside a paragraph adds nothing', '<p>a<br></p><p>b</p>', 'a\nb'],
    ['headings and blockquotes are blocks', '<h2>Title</h2>text<blockquote>quoted</blockquote>after', 'Title\ntext\nquoted\nafter'],
    ['other tags are stripped, content kept', '<span style="color:red">red</span> <u>under</u> <font>f</font>', 'red under f'],
  ])('%s', (_name, html, expected) => {
    expect(htmlToMarkdownText(html)).toBe(expected)
  })

  it.each([
    ['flat list', '<ul><li>one</li><li>two</li></ul>', '- one\n- two'],
    ['ordered list uses dashes too', 'Steps:<ol><li>a</li><li>b</li></ol>done', 'Steps:\n- a\n- b\ndone'],
    [
      'nested lists are indented',
      '<ul><li>fruit<ul><li>apple</li><li>pear<ul><li>green</li></ul></li></ul></li><li>veg</li></ul>',
      '- fruit\n  - apple\n  - pear\n    - green\n- veg',
    ],
    ['paragraphs inside items stay on the bullet line', '<ul>\n <li><p>first</p></li>\n <li><p>second</p></li>\n</ul>', '- first\n- second'],
    ['unclosed items still start new bullets', '<ul><li>a<li>b</ul>c', '- a\n- b\nc'],
  ])('lists: %s', (_name, html, expected) => {
    expect(htmlToMarkdownText(html)).toBe(expected)
  })

  it.each([
    ['bold and strong', '<b>bold</b> and <strong>strong</strong>', '**bold** and **strong**'],
    ['italic and em', '<i>it</i> and <em>em</em>', '_it_ and _em_'],
    ['whitespace moves outside the markers', 'a<b> bold </b>b', 'a **bold** b'],
    ['empty emphasis disappears', 'x<b></b><i> </i>y', 'x y'],
    ['nested same emphasis is not doubled', '<b>a <strong>b</strong></b>', '**a b**'],
    ['mixed nesting', '<b>bold <i>both</i></b>', '**bold _both_**'],
  ])('emphasis: %s', (_name, html, expected) => {
    expect(htmlToMarkdownText(html)).toBe(expected)
  })
})

describe('htmlToMarkdownText: links', () => {
  it.each([
    ['label differs from URL', 'See <a href="https://example.com/docs">the docs</a>.', 'See [the docs](https://example.com/docs).'],
    ['label equals URL → bare URL', '<a href="https://example.com">https://example.com</a>', 'https://example.com'],
    ['empty label → bare URL', '<a href="https://example.com/x"></a>', 'https://example.com/x'],
    ['entities in href are decoded', '<a href="https://x.com/?a=1&amp;b=2">q</a>', '[q](https://x.com/?a=1&b=2)'],
    ['single-quoted and unquoted hrefs', "<a href='https://a.com'>a</a> <a href=https://b.com>b</a>", '[a](https://a.com) [b](https://b.com)'],
    ['a > inside a quoted attribute', '<a title="x > y" href="https://a.com">a</a>', '[a](https://a.com)'],
    ['brackets in the label and parens/spaces in the URL are escaped', '<a href="https://w.org/A (b)">[x]</a>', '[\\[x\\]](https://w.org/A%20(b%29)'],
    ['formatting inside a label', '<a href="https://a.com"><b>bold</b> link</a>', '[**bold** link](https://a.com)'],
    ['mailto link with the address as label', '<a href="mailto:help@example.com">help@example.com</a>', 'help@example.com'],
    ['javascript: href keeps only the label', '<a href="javascript:alert(1)">click</a>', 'click'],
    ['obfuscated javascript: href', '<a href=" JaVaScRiPt:alert(1)">click</a>', 'click'],
    ['anchor without href', '<a name="top">top</a>', 'top'],
    ['a new <a> ends the open one', '<a href="https://a.com">one <a href="https://b.com">two</a>', '[one](https://a.com) [two](https://b.com)'],
    ['image with an http src', 'pic: <img src="https://cdn.example.com/a.png" alt="diagram">', 'pic: [diagram](https://cdn.example.com/a.png)'],
    ['image with a data: src is dropped', 'x<img src="data:image/png;base64,AAA">y', 'xy'],
  ])('%s', (_name, html, expected) => {
    expect(htmlToMarkdownText(html)).toBe(expected)
  })
})

describe('htmlToMarkdownText: entities and dropped content', () => {
  it.each([
    ['&amp; &lt; &gt; &quot; &#39; &apos;', `& < > " ' '`],
    ['a&nbsp;b&nbsp;&nbsp;c', 'a b  c'],
    ['&#169; &#x1F600; &#X41;', '© 😀 A'],
    ['&#0; &#xD800; &#x110000;', '\ufffd \ufffd \ufffd'],
    ['&amp;lt;b&amp;gt; is decoded once', '&lt;b&gt; is decoded once'],
    ['&bogus; &constructor; &toString; & alone', '&bogus; &constructor; &toString; & alone'],
    ['&hellip;&mdash;&euro;', '…—€'],
  ])('%s', (html, expected) => {
    expect(htmlToMarkdownText(html)).toBe(expected)
  })

  it('decodeEntities leaves text without entities untouched', () => {
    expect(decodeEntities('plain & simple; a&b')).toBe('plain & simple; a&b')
  })

  it.each([
    ['script', 'a<script>alert("<b>x</b>")</script>b', 'ab'],
    ['style', '<style>p { color: red }</style><p>text</p>', 'text'],
    ['uppercase and attributes', 'a<SCRIPT type="text/javascript">evil()</SCRIPT >b', 'ab'],
    ['closing tag with whitespace', 'a<script>x</script\n>b', 'ab'],
    ['unclosed script drops the rest', 'safe<script>evil(); more text', 'safe'],
    ['comments and doctype', '<!DOCTYPE html><!-- secret --><p>shown</p><!-- unclosed', 'shown'],
    ['processing instructions', '<?xml version="1.0"?>ok', 'ok'],
  ])('drops %s', (_name, html, expected) => {
    expect(htmlToMarkdownText(html)).toBe(expected)
  })
})

describe('htmlToMarkdownText: malformed HTML', () => {
  it.each([
    ['unclosed tags', '<p><b>bold <i>both', '**bold _both_**'],
    ['stray closing tags', '</b></p>text</a></li></ul>', 'text'],
    ['closing tag out of order', '<b>a<i>b</b>c</i>', '**a_b_**c'],
    ['a bare < and >', '1 < 2 and 3 > 2', '1 < 2 and 3 > 2'],
    ['< followed by a space or digit', 'a <b and < c <3', 'a'],
    ['an unfinished tag at the end', 'text <a href="https://x', 'text'],
    ['bogus end tag', 'a</ b>c', 'ac'],
    ['empty and blank input', '   ', ''],
  ])('%s', (_name, html, expected) => {
    expect(htmlToMarkdownText(html)).toBe(expected)
  })

  it('returns an empty string for non-string input instead of throwing', () => {
    expect(htmlToMarkdownText(null as unknown as string)).toBe('')
    expect(htmlToMarkdownText(42 as unknown as string)).toBe('')
  })

  it('never throws and never emits a tag from arbitrary input', () => {
    const fragment = fc.constantFrom(
      '<p>',
      '</p>',
      '<b>',
      '</b>',
      '<i>',
      '<a href="https://x.com">',
      "<a href='",
      '</a>',
      '<ul>',
      '<li>',
      '</li>',
      '</ul>',
      '<script>',
      '</script>',
      '<!--',
      '-->',
      '<br/>',
      '&amp;',
      '&#x',
      '&#9999999;',
      ';',
      '"',
      "'",
      '<',
      '>',
      '=',
      ' ',
      '\n',
      'text'
    )
    const html = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join(''))
    )
    fc.assert(
      fc.property(html, (input) => {
        const out = htmlToMarkdownText(input)
        expect(typeof out).toBe('string')
        expect(out).not.toMatch(/<(p|b|i|a|ul|li|br|script)\b/i)
        expect(out).not.toMatch(/\n{3}/)
      }),
      { numRuns: 500 }
    )
  })

  it('bounds the output of deeply nested and large input (indentation capped, no blow-up)', () => {
    // Indentation stops at 8 levels (16 spaces); emphasis is not repeated for nested duplicates.
    expect(htmlToMarkdownText('<b><i><ul><li>'.repeat(2000) + 'x').endsWith(`\n${' '.repeat(16)}- x_**`)).toBe(true)
    expect(htmlToMarkdownText('<b><ul><li><a href="https://x.com">'.repeat(2000) + 'x').length).toBeLessThan(200_000)
    expect(htmlToMarkdownText('<br>'.repeat(50_000) + 'end')).toBe('end')
  })
})

describe('agentMessageText', () => {
  it('prefers richText converted, which keeps links that plain text loses', () => {
    expect(agentMessageText({ text: 'See the docs', richText: '<p>See <a href="https://d.example.com">the docs</a></p>' })).toBe(
      'See [the docs](https://d.example.com)'
    )
  })

  it.each([
    ['richText null', { text: ' Hello ', richText: null }, 'Hello'],
    ['richText empty', { text: 'Hello', richText: '' }, 'Hello'],
    ['richText with no text content', { text: 'Hello', richText: '<p><br></p><script>x</script>' }, 'Hello'],
    ['richText not a string at runtime', { text: 'Hello', richText: 7 as unknown as string }, 'Hello'],
    ['only richText', { richText: '<p>Hi</p>' }, 'Hi'],
    ['neither', {}, ''],
    ['both null', { text: null, richText: null }, ''],
  ])('%s', (_name, message, expected) => {
    expect(agentMessageText(message)).toBe(expected)
  })
})

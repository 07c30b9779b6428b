import type { z } from '@botpress/sdk'
import type { hitlMessageSchemas, messageHistoryElementSchema } from '../../definitions/hitl-interface'
import { MEDIA_KINDS, mediaUrlOf, type MediaItem } from '../media-kinds'
import { unreachable } from '../unreachable'
import { locationInline, type Block, type Inline } from './common'

/** One element of startHitl's message history (what the end user and the bot said before). */
export type HistoryElement = z.infer<typeof messageHistoryElementSchema>
type Card = Extract<HistoryElement, { type: 'card' }>['payload']
type Choice = Extract<HistoryElement, { type: 'choice' | 'dropdown' }>['payload']
/** The widest bloc item set (the hitl channel's, which adds markdown); history blocs are a subset. */
export type BlocItem = z.infer<typeof hitlMessageSchemas.bloc>['items'][number]

const media = (item: MediaItem): Block => ({
  line: [`${MEDIA_KINDS[item.type].label}: `, { link: mediaUrlOf(item), label: item.payload.title || undefined }],
})

export const itemBlocks = (item: BlocItem): Block[] => {
  switch (item.type) {
    case 'text':
      return [{ line: [item.payload.text] }]
    case 'markdown':
      return [{ line: [item.payload.markdown] }]
    case 'image':
    case 'audio':
    case 'video':
    case 'file':
      return [media(item)]
    case 'location':
      return [{ line: locationInline(item.payload) }]
    default:
      return unreachable(item, 'bloc item')
  }
}

const cardBlocks = (card: Card, heading: string): Block[] => {
  const blocks: Block[] = [{ line: [heading, { bold: card.title }] }]
  if (card.subtitle) blocks.push({ line: [card.subtitle] })
  if (card.imageUrl) blocks.push(media({ type: 'image', payload: { imageUrl: card.imageUrl } }))
  if (card.actions.length) {
    blocks.push({
      list: card.actions.map((a): Inline[] => [`${a.label} → `, a.action === 'url' ? { link: a.value } : `${a.action}: ${a.value}`]),
    })
  }
  return blocks
}

const choiceBlocks = (payload: Choice, heading: string): Block[] =>
  payload.options.length
    ? [
        { line: [payload.text] },
        { line: [heading] },
        { list: payload.options.map((o): Inline[] => [o.label === o.value ? o.label : `${o.label} (${o.value})`]) },
      ]
    : [{ line: [payload.text] }]

/** What an agent needs to know about one history element, in reading order. */
export const historyBlocks = (el: HistoryElement): Block[] => {
  switch (el.type) {
    case 'card':
      return cardBlocks(el.payload, 'Card: ')
    case 'carousel':
      return [
        { line: [`Carousel of ${el.payload.items.length} card${el.payload.items.length === 1 ? '' : 's'}:`] },
        ...el.payload.items.flatMap((card, i) => cardBlocks(card, `Card ${i + 1}: `)),
      ]
    case 'choice':
      return choiceBlocks(el.payload, 'Choices offered:')
    case 'dropdown':
      return choiceBlocks(el.payload, 'Dropdown options:')
    case 'bloc': {
      const blocks = el.payload.items.flatMap(itemBlocks)
      return blocks.length ? blocks : [{ line: ['(empty message)'] }]
    }
    default:
      return itemBlocks(el)
  }
}

import { describe, expect, it } from 'vitest'
import { MEDIA_KINDS, isMediaKind, mediaItem, mediaKindOf, mediaUrlOf } from './media-kinds'

describe('the media kinds table', () => {
  it('builds and reads the Botpress payload of each kind under its own URL key', () => {
    expect(mediaItem('image', 'https://x/a.png', 'A')).toEqual({ type: 'image', payload: { imageUrl: 'https://x/a.png', title: 'A' } })
    expect(mediaItem('audio', 'https://x/a', 'A')).toEqual({ type: 'audio', payload: { audioUrl: 'https://x/a', title: 'A' } })
    expect(mediaItem('video', 'https://x/a', 'A')).toEqual({ type: 'video', payload: { videoUrl: 'https://x/a', title: 'A' } })
    expect(mediaItem('file', 'https://x/a', 'A')).toEqual({ type: 'file', payload: { fileUrl: 'https://x/a', title: 'A' } })
    for (const kind of Object.keys(MEDIA_KINDS) as (keyof typeof MEDIA_KINDS)[]) {
      expect(mediaUrlOf(mediaItem(kind, `https://x/${kind}`, 't'))).toBe(`https://x/${kind}`)
    }
    expect(isMediaKind('image')).toBe(true)
    expect(isMediaKind('toString')).toBe(false)
  })

  it("reads an agent's attachment by its HubSpot usage first, then by its file name; anything else is a file", () => {
    expect(mediaKindOf('IMAGE', 'scan')).toBe('image')
    expect(mediaKindOf('STICKER', 'x')).toBe('image')
    expect(mediaKindOf('AUDIO', 'x')).toBe('audio')
    expect(mediaKindOf('VOICE_RECORDING', 'x')).toBe('audio')
    expect(mediaKindOf('OTHER', 'clip.MOV')).toBe('video')
    expect(mediaKindOf(undefined, 'photo.JPEG')).toBe('image')
    expect(mediaKindOf('OTHER', 'song.opus')).toBe('audio')
    // An image name wins over an audio usage: images are checked first.
    expect(mediaKindOf('AUDIO', 'cover.png')).toBe('image')
    expect(mediaKindOf('OTHER', 'label.pdf')).toBe('file')
    expect(mediaKindOf(undefined, 'attachment')).toBe('file')
  })
})

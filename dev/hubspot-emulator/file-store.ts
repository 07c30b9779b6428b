import { createHash } from 'node:crypto'
import type { Core } from './core'
import type { FileRecord, FileType } from './types'

const TYPES_BY_EXTENSION: Record<string, FileType> = {}
const register = (type: FileType, exts: string[]) => exts.forEach((e) => (TYPES_BY_EXTENSION[e] = type))
register('IMG', ['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp', 'svg', 'tif', 'tiff', 'ico', 'heic'])
register('MOVIE', ['mp4', 'mov', 'webm', 'avi', 'mkv', 'm4v', 'mpeg'])
register('AUDIO', ['mp3', 'wav', 'ogg', 'oga', 'm4a', 'aac', 'opus', 'flac'])
register('DOCUMENT', ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'txt', 'csv', 'rtf', 'odt', 'md'])

const typeOf = (extension: string, mimeType: string): FileType => {
  const byExt = TYPES_BY_EXTENSION[extension]
  if (byExt) return byExt
  if (mimeType.startsWith('image/')) return 'IMG'
  if (mimeType.startsWith('video/')) return 'MOVIE'
  if (mimeType.startsWith('audio/')) return 'AUDIO'
  if (mimeType.startsWith('text/')) return 'DOCUMENT'
  return 'OTHER'
}

/** HubSpot's File object splits "photo.PNG" into name "photo" and extension "png". */
export const splitFileName = (fileName: string): { name: string; extension: string } => {
  const dot = fileName.lastIndexOf('.')
  if (dot <= 0 || dot === fileName.length - 1) return { name: fileName, extension: '' }
  return { name: fileName.slice(0, dot), extension: fileName.slice(dot + 1).toLowerCase() }
}

export type NewFile = {
  fileName: string
  mimeType: string
  content: Buffer
  access: string
  folderPath?: string
  folderId?: string
  overwrite?: boolean
}

const folderOf = (f: { folderPath?: string; parentFolderId?: string }) => f.parentFolderId ?? f.folderPath ?? ''

/** Stores an upload; a name already taken in the folder gets "-1", "-2"… unless overwrite replaces it. */
export const storeFile = (core: Core, input: NewFile): FileRecord => {
  const { store } = core
  const now = core.now()
  const split = splitFileName(input.fileName)
  const folder = folderOf({
    ...(input.folderPath ? { folderPath: input.folderPath } : {}),
    ...(input.folderId ? { parentFolderId: input.folderId } : {}),
  })
  const sameFolder = [...store.state.files.values()].filter((f) => !f.archived && folderOf(f) === folder && f.extension === split.extension)
  const taken = new Set(sameFolder.map((f) => f.name))
  const existing = sameFolder.find((f) => f.name === split.name)

  let name = split.name
  if (existing && !input.overwrite) for (let i = 1; taken.has(name); i++) name = `${split.name}-${i}`

  const record: FileRecord = {
    id: existing && input.overwrite ? existing.id : store.nextId('file'),
    name,
    extension: split.extension,
    type: typeOf(split.extension, input.mimeType),
    mimeType: input.mimeType,
    size: input.content.length,
    access: input.access,
    content: input.content,
    md5: createHash('md5').update(input.content).digest('hex'),
    createdAt: existing && input.overwrite ? existing.createdAt : now,
    updatedAt: now,
    archived: false,
    ...(input.folderPath ? { folderPath: input.folderPath } : {}),
    ...(input.folderId ? { parentFolderId: input.folderId } : {}),
  }
  store.state.files.set(record.id, record)
  return record
}

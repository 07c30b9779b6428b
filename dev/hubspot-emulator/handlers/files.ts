import { iso } from '../core'
import { notFound, validationError } from '../errors'
import { storeFile } from '../file-store'
import { header, param, type Reply, type RequestContext, type Route } from '../http/context'
import { boundaryOf, MultipartError, parseMultipart, type MultipartForm } from '../multipart'
import { fileUrl, fullName, publicFile } from '../serialize'
import type { FileRecord } from '../types'
import { rootOf, versionedRoutes, type VersionOf } from '../versions'

const ACCESS_VALUES = [
  'PUBLIC_INDEXABLE',
  'PUBLIC_NOT_INDEXABLE',
  'PRIVATE',
  'HIDDEN_INDEXABLE',
  'HIDDEN_NOT_INDEXABLE',
  'HIDDEN_PRIVATE',
  'HIDDEN_SENSITIVE',
  'SENSITIVE',
]

type UploadOptions = { access: string; overwrite: boolean }

const parseOptions = (raw: string | undefined): UploadOptions => {
  if (raw === undefined) throw validationError('options is required: a JSON string such as {"access":"PRIVATE"}.')
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw validationError('options must be a JSON string.')
  }
  if (typeof parsed !== 'object' || parsed === null) throw validationError('options must be a JSON object.')
  const access: unknown = 'access' in parsed ? parsed.access : undefined
  if (typeof access !== 'string' || !ACCESS_VALUES.includes(access)) {
    throw validationError(`options.access must be one of ${ACCESS_VALUES.join(', ')}.`)
  }
  const overwrite = 'overwrite' in parsed && parsed.overwrite === true
  return { access, overwrite }
}

const formOf = (ctx: RequestContext): MultipartForm => {
  const boundary = boundaryOf(header(ctx, 'content-type'))
  if (!boundary) throw validationError('Content-Type must be multipart/form-data with a boundary.')
  try {
    return parseMultipart(ctx.body, boundary)
  } catch (err) {
    throw validationError(`Malformed multipart body: ${err instanceof MultipartError ? err.message : 'unreadable'}.`)
  }
}

const upload = (ctx: RequestContext, version: VersionOf<'files'>): Reply => {
  const form = formOf(ctx)
  const file = form.files.get('file')
  if (!file) throw validationError('The "file" part is required.')
  const folderPath = form.fields.get('folderPath')
  const folderId = form.fields.get('folderId')
  if (!folderPath && !folderId) throw validationError('Either folderPath or folderId is required.')
  const options = parseOptions(form.fields.get('options'))
  const fileName = form.fields.get('fileName') || file.filename
  if (!fileName) throw validationError('The file needs a name: send fileName or a filename in the "file" part.')
  const record = storeFile(ctx.core, {
    fileName,
    mimeType: file.contentType,
    content: file.data,
    access: options.access,
    overwrite: options.overwrite,
    ...(folderPath ? { folderPath } : {}),
    ...(folderId ? { folderId } : {}),
  })
  return { status: 201, json: publicFile(ctx.core, record), headers: { Location: `${ctx.core.baseUrl()}${rootOf('files', version)}/${record.id}` } }
}

const fileOr404 = (ctx: RequestContext): FileRecord => {
  const id = param(ctx, 'fileId')
  const file = ctx.core.store.state.files.get(id)
  if (!file || file.archived) throw notFound(`File ${id} was not found.`)
  return file
}

const getFile = (ctx: RequestContext): Reply => ({ status: 200, json: publicFile(ctx.core, fileOr404(ctx)) })

const signedUrl = (ctx: RequestContext): Reply => {
  const file = fileOr404(ctx)
  const raw = ctx.query.get('expirationSeconds')
  const seconds = raw === null ? 3600 : Number(raw)
  if (!Number.isInteger(seconds) || seconds < 1) throw validationError('expirationSeconds must be a positive integer.')
  const expiresAt = ctx.core.now() + seconds * 1000
  return {
    status: 200,
    json: {
      url: `${fileUrl(ctx.core, file)}?expires=${expiresAt}&signature=emulator`,
      expiresAt: iso(expiresAt),
      name: file.name,
      extension: file.extension,
      type: file.type,
      size: file.size,
    },
  }
}

/** The file bytes behind File.url (public, so links in messages work as-is). */
const serveBytes = (ctx: RequestContext): Reply => {
  const file = fileOr404(ctx)
  if (param(ctx, 'name') !== fullName(file)) throw notFound('File not found.')
  return {
    status: 200,
    raw: { body: file.content, contentType: file.mimeType },
    headers: { 'Content-Disposition': `inline; filename="${fullName(file).replace(/"/g, '')}"` },
  }
}

export const fileRoutes: Route[] = [
  ...versionedRoutes('files', [
    { method: 'POST', path: '', auth: 'bearer', handle: upload },
    { method: 'GET', path: '/:fileId', auth: 'bearer', handle: getFile },
    { method: 'GET', path: '/:fileId/signed-url', auth: 'bearer', handle: signedUrl },
  ]),
  { method: 'GET', pattern: '/_files/:fileId/:name', auth: 'none', handle: serveBytes },
]

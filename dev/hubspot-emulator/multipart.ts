/** A minimal multipart/form-data parser (RFC 7578), enough for what fetch/FormData and axios send. */

export type MultipartFile = { filename: string; contentType: string; data: Buffer }
export type MultipartForm = { fields: Map<string, string>; files: Map<string, MultipartFile> }

export class MultipartError extends Error {}

export const boundaryOf = (contentType: string | undefined): string | undefined => {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return undefined
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return m?.[1] ?? m?.[2]
}

/** Browsers and undici percent-escape these three characters in quoted names. */
const unescapeName = (s: string): string => s.replace(/%22/g, '"').replace(/%0A/gi, '\n').replace(/%0D/gi, '\r')

const dispositionParam = (disposition: string, key: string): string | undefined => {
  const m = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) ?? new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(disposition)
  return m?.[1] === undefined ? undefined : unescapeName(m[1].replace(/\\(.)/g, '$1'))
}

const parseHeaders = (raw: string): Map<string, string> => {
  const headers = new Map<string, string>()
  for (const line of raw.split('\r\n')) {
    const i = line.indexOf(':')
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim())
  }
  return headers
}

export const parseMultipart = (body: Buffer, boundary: string): MultipartForm => {
  const form: MultipartForm = { fields: new Map(), files: new Map() }
  const delimiter = Buffer.from(`--${boundary}`)
  let pos = body.indexOf(delimiter)
  if (pos < 0) throw new MultipartError('multipart body has no boundary line')

  for (;;) {
    pos += delimiter.length
    if (body.subarray(pos, pos + 2).toString() === '--') return form
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw new MultipartError('malformed multipart boundary line')
    pos += 2
    const headerEnd = body.indexOf('\r\n\r\n', pos)
    if (headerEnd < 0) throw new MultipartError('multipart part without headers')
    const headers = parseHeaders(body.subarray(pos, headerEnd).toString('utf8'))
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4)
    if (next < 0) throw new MultipartError('multipart body is truncated (no closing boundary)')
    const data = body.subarray(headerEnd + 4, next)

    const disposition = headers.get('content-disposition') ?? ''
    const name = dispositionParam(disposition, 'name')
    if (!name) throw new MultipartError('multipart part without a name')
    const filename = dispositionParam(disposition, 'filename')
    if (filename !== undefined) {
      form.files.set(name, { filename, contentType: headers.get('content-type') ?? 'application/octet-stream', data: Buffer.from(data) })
    } else {
      form.fields.set(name, data.toString('utf8'))
    }
    pos = next + 2
  }
}

import { endpoints } from './endpoints'
import type { HubspotHttp } from './http'
import * as sdk from '@botpress/sdk'
import { fileSchema, type HubspotFile } from './schemas'

export const ATTACHMENT_FOLDER = '/botpress-hitl'

export type Upload = { name: string; mimeType: string; content: Buffer }

/** Files API: uploads end-user media so they can be attached to inbox messages. */
export class FilesApi {
  public constructor(private readonly _http: HubspotHttp) {}

  public async upload(file: Upload): Promise<HubspotFile> {
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(file.content)], { type: file.mimeType }), file.name)
    form.append('fileName', file.name)
    form.append('folderPath', ATTACHMENT_FOLDER)
    // PRIVATE: conversation attachments can hold personal data; agents see them through HubSpot.
    form.append('options', JSON.stringify({ access: 'PRIVATE', overwrite: false, duplicateValidationStrategy: 'NONE' }))
    return this._http.request({
      method: 'POST',
      path: endpoints.files.files(),
      body: form,
      auth: 'oauth',
      schema: fileSchema,
      operation: `upload ${file.name} to HubSpot Files`,
    })
  }

  /** A temporary URL for a PRIVATE file (agent attachments may come without a usable url). */
  public async signedUrl(fileId: string): Promise<string> {
    const res = await this._http.request({
      method: 'GET',
      path: endpoints.files.signedUrl(fileId),
      query: { expirationSeconds: 7 * 24 * 3600 },
      auth: 'oauth',
      schema: sdk.z.object({ url: sdk.z.string() }).passthrough(),
      operation: `get a download link for file ${fileId}`,
    })
    return res.url
  }
}

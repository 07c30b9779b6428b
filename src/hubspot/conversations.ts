import type { HubspotHttp } from './http'
import { actorSchema, inboxSchema, threadSchema, type HubspotActor, type HubspotInbox, type HubspotThread } from './schemas'

const BASE = '/conversations/v3/conversations'

/** Conversations API v3: inboxes, threads and actors (OAuth). */
export class ConversationsApi {
  public constructor(private readonly _http: HubspotHttp) {}

  public async getInbox(inboxId: string): Promise<HubspotInbox> {
    return this._http.request({
      method: 'GET',
      path: `${BASE}/inboxes/${encodeURIComponent(inboxId)}`,
      auth: 'oauth',
      schema: inboxSchema,
      operation: `find inbox ${inboxId}`,
    })
  }

  public async getThread(threadId: string): Promise<HubspotThread> {
    return this._http.request({
      method: 'GET',
      path: `${BASE}/threads/${encodeURIComponent(threadId)}`,
      auth: 'oauth',
      schema: threadSchema,
      operation: `read thread ${threadId}`,
    })
  }

  public async setThreadStatus(threadId: string, status: 'OPEN' | 'CLOSED'): Promise<HubspotThread> {
    return this._http.request({
      method: 'PATCH',
      path: `${BASE}/threads/${encodeURIComponent(threadId)}`,
      body: { status },
      auth: 'oauth',
      schema: threadSchema,
      operation: `${status === 'CLOSED' ? 'close' : 'reopen'} thread ${threadId}`,
    })
  }

  public async getActor(actorId: string): Promise<HubspotActor> {
    return this._http.request({
      method: 'GET',
      path: `${BASE}/actors/${encodeURIComponent(actorId)}`,
      auth: 'oauth',
      schema: actorSchema,
      operation: `read actor ${actorId}`,
    })
  }
}

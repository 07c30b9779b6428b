import { endpoints } from './endpoints'
import type { HubspotHttp } from './http'
import {
  pageOf,
  actorSchema,
  inboxSchema,
  threadMessageSchema,
  threadSchema,
  threadWithAssociationsSchema,
  type HubspotActor,
  type HubspotInbox,
  type HubspotThread,
  type HubspotThreadMessage,
  type HubspotThreadWithAssociations,
} from './schemas'

const MAX_INBOX_PAGES = 20

/** Conversations API: inboxes, threads and actors (OAuth). */
export class ConversationsApi {
  public constructor(private readonly _http: HubspotHttp) {}

  public async getInbox(inboxId: string): Promise<HubspotInbox> {
    return this._http.request({
      method: 'GET',
      path: endpoints.conversations.inbox(inboxId),
      auth: 'oauth',
      schema: inboxSchema,
      operation: `find inbox ${inboxId}`,
    })
  }

  /** Every inbox and help desk of the account (paged), archived ones left out. */
  public async listInboxes(): Promise<HubspotInbox[]> {
    const all: HubspotInbox[] = []
    let after: string | undefined
    for (let page = 0; page < MAX_INBOX_PAGES; page++) {
      const res = await this._http.request({
        method: 'GET',
        path: endpoints.conversations.inboxes(),
        query: { after, limit: 100, archived: false },
        auth: 'oauth',
        schema: pageOf(inboxSchema),
        operation: 'list the inboxes and help desks',
      })
      all.push(...res.results.filter((i) => !i.archived))
      after = res.paging?.next?.after
      if (!after) break
    }
    return all
  }

  public async getThread(threadId: string): Promise<HubspotThread> {
    return this._http.request({
      method: 'GET',
      path: endpoints.conversations.thread(threadId),
      auth: 'oauth',
      schema: threadSchema,
      operation: `read thread ${threadId}`,
    })
  }

  /** The ticket Help Desk created for the thread, if any yet (it appears some time after the first message). */
  public async getTicketIdOfThread(threadId: string): Promise<string | undefined> {
    const thread: HubspotThreadWithAssociations = await this._http.request({
      method: 'GET',
      path: endpoints.conversations.thread(threadId),
      query: { association: 'TICKET' },
      auth: 'oauth',
      schema: threadWithAssociationsSchema,
      operation: `read the ticket of thread ${threadId}`,
    })
    return thread.threadAssociations?.associatedTicketId ?? undefined
  }

  public async setThreadStatus(threadId: string, status: 'OPEN' | 'CLOSED'): Promise<HubspotThread> {
    return this._http.request({
      method: 'PATCH',
      path: endpoints.conversations.thread(threadId),
      body: { status },
      auth: 'oauth',
      schema: threadSchema,
      operation: `${status === 'CLOSED' ? 'close' : 'reopen'} thread ${threadId}`,
    })
  }

  /**
   * An agent-only note on the thread (HubSpot's COMMENT message type): agents see it in the
   * thread, the end user never does. Not idempotent on HubSpot's side, so never retried blindly.
   */
  public async addComment(threadId: string, note: { text: string; richText?: string }): Promise<HubspotThreadMessage> {
    return this._http.request({
      method: 'POST',
      path: endpoints.conversations.threadMessages(threadId),
      body: { type: 'COMMENT', text: note.text, ...(note.richText ? { richText: note.richText } : {}), attachments: [] },
      auth: 'oauth',
      schema: threadMessageSchema,
      operation: `add a note to thread ${threadId}`,
    })
  }

  /** Assigns the thread to an agent (`A-<userId>`). */
  public async assignThread(threadId: string, actorId: string): Promise<void> {
    await this._http.request({
      method: 'PUT',
      path: endpoints.conversations.threadAssignee(threadId),
      body: { actorId },
      auth: 'oauth',
      operation: `assign thread ${threadId} to ${actorId}`,
    })
  }

  public async getActor(actorId: string): Promise<HubspotActor> {
    return this._http.request({
      method: 'GET',
      path: endpoints.conversations.actor(actorId),
      auth: 'oauth',
      schema: actorSchema,
      operation: `read actor ${actorId}`,
    })
  }
}

import { isHubspotStatus } from './errors'
import { endpoints } from './endpoints'
import type { HubspotHttp } from './http'
import { hubspotChannelAccountSchema, channelSchema, pageOf, stagingTokenSchema, type HubspotChannel, type HubspotChannelAccount } from './schemas'

const MAX_PAGES = 50

export type DeliveryIdentifierType = 'HS_EMAIL_ADDRESS' | 'HS_PHONE_NUMBER' | 'CHANNEL_SPECIFIC_OPAQUE_ID'

export type ChannelCapabilities = {
  deliveryIdentifierTypes: DeliveryIdentifierType[]
  richText: string[]
  threadingModel: 'INTEGRATION_THREAD_ID'
  allowInlineImages: boolean
  allowOutgoingMessages: boolean
  allowConversationStart: boolean
  allowMultipleRecipients: boolean
  outgoingAttachmentTypes: string[]
  allowedFileAttachmentMimeTypes: string[]
  maxFileAttachmentCount: number
  maxFileAttachmentSizeBytes: number
  maxTotalFileAttachmentSizeBytes: number
}

export type ChannelEgg = {
  name: string
  webhookUrl: string
  capabilities: ChannelCapabilities
  channelDescription?: string
  channelLogoUrl?: string
  /** Where HubSpot sends an admin who connects the channel from Inbox / Help Desk settings ({webhookUrl}/connect). */
  channelAccountConnectionRedirectUrl?: string
}

/** Result of completing a staging token; `alreadyDone` when HubSpot answered 409 (the account exists). */
export type StagingTokenResult = { alreadyDone: boolean; inboxId?: string }

/** Custom channels (developer API key + appId) and their channel accounts (OAuth). */
export class ChannelsApi {
  public constructor(private readonly _http: HubspotHttp) {}

  public async list(): Promise<HubspotChannel[]> {
    const all: HubspotChannel[] = []
    let after: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this._http.request({
        method: 'GET',
        path: endpoints.customChannels.channels(),
        query: { after, limit: 100 },
        auth: 'developer',
        schema: pageOf(channelSchema),
        operation: "list the app's custom channels",
      })
      all.push(...res.results)
      after = res.paging?.next?.after
      if (!after) break
    }
    return all
  }

  /** One channel by id; undefined when HubSpot has no such channel (404). */
  public async get(channelId: string): Promise<HubspotChannel | undefined> {
    try {
      return await this._http.request({
        method: 'GET',
        path: endpoints.customChannels.channel(channelId),
        auth: 'developer',
        schema: channelSchema,
        operation: `read custom channel ${channelId}`,
      })
    } catch (err) {
      if (isHubspotStatus(err, 404)) return undefined
      throw err
    }
  }

  public async create(egg: ChannelEgg): Promise<HubspotChannel> {
    return this._http.request({
      method: 'POST',
      path: endpoints.customChannels.channels(),
      body: egg,
      auth: 'developer',
      schema: channelSchema,
      operation: 'create the custom channel',
    })
  }

  /** PATCH with the developer key, like every channel-level call. */
  public async update(channelId: string, patch: Partial<Omit<ChannelEgg, 'capabilities'>>): Promise<HubspotChannel> {
    return this._http.request({
      method: 'PATCH',
      path: endpoints.customChannels.channel(channelId),
      body: patch,
      auth: 'developer',
      schema: channelSchema,
      operation: `update custom channel ${channelId}`,
    })
  }

  /**
   * Completes the staging token HubSpot created when an admin chose our channel in its connect
   * settings (OAuth). A 409 means it was completed before (a reload of the page): done, not an error.
   */
  public async completeStagingToken(
    channelId: string,
    accountToken: string,
    body: { accountName: string; deliveryIdentifier: { type: DeliveryIdentifierType; value: string } }
  ): Promise<StagingTokenResult> {
    try {
      const res = await this._http.request({
        method: 'PATCH',
        path: endpoints.customChannels.stagingToken(channelId, accountToken),
        body,
        auth: 'oauth',
        schema: stagingTokenSchema,
        operation: `complete the channel connection started in HubSpot for channel ${channelId}`,
      })
      return { alreadyDone: false, inboxId: res.inboxId === undefined ? undefined : String(res.inboxId) }
    } catch (err) {
      if (isHubspotStatus(err, 409)) return { alreadyDone: true }
      throw err
    }
  }

  public async delete(channelId: string): Promise<void> {
    await this._http.request({
      method: 'DELETE',
      path: endpoints.customChannels.channel(channelId),
      auth: 'developer',
      operation: `delete custom channel ${channelId}`,
    })
  }

  public async listAccounts(channelId: string): Promise<HubspotChannelAccount[]> {
    const all: HubspotChannelAccount[] = []
    let after: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this._http.request({
        method: 'GET',
        path: endpoints.customChannels.channelAccounts(channelId),
        query: { after, limit: 100, archived: false },
        auth: 'oauth',
        schema: pageOf(hubspotChannelAccountSchema),
        operation: `list the channel accounts of channel ${channelId}`,
      })
      all.push(...res.results)
      after = res.paging?.next?.after
      if (!after) break
    }
    return all
  }

  public async createAccount(
    channelId: string,
    egg: { inboxId: string; name: string; authorized: boolean; deliveryIdentifier?: { type: DeliveryIdentifierType; value: string } }
  ): Promise<HubspotChannelAccount> {
    return this._http.request({
      method: 'POST',
      path: endpoints.customChannels.channelAccounts(channelId),
      body: egg,
      auth: 'oauth',
      schema: hubspotChannelAccountSchema,
      operation: `connect the channel to inbox ${egg.inboxId}`,
    })
  }

  public async updateAccount(channelId: string, accountId: string, patch: { name?: string; authorized?: boolean }): Promise<HubspotChannelAccount> {
    return this._http.request({
      method: 'PATCH',
      path: endpoints.customChannels.channelAccount(channelId, accountId),
      body: patch,
      auth: 'oauth',
      schema: hubspotChannelAccountSchema,
      operation: `update channel account ${accountId}`,
    })
  }
}

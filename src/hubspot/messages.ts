import { endpoints } from './endpoints'
import type { HubspotHttp } from './http'
import { hubspotMessageSchema, type HubspotMessage } from './schemas'
import type { DeliveryIdentifierType } from './channels'

export type Participant = { deliveryIdentifier: { type: DeliveryIdentifierType; value: string }; name?: string }

/** How HubSpot shows an attachment: IMAGE and AUDIO inline, the rest as a file. */
export type FileUsageType = 'AUDIO' | 'IMAGE' | 'OTHER' | 'STICKER' | 'VOICE_RECORDING'

export type FileAttachment = {
  type: 'FILE'
  fileId: string
  fileUsageType: FileUsageType
}

/** ChannelIntegrationMessageEgg, INCOMING direction (end user → HubSpot). */
export type IncomingMessageEgg = {
  channelAccountId: string
  integrationThreadId: string
  integrationIdempotencyId: string
  text: string
  richText?: string
  senders: Participant[]
  recipients: Participant[]
  timestamp: string
  attachments: FileAttachment[]
  associateWithContactId?: number
}

export type DeliveryStatus = { statusType: 'SENT' | 'FAILED' | 'READ'; errorMessage?: string }

export class MessagesApi {
  public constructor(private readonly _http: HubspotHttp) {}

  /** Publishes an end-user message; `integrationIdempotencyId` makes a resend safe, so it is retried. */
  public async publishIncoming(channelId: string, egg: IncomingMessageEgg): Promise<HubspotMessage> {
    return this._http.request({
      method: 'POST',
      path: endpoints.customChannels.messages(channelId),
      body: { ...egg, messageDirection: 'INCOMING' },
      auth: 'oauth',
      schema: hubspotMessageSchema,
      operation: 'publish the message to the HubSpot inbox',
      idempotent: true,
    })
  }

  public async updateStatus(channelId: string, messageId: string, status: DeliveryStatus): Promise<void> {
    await this._http.request({
      method: 'PATCH',
      path: endpoints.customChannels.message(channelId, messageId),
      body: status,
      auth: 'oauth',
      operation: `report the delivery status of message ${messageId}`,
    })
  }
}

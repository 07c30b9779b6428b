import type { SunsetOption } from './sunset'
import type {
  Agent,
  ChannelAccount,
  Comment,
  Contact,
  DeliveryRecord,
  EmulatorState,
  InboxType,
  Message,
  RequestLogEntry,
  Ticket,
  TicketPipeline,
} from './types'

export type EmulatorOptions = {
  /** Default 0: an ephemeral port. The server binds 127.0.0.1 only. */
  port?: number
  clientId: string
  clientSecret: string
  /**
   * A refresh token that works from the start (an app installed by hand). Optional: without it the
   * only refresh tokens are those the install flow issues (GET /oauth/authorize, then the code exchange).
   */
  refreshToken?: string
  developerApiKey: string
  appId: string
  /** HubSpot account id put in tokens and webhooks. Default 12345678. */
  portalId?: number
  /** Default 1800. */
  accessTokenTtlSeconds?: number
  /** Artificial latency added to every API response. */
  latencyMs?: number
  /** A newly created channel is left out of this many GET-list calls (default 0). */
  channelVisibleAfterListCalls?: number
  /** Shown on the consent page. Default "Botpress HITL". */
  appName?: string
  /** The app's redirect URLs; redirect_uri must be one of them. Default: any http(s) URL. Also settable with setRedirectUrls. */
  redirectUrls?: string[]
  /** The app's required scopes; an authorize URL must request exactly these. Default: any non-empty scope list. */
  appScopes?: string[]
  /** Default: one inbox { id: '1001', name: 'Support', type: 'INBOX' }. */
  inboxes?: { id: string; name: string; type: InboxType }[]
  /** Where conversation.* batch events go; also settable with setAppWebhookUrl. */
  appWebhookUrl?: string
  /** Clock for everything the API records (threads, messages, token expiry). Default Date.now. */
  now?: () => number
  /**
   * Clock for X-HubSpot-Request-Timestamp. Default Date.now, not `now`: the receiver checks the
   * timestamp against its own wall clock, so a test moving `now` a day ahead keeps valid signatures.
   */
  signatureNow?: () => number
  /** When set, more than this many requests in a rolling 10 s window answer a real 429. Off by default. */
  rateLimitPerTenSeconds?: number
  /** How long a webhook receiver may take to answer (default 10 000 ms); after that the status is 0. */
  webhookTimeoutMs?: number
  /** A HELP_DESK inbox's thread gets its ticket this long after its first message (default 300 ms, on `now`); INBOX threads get none. */
  ticketDelayMs?: number
  /** Ticket pipelines (default: HubSpot's "Support Pipeline" 0 with stages 1–4). */
  ticketPipelines?: TicketPipeline[]
  /** Allowed hs_ticket_category values (default HubSpot's four: PRODUCT_ISSUE, BILLING_ISSUE, FEATURE_REQUEST, GENERAL_INQUIRY). */
  ticketCategories?: string[]
  /** Custom ticket properties that exist in this account (internal names); any other name is PROPERTY_DOESNT_EXIST. */
  customTicketProperties?: string[]
  /** HubSpot users (owners) that exist from the start, findable with GET …/owners?email=. */
  agents?: { id: string; name: string; email: string; avatar?: string }[]
  /**
   * HubSpot routing that assigns the instant a thread opens: every NEW thread is assigned to this
   * agent as it is created, and its `assignedTo` webhook is sent right after the publish is
   * answered, with no delay (the agent is created if missing). Off by default.
   */
  assignNewThreadsTo?: { id: string; name: string; email?: string; avatar?: string }
  /**
   * HubSpot after September 2027: every v1–v3 API path answers a retired version's error (410, or
   * `{ status: 404 }`), except the calls without a dated successor (sunset.ts `NO_DATED_SUCCESSOR`).
   * Default: env HUBSPOT_EMULATOR_SUNSET (1/true/410, 404; unset or 0 = off).
   */
  sunset?: SunsetOption
  /**
   * Called once per API exchange (not for the consent page, /_files/ or /_emulator/ pages) after the reply is written,
   * with the request and the reply as they went over the wire: the contract tests check both against HubSpot's specs.
   */
  onExchange?: (exchange: EmulatorExchange) => void
}

/** One API request and its reply, as `onExchange` sees them. */
export type EmulatorExchange = {
  method: string
  path: string
  query: URLSearchParams
  request: { contentType: string | undefined; body: Buffer }
  response: { status: number; headers: Record<string, string>; body: Buffer | undefined }
}

export type Matcher = (method: string, path: string) => boolean
export type FailSpec = { status: number; body?: unknown; headers?: Record<string, string>; match?: Matcher }
export type AgentProfile = { id?: string; name?: string; email?: string; avatar?: string }
export type AgentAttachment = { name: string; mimeType: string; content: Buffer }
export type AgentReply = { text: string; richText?: string; attachments?: AgentAttachment[]; agentId?: string }

export type HubspotEmulator = {
  /** http://127.0.0.1:PORT */
  url: string
  close(): Promise<void>
  setAppWebhookUrl(url: string): void
  /** The app's redirect URLs (what the project's `redirectUrls` says); undefined accepts any http(s) URL. */
  setRedirectUrls(urls: string[] | undefined): void
  /** The consent page: `${url}/oauth/authorize?client_id&redirect_uri&scope&state`. */
  authorizeUrl: string
  /** The emulated HubSpot settings page (inboxes, their channel accounts, "Connect a channel"). */
  settingsUrl: string
  /**
   * The admin's "Connect a channel" click, as POST /_emulator/connect-channel does it: a staging
   * token for that inbox and the URL HubSpot sends the browser to (the channel's
   * channelAccountConnectionRedirectUrl with accountToken, channelId and redirectUrl).
   */
  connectChannel(channelId: string, inboxId: string): { url: string; accountToken: string }
  /**
   * Agent-side simulation. Each delivers its webhooks like HubSpot (signed with the client secret
   * over the target URL), waits for the answers and returns the HTTP statuses (0 = unreachable).
   */
  agent: {
    assign(threadId: string, agent?: AgentProfile): Promise<number[]>
    unassign(threadId: string): Promise<number[]>
    reply(threadId: string, msg: AgentReply): Promise<{ messageId: string; statuses: number[] }>
    close(threadId: string): Promise<number[]>
    /** Archives (soft-deletes) the thread: conversation.deletion to the app webhook. */
    archive(threadId: string): Promise<number[]>
  }
  /** Archives the account and sends CHANNEL_ACCOUNT_PURGED to the channel's webhookUrl. */
  purgeChannelAccount(channelAccountId: string): Promise<number[]>
  /** Adds a CRM contact directly (no HTTP call logged). */
  addContact(properties: Record<string, string>): Contact
  /** Resends the last channel/app webhook (same body, fresh timestamp and signature). */
  redeliverLast(): Promise<number>
  /** Sends any body; signed by default (v3, plus v1 when the body is a JSON array). */
  deliverRaw(target: string, body: string, opts?: { sign?: boolean; headers?: Record<string, string> }): Promise<number>
  /** Every webhook attempt, oldest first. */
  deliveries: DeliveryRecord[]
  /** Resolves once webhooks triggered by API calls (channel-account events) have been answered. */
  settle(): Promise<void>
  faults: {
    failNext(n: number, spec: FailSpec): void
    /** Drops the connection without an answer; with afterProcessing the request takes effect first. */
    resetConnectionNext(n: number, match?: Matcher, opts?: { afterProcessing?: boolean }): void
    /** Holds the request for ms, then processes and answers it (the client may have given up). */
    delayNext(n: number, ms: number, match?: Matcher): void
    /** Every access token issued so far answers 401 from now on. */
    expireAccessTokens(): void
    /** The refresh token answers 400 BAD_REFRESH_TOKEN from now on. */
    revokeRefreshToken(): void
    /** Drops queued faults and un-revokes the refresh token (tokens already expired stay expired). */
    clear(): void
  }
  requests: RequestLogEntry[]
  resetRequestLog(): void
  state: EmulatorState
  threadMessages(threadId: string): Message[]
  /** Agent-only notes (COMMENT) on the thread, oldest first. */
  threadComments(threadId: string): Comment[]
  /** The thread's ticket, created now if it is due (HELP_DESK inbox, delay passed); undefined otherwise. */
  ticketOfThread(threadId: string): Ticket | undefined
}

export type { Agent, ChannelAccount }

/** The emulator's public surface: one portal (`startHubspotEmulator`, start.ts) or one app with several portals (`startHubspotApp`, app.ts). */
export type { AgentAttachment, AgentProfile, AgentReply, EmulatorExchange, EmulatorOptions, FailSpec, HubspotEmulator, Matcher } from './api'
export type {
  Agent,
  Channel,
  ChannelAccount,
  Comment,
  Contact,
  DeliveryIdentifier,
  DeliveryRecord,
  EmulatorState,
  FileRecord,
  Inbox,
  Message,
  MessageAttachment,
  MessageStatus,
  RequestLogEntry,
  Thread,
  Ticket,
  TicketPipeline,
  Visitor,
} from './types'
export { REOPEN_WINDOW_MS } from './threading'
export { NO_DATED_SUCCESSOR, isRetiredCall, retiredCalls, watchRetiredCalls, type SunsetOption } from './sunset'

export { startHubspotEmulator } from './start'
export { startHubspotApp, type AppPortal, type AppPortalOptions, type HubspotApp, type HubspotAppOptions } from './app'

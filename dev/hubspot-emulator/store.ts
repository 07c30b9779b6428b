import { randomBytes } from 'node:crypto'
import type { Contact, DeliveryIdentifier, EmulatorState, Inbox, Message } from './types'

type Sequence = 'channel' | 'account' | 'thread' | 'file' | 'contact' | 'visitor' | 'agent' | 'event' | 'ticket' | 'comment'

/** Separate numeric ranges, so an id in a test failure tells what it is. */
const FIRST_ID: Record<Sequence, number> = {
  channel: 2_000_001,
  account: 3_000_001,
  thread: 8_000_000_001,
  file: 150_000_000_001,
  contact: 500_001,
  visitor: 900_000_001,
  agent: 70_001,
  event: 1,
  ticket: 40_000_000_001,
  comment: 60_000_000_001,
}

const APP_SEQUENCES: ReadonlySet<Sequence> = new Set<Sequence>(['channel', 'event'])

const digits = (s: string): string => s.replace(/\D/g, '')

/** In-memory state plus id allocation and the lookups several handlers share. */
export class Store {
  public readonly state: EmulatorState = {
    channels: new Map(),
    channelAccounts: new Map(),
    threads: new Map(),
    messages: new Map(),
    files: new Map(),
    contacts: new Map(),
    inboxes: new Map(),
    agents: new Map(),
    visitors: new Map(),
    tickets: new Map(),
    comments: new Map(),
  }
  /** channelId + integrationIdempotencyId → message id */
  public readonly idempotency = new Map<string, string>()
  /** thread key → id of the latest thread with that key */
  public readonly threadsByKey = new Map<string, string>()
  private readonly _next = new Map<Sequence, number>()

  /**
   * `idOffset` shifts every sequence but the app's (channels, events): portals of one app (app.ts) get ids no other
   * portal has, as HubSpot's ids are unique across accounts; the channel registry and event ids are the app's, shared.
   */
  public constructor(
    inboxes: Inbox[],
    private readonly _idOffset = 0
  ) {
    for (const inbox of inboxes) this.state.inboxes.set(inbox.id, inbox)
  }

  /**
   * One app, several portals (app.ts): channel ids and webhook event ids are the app's, so every portal
   * takes them from the first portal's store; else a channel made at one portal's own URL, or two
   * portals' events in one mixed batch, would repeat an id (HubSpot's `eventId` is unique, used to de-duplicate).
   */
  public shareAppSequencesWith(owner: Store): void {
    this._appSequences = owner
  }

  private _appSequences: Store | undefined

  public nextId(seq: Sequence): string {
    if (this._appSequences && APP_SEQUENCES.has(seq)) return this._appSequences.nextId(seq)
    const id = this._next.get(seq) ?? FIRST_ID[seq] + (APP_SEQUENCES.has(seq) ? 0 : this._idOffset)
    this._next.set(seq, id + 1)
    return String(id)
  }

  public nextNumber(seq: Sequence): number {
    return Number(this.nextId(seq))
  }

  public messageId(): string {
    return randomBytes(16).toString('hex')
  }

  public threadMessages(threadId: string): Message[] {
    return [...this.state.messages.values()].filter((m) => m.threadId === threadId)
  }

  public liveContacts(): Contact[] {
    return [...this.state.contacts.values()].filter((c) => !c.archived)
  }

  public findContactByEmail(email: string): Contact | undefined {
    const wanted = email.trim().toLowerCase()
    return this.liveContacts().find((c) => c.properties.email?.toLowerCase() === wanted)
  }

  /** How HubSpot would match an end user's delivery identifier to a CRM contact (phones compared by digits). */
  public findContactByIdentifier(di: DeliveryIdentifier): Contact | undefined {
    if (di.type === 'HS_EMAIL_ADDRESS') return this.findContactByEmail(di.value)
    if (di.type !== 'HS_PHONE_NUMBER') return undefined
    const wanted = digits(di.value)
    if (!wanted) return undefined
    return this.liveContacts().find((c) => [c.properties.phone, c.properties.mobilephone].some((p) => p && digits(p) === wanted))
  }
}

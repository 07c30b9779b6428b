import { iso, type Core } from '../core'
import { apiError, notFound, validationError } from '../errors'
import { jsonBody, param, type Reply, type RequestContext, type Route } from '../http/context'
import { contactCreateSchema, contactSearchSchema, type SearchFilter } from '../schemas'
import { publicContact } from '../serialize'
import type { Contact } from '../types'
import { versionedRoutes } from '../versions'

const BASE = '/contacts'
const TEXT_SEARCH_PROPERTIES = ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'company']
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

const lower = (s: string) => s.toLowerCase()

const compare = (a: string, b: string): number => {
  const na = Number(a)
  const nb = Number(b)
  return Number.isFinite(na) && Number.isFinite(nb) && a !== '' && b !== '' ? na - nb : a.localeCompare(b)
}

/** One filter of a search request; string comparisons are case-insensitive like HubSpot's. */
const matches = (c: Contact, f: SearchFilter): boolean => {
  const v = c.properties[f.propertyName]
  const need = (x: string | null | undefined): string => {
    if (x === undefined || x === null) throw validationError(`Filter on ${f.propertyName} with operator ${f.operator} needs a value.`)
    return x
  }
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return v !== undefined && v !== ''
    case 'NOT_HAS_PROPERTY':
      return v === undefined || v === ''
    case 'EQ':
      return v !== undefined && lower(v) === lower(need(f.value))
    case 'NEQ':
      return v === undefined || lower(v) !== lower(need(f.value))
    case 'IN':
      return v !== undefined && (f.values ?? []).map(lower).includes(lower(v))
    case 'NOT_IN':
      return v === undefined || !(f.values ?? []).map(lower).includes(lower(v))
    case 'CONTAINS_TOKEN':
      return v !== undefined && lower(v).includes(lower(need(f.value)).replace(/\*/g, ''))
    case 'NOT_CONTAINS_TOKEN':
      return v === undefined || !lower(v).includes(lower(need(f.value)).replace(/\*/g, ''))
    case 'LT':
      return v !== undefined && compare(v, need(f.value)) < 0
    case 'LTE':
      return v !== undefined && compare(v, need(f.value)) <= 0
    case 'GT':
      return v !== undefined && compare(v, need(f.value)) > 0
    case 'GTE':
      return v !== undefined && compare(v, need(f.value)) >= 0
    case 'BETWEEN':
      return v !== undefined && compare(v, need(f.value)) >= 0 && compare(v, need(f.highValue)) <= 0
  }
}

const search = (ctx: RequestContext): Reply => {
  const req = jsonBody(ctx, contactSearchSchema)
  const groups = req.filterGroups ?? []
  const text = req.query ? lower(req.query) : undefined
  const found = ctx.core.store
    .liveContacts()
    // OR between groups, AND within one group.
    .filter((c) => !groups.length || groups.some((g) => g.filters.every((f) => matches(c, f))))
    .filter((c) => !text || TEXT_SEARCH_PROPERTIES.some((p) => c.properties[p] && lower(c.properties[p] ?? '').includes(text)))
    .sort((a, b) => Number(a.id) - Number(b.id))
  const offset = req.after ? Number(req.after) : 0
  if (!Number.isInteger(offset) || offset < 0) throw validationError(`after is not a valid paging cursor: "${req.after}"`)
  const limit = req.limit ?? 10
  const results = found.slice(offset, offset + limit).map((c) => publicContact(c, req.properties ?? undefined))
  const next = offset + limit < found.length ? { paging: { next: { after: String(offset + limit) } } } : {}
  return { status: 200, json: { total: found.length, results, ...next } }
}

/** Adds a contact; a duplicate email is the CONFLICT HubSpot answers, naming the existing id. */
export const createContact = (core: Core, input: Record<string, string | number | boolean | null>): Contact => {
  const properties: Record<string, string> = {}
  for (const [k, v] of Object.entries(input)) if (v !== null && v !== '') properties[k] = String(v)
  const email = properties.email
  if (email !== undefined) {
    if (!EMAIL.test(email)) {
      throw validationError(`Property values were not valid: Email address ${email} is invalid`, {
        errors: [{ message: `Email address ${email} is invalid`, in: 'email', code: 'INVALID_EMAIL' }],
      })
    }
    const existing = core.store.findContactByEmail(email)
    if (existing) throw apiError(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`)
  }
  const now = core.now()
  const id = core.store.nextId('contact')
  const contact: Contact = {
    id,
    properties: { ...properties, hs_object_id: id, createdate: iso(now), lastmodifieddate: iso(now) },
    createdAt: now,
    updatedAt: now,
    archived: false,
  }
  core.store.state.contacts.set(id, contact)
  return contact
}

const create = (ctx: RequestContext): Reply => {
  const egg = jsonBody(ctx, contactCreateSchema)
  const contact = createContact(ctx.core, egg.properties)
  return { status: 201, json: publicContact(contact, Object.keys(contact.properties)) }
}

const getOne = (ctx: RequestContext): Reply => {
  const id = param(ctx, 'contactId')
  const idProperty = ctx.query.get('idProperty')
  const contact = idProperty === 'email' ? ctx.core.store.findContactByEmail(id) : idProperty ? undefined : ctx.core.store.state.contacts.get(id)
  if (!contact || contact.archived) throw notFound(`Contact ${id} was not found.`)
  const wanted = ctx.query
    .getAll('properties')
    .flatMap((p) => p.split(','))
    .filter(Boolean)
  return { status: 200, json: publicContact(contact, wanted) }
}

export const contactRoutes: Route[] = versionedRoutes('crmObjects', [
  { method: 'POST', path: `${BASE}/search`, auth: 'bearer', handle: search },
  { method: 'POST', path: BASE, auth: 'bearer', handle: create },
  { method: 'GET', path: `${BASE}/:contactId`, auth: 'bearer', handle: getOne },
])

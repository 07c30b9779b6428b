import { z } from '@botpress/sdk'
import { translate, translateForLocalDev } from '@hubspot/project-parsing-lib/translate'
import { validateUid } from '@hubspot/project-parsing-lib/uid'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { appUrlsFor, globalOAuthUrlOf } from '../../src/app-urls'
import { requiredScopes } from '../../src/hubspot/scopes'
import { APP_WEBHOOK_SUBSCRIPTIONS, classifyConversationEvent } from '../../src/webhook/classify'
import { conversationEventSchema } from '../../src/webhook/event-schemas'

/**
 * The HubSpot project in hubspot-app/, read with HubSpot's own parser (the code `hs project upload`
 * runs before it sends anything): profile variables substituted, the scopes the code needs, and a
 * subscription for every app event the webhook handler acts on. Schema validation needs a logged-in
 * HubSpot account (it downloads the schemas), hence skipValidation; structure errors still show.
 */

const PROJECT_DIR = path.resolve(__dirname, '../../hubspot-app')
const WEBHOOK_URL = 'https://webhook.example.test/3f1c2a7e-hitl-test'

const projectSchema = z.object({ name: z.string().min(1), srcDir: z.string().min(1), platformVersion: z.string() })
const project = projectSchema.parse(JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, 'hsproject.json'), 'utf8')))

const nodeSchema = z.object({ uid: z.string(), componentType: z.string(), config: z.unknown(), metaFilePath: z.string() })
const irSchema = z.object({
  intermediateNodesIndexedByUid: z.record(nodeSchema),
  profileData: z.object({ vars: z.object({ profileVariables: z.record(z.object({ variableType: z.string(), value: z.unknown() })) }) }).optional(),
})
const appConfigSchema = z.object({
  name: z.string().min(1),
  distribution: z.enum(['private', 'marketplace']),
  auth: z.object({
    type: z.literal('oauth'),
    redirectUrls: z.array(z.string()),
    requiredScopes: z.array(z.string()),
    optionalScopes: z.array(z.string()),
  }),
})
const subscriptionSchema = z.object({ subscriptionType: z.string(), propertyName: z.string().optional(), active: z.boolean() })
const webhooksConfigSchema = z.object({
  settings: z.object({ targetUrl: z.string(), maxConcurrentRequests: z.number().int().positive() }),
  subscriptions: z.object({ hubEvents: z.array(subscriptionSchema), crmObjects: z.array(z.unknown()), legacyCrmObjects: z.array(z.unknown()) }),
})

const tempDirs: string[] = []
afterEach(() => {
  while (tempDirs.length) fs.rmSync(tempDirs.pop() ?? '', { recursive: true, force: true })
})

/** A copy of the project with one more profile, so the repo's folder is never written. */
const projectWithProfile = (profile: string, contents: unknown): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hubspot-app-'))
  tempDirs.push(dir)
  fs.cpSync(PROJECT_DIR, dir, { recursive: true })
  const srcDir = path.join(dir, project.srcDir)
  fs.writeFileSync(path.join(srcDir, `hsprofile.${profile}.json`), JSON.stringify(contents))
  return srcDir
}

const parse = async (srcDir: string, profile: string) => {
  const { intermediateRepresentation } = await translate(
    { projectSourceDir: srcDir, platformVersion: project.platformVersion },
    { skipValidation: true, profile }
  )
  const ir = irSchema.parse(intermediateRepresentation)
  const nodes = Object.values(ir.intermediateNodesIndexedByUid)
  const only = (type: string) => {
    const found = nodes.filter((n) => n.componentType === type)
    expect(found, `${type} components`).toHaveLength(1)
    return found[0]!
  }
  return { ir, nodes, app: appConfigSchema.parse(only('APPLICATION').config), webhooks: webhooksConfigSchema.parse(only('WEBHOOKS').config) }
}

/** Own app: one bot, everything under its webhook URL (the URLs the code uses: src/app-urls.ts). */
const ownAppUrls = appUrlsFor(WEBHOOK_URL, undefined)
const TEST_PROFILE = {
  accountId: 12345678,
  variables: { distribution: 'private', webhookUrl: WEBHOOK_URL, redirectUrl: ownAppUrls.oauthRedirectUrl },
}
/** Publisher app: one app for many bots; the integration-level URL and Botpress's global OAuth route. */
const INTEGRATION_URL = 'https://webhook.example.test/integration/global/acme/hubspot-hitl'
const publisherUrls = appUrlsFor(WEBHOOK_URL, { integrationWebhookUrl: INTEGRATION_URL })
const PUBLISHER_PROFILE = {
  accountId: 12345678,
  variables: { distribution: 'marketplace', webhookUrl: publisherUrls.channelWebhookUrl, redirectUrl: publisherUrls.oauthRedirectUrl },
}

describe('hubspot-app (HubSpot project files)', () => {
  it('is a 2026.03 project whose components parse without structure errors and have valid uids', async () => {
    expect(project.platformVersion).toBe('2026.03')
    const srcDir = projectWithProfile('test', TEST_PROFILE)
    const { nodes } = await parse(srcDir, 'test')
    expect(nodes.map((n) => n.metaFilePath).sort()).toEqual(['app/app-hsmeta.json', 'app/webhooks/webhooks-hsmeta.json'])
    for (const n of nodes) expect(validateUid(n.uid), n.uid).toBeUndefined()

    const local = z
      .object({ intermediateNodesIndexedByUid: z.record(z.object({ localDev: z.object({ parsingErrors: z.array(z.string()) }) })) })
      .parse(
        (
          await translateForLocalDev(
            { projectSourceDir: srcDir, platformVersion: project.platformVersion },
            { skipValidation: true, profile: 'test' }
          )
        ).intermediateRepresentation
      )
    expect(Object.values(local.intermediateNodesIndexedByUid).flatMap((n) => n.localDev.parsingErrors)).toEqual([])
  })

  it('own app: substitutes the profile variables into the distribution, the redirect URL and the webhook target (whole strings)', async () => {
    const { ir, app, webhooks } = await parse(projectWithProfile('test', TEST_PROFILE), 'test')
    expect(app.auth.type).toBe('oauth')
    expect(app.distribution).toBe('private')
    // The URL contract of the Connect flow: the integration serves /oauth/callback under its webhook URL.
    expect(app.auth.redirectUrls).toEqual([`${WEBHOOK_URL}/oauth/callback`])
    expect(webhooks.settings.targetUrl).toBe(WEBHOOK_URL)
    expect(JSON.stringify(ir.intermediateNodesIndexedByUid)).not.toContain('${')
    expect(ir.profileData?.vars.profileVariables.webhookUrl).toEqual({ variableType: 'PROFILE_STRING', value: WEBHOOK_URL })
  })

  it('publisher app: a marketplace app whose redirect URL is the global OAuth URL and whose webhooks go to the integration-level URL', async () => {
    const { app, webhooks } = await parse(projectWithProfile('publisher', PUBLISHER_PROFILE), 'publisher')
    expect(app.distribution).toBe('marketplace')
    expect(app.auth.redirectUrls).toEqual([globalOAuthUrlOf(WEBHOOK_URL)])
    expect(app.auth.redirectUrls).toEqual(['https://webhook.example.test/oauth'])
    // The shared channel's webhookUrl (register) and the app's webhook target are one URL: the one HubSpot signs.
    expect(webhooks.settings.targetUrl).toBe(INTEGRATION_URL)
    expect(publisherUrls.signedBaseUrl).toBe(INTEGRATION_URL)
  })

  it('requests exactly the scopes the code needs (src/hubspot/scopes.ts), no more, no fewer', async () => {
    const { app } = await parse(projectWithProfile('test', TEST_PROFILE), 'test')
    expect(new Set(app.auth.requiredScopes)).toEqual(new Set(requiredScopes()))
    expect(app.auth.requiredScopes).toHaveLength(new Set(app.auth.requiredScopes).size)
    expect(app.auth.optionalScopes).toEqual([])
  })

  it('subscribes (active) to every app event the webhook handler acts on, and each of those is acted on', async () => {
    const { webhooks } = await parse(projectWithProfile('test', TEST_PROFILE), 'test')
    const active = webhooks.subscriptions.hubEvents.filter((s) => s.active)
    const key = (s: { subscriptionType: string; propertyName?: string }) => `${s.subscriptionType}/${s.propertyName ?? ''}`
    const handled = Object.values(APP_WEBHOOK_SUBSCRIPTIONS)
    expect(new Set(active.map(key))).toEqual(new Set(handled.map(key)))

    // The constant is what the classifier switches on: a sample of each is not ignored.
    const samples: Record<string, string> = { assignedTo: 'A-123', status: 'CLOSED' }
    for (const s of handled) {
      const propertyName = 'propertyName' in s ? s.propertyName : undefined
      const event = conversationEventSchema.parse({
        eventId: 1,
        objectId: 42,
        subscriptionType: s.subscriptionType,
        ...(propertyName ? { propertyName, propertyValue: samples[propertyName] } : {}),
      })
      expect(classifyConversationEvent(event).kind, key(s)).not.toBe('ignored')
    }
  })

  it('ships an own-app and a publisher example profile with the variables the files use; a profile without one fails to parse', async () => {
    const exampleSchema = z
      .object({
        accountId: z.number(),
        variables: z
          .object({ distribution: z.enum(['private', 'marketplace']), webhookUrl: z.string().url(), redirectUrl: z.string().url() })
          .strict(),
      })
      .strict()
    const read = (name: string) => exampleSchema.parse(JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, project.srcDir, name), 'utf8')))
    const own = read('hsprofile.example.json')
    expect(own.variables.distribution).toBe('private')
    expect(own.variables.redirectUrl).toBe(appUrlsFor(own.variables.webhookUrl, undefined).oauthRedirectUrl)
    const { app } = await parse(projectWithProfile('copy', own), 'copy')
    expect(app.auth.redirectUrls).toEqual([`${own.variables.webhookUrl}/oauth/callback`])

    const publisher = read('hsprofile.publisher.example.json')
    expect(publisher.variables.distribution).toBe('marketplace')
    expect(publisher.variables.webhookUrl).toMatch(/^https:\/\/webhook\.botpress\.cloud\/integration\/global\//)
    expect(publisher.variables.redirectUrl).toBe(globalOAuthUrlOf('https://webhook.botpress.cloud/any-webhook-id'))
    expect((await parse(projectWithProfile('pub', publisher), 'pub')).app.distribution).toBe('marketplace')

    for (const missing of ['distribution', 'webhookUrl', 'redirectUrl'] as const) {
      const variables: Record<string, string> = { ...TEST_PROFILE.variables }
      delete variables[missing]
      await expect(parse(projectWithProfile(`no-${missing}`, { accountId: 1, variables }), `no-${missing}`), missing).rejects.toThrow(
        new RegExp(missing)
      )
    }
  })

  it('the manual-setup docs (README.md, hub.md) list the same scopes and name every subscription', () => {
    const scopeLike = /`((?:conversations|crm|files|oauth|tickets)[a-z_.]*)`/g
    for (const doc of ['README.md', 'hub.md']) {
      const text = fs.readFileSync(path.resolve(__dirname, '../..', doc), 'utf8')
      // The legacy-app path lists the scopes on one line, the one naming the first scope.
      const line = text.split('\n').find((l) => l.includes('`conversations.custom_channels.read`'))
      expect(line, doc).toBeDefined()
      expect(new Set([...(line ?? '').matchAll(scopeLike)].map((m) => m[1])), doc).toEqual(new Set(requiredScopes()))
      for (const s of Object.values(APP_WEBHOOK_SUBSCRIPTIONS)) {
        expect(text, doc).toContain(`\`${s.subscriptionType}\``)
        if ('propertyName' in s) expect(text, doc).toContain(`\`${s.propertyName}\``)
      }
    }
  })
})

import * as sdk from '@botpress/sdk'

const { z } = sdk

/**
 * The Botpress `hitl` interface, version 2.1.0, declared locally.
 * `bp add hitl` would normally download it into bp_modules/hitl; this project must build offline,
 * so the schemas are written here from the interface's published facts. Keep name and version
 * identical: `bp deploy` links the integration to the hub's hitl@2.1.0 by them. Every schema is
 * pinned to the real interface's by tests/definition/hitl-interface.test.ts (labels are our own).
 */

const HIDDEN_IN_STUDIO = { bpActionHiddenInStudio: 'true' } as const

const withHitlFields = <T extends sdk.z.ZodRawShape>(schema: sdk.z.ZodObject<T>) =>
  schema.extend({
    userId: z.string().optional().title('User ID').describe('Botpress user id that sent the message'),
    additionalData: z.string().max(500).optional().title('Additional data').describe('Free-form data, 500 chars max'),
  })

const { defaults } = sdk.messages

const historySource = z.union([
  z.object({ type: z.literal('user'), userId: z.string().title('User ID').describe('Botpress user id') }),
  z.object({ type: z.literal('bot') }),
])

const historyElement = <K extends string, S extends sdk.z.ZodTypeAny>(type: K, payload: S) =>
  z.object({ source: historySource, type: z.literal(type), payload })

export const messageHistoryElementSchema = z.union([
  historyElement('text', defaults.text.schema),
  historyElement('image', defaults.image.schema),
  historyElement('audio', defaults.audio.schema),
  historyElement('video', defaults.video.schema),
  historyElement('file', defaults.file.schema),
  historyElement('location', defaults.location.schema),
  historyElement('carousel', defaults.carousel.schema),
  historyElement('card', defaults.card.schema),
  historyElement('dropdown', defaults.dropdown.schema),
  historyElement('choice', defaults.choice.schema),
  // The real interface's history bloc is the markdown bloc (items may be `markdown`), not the default bloc: the
  // HITL plugin copies a bot's bloc messages into the history as they are.
  historyElement('bloc', sdk.messages.markdownBloc.schema),
  historyElement('markdown', sdk.messages.markdown.schema),
])

export const hitlMessageSchemas = {
  text: withHitlFields(defaults.text.schema),
  image: withHitlFields(defaults.image.schema),
  audio: withHitlFields(defaults.audio.schema),
  video: withHitlFields(defaults.video.schema),
  file: withHitlFields(defaults.file.schema),
  bloc: withHitlFields(sdk.messages.markdownBloc.schema),
} as const

export const createUserInputSchema = z.object({
  name: z.string().title('Name').describe('Display name of the end user'),
  pictureUrl: z.string().optional().title('Picture URL').describe('Avatar of the end user'),
  email: z.string().optional().title('Email').describe('Email address (or phone number) of the end user'),
})
export const createUserOutputSchema = z.object({
  userId: z.string().title('User ID').describe('Botpress id of the end user'),
})

/** Built from the session schema: an entity reference in the interface, our `ticket` schema in the integration. */
export const buildStartHitlInputSchema = <S extends sdk.z.ZodTypeAny>(hitlSession: S) =>
  z.object({
    userId: z.string().title('User ID').describe('Botpress id of the end user (from createUser)'),
    title: z.string().optional().title('Title').describe('Title of the HITL session'),
    description: z.string().optional().title('Description').describe('Description of the HITL session'),
    hitlSession: hitlSession.optional().title('Extra parameters').describe('Integration-specific parameters'),
    messageHistory: z.array(messageHistoryElementSchema).title('Conversation history').describe('Bot conversation so far, oldest first'),
  })

export const startHitlOutputSchema = z.object({
  conversationId: z.string().title('Conversation ID').describe('Botpress conversation on channel hitl'),
})
export const stopHitlInputSchema = z.object({
  conversationId: z.string().title('Conversation ID').describe('Botpress HITL conversation to close'),
})

export const hitlAssignedSchema = z.object({
  conversationId: z.string().title('Conversation ID').describe('Botpress HITL conversation'),
  userId: z.string().title('User ID').describe('Botpress user standing for the human agent'),
})
export const hitlStoppedSchema = z.object({
  conversationId: z.string().title('Conversation ID').describe('Botpress HITL conversation'),
})

export const hitl = new sdk.InterfaceDefinition({
  name: 'hitl',
  version: '2.1.0',
  entities: {
    hitlSession: { title: 'HITL session', description: 'Data about the HITL session', schema: z.object({}) },
  },
  actions: {
    createUser: {
      title: 'Create external user',
      description: 'Create an end user in the external service and in Botpress',
      attributes: HIDDEN_IN_STUDIO,
      input: { schema: () => createUserInputSchema },
      output: { schema: () => createUserOutputSchema },
    },
    startHitl: {
      title: 'Start new HITL session',
      description: 'Create a new HITL session in the external service',
      attributes: HIDDEN_IN_STUDIO,
      input: { schema: ({ hitlSession }) => buildStartHitlInputSchema(hitlSession) },
      output: { schema: () => startHitlOutputSchema },
    },
    stopHitl: {
      title: 'Stop HITL session',
      description: 'Close the HITL session in the external service',
      attributes: HIDDEN_IN_STUDIO,
      input: { schema: () => stopHitlInputSchema },
      output: { schema: () => z.object({}) },
    },
  },
  events: {
    hitlAssigned: { attributes: HIDDEN_IN_STUDIO, schema: () => hitlAssignedSchema },
    hitlStopped: { attributes: HIDDEN_IN_STUDIO, schema: () => hitlStoppedSchema },
  },
  channels: {
    hitl: {
      messages: {
        text: { schema: () => hitlMessageSchemas.text },
        image: { schema: () => hitlMessageSchemas.image },
        audio: { schema: () => hitlMessageSchemas.audio },
        video: { schema: () => hitlMessageSchemas.video },
        file: { schema: () => hitlMessageSchemas.file },
        bloc: { schema: () => hitlMessageSchemas.bloc },
      },
    },
  },
  // As the real interface: `bp deploy` converts its schemas with the legacy zui transformer.
  __advanced: { useLegacyZuiTransformer: true },
})

/** What `bp add hitl` would put in bp_modules/hitl: the package `.extend()` takes. */
export const hitlPackage = {
  type: 'interface',
  name: 'hitl',
  version: '2.1.0',
  definition: hitl,
} as const satisfies sdk.InterfacePackage

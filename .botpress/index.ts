/**
 * Stand-in for the module `bp gen` writes. The `bp` CLI cannot run offline here, so the types are
 * inferred from the definitions instead of generated. It exports only names the real `bp gen` emits
 * (tests/definition/botpress-exports.test.ts keeps it so): `bp gen` and `bp build` overwrite this
 * file, and code importing any other name would stop compiling after that.
 */
import * as sdk from '@botpress/sdk'
import type { Configuration, OwnAppConfiguration, SecretName } from '../definitions/configuration'
import type { entities } from '../definitions/entities'
import type * as hitlDefs from '../definitions/hitl-interface'
import type { states } from '../definitions/states'
import type { hitlConversationTags, hitlMessageTags, userTags } from '../definitions/tags'

type Infer<T extends sdk.z.ZodTypeAny> = sdk.z.infer<T>
type Tags<T> = { [K in keyof T]: string }

type TicketEntity = Infer<(typeof entities)['ticket']['schema']>
type HitlMessages = { [K in keyof typeof hitlDefs.hitlMessageSchemas]: Infer<(typeof hitlDefs.hitlMessageSchemas)[K]> }
type States = { [K in keyof typeof states]: { type: (typeof states)[K]['type']; payload: Infer<(typeof states)[K]['schema']> } }

type StartHitlInput = Infer<ReturnType<typeof hitlDefs.buildStartHitlInputSchema<sdk.z.ZodType<TicketEntity>>>>

export type TIntegration = {
  name: 'hubspot-hitl'
  version: '0.1.0'
  configuration: Configuration
  configurations: { ownApp: OwnAppConfiguration }
  actions: {
    createUser: { input: Infer<typeof hitlDefs.createUserInputSchema>; output: Infer<typeof hitlDefs.createUserOutputSchema> }
    startHitl: { input: StartHitlInput; output: Infer<typeof hitlDefs.startHitlOutputSchema> }
    stopHitl: { input: Infer<typeof hitlDefs.stopHitlInputSchema>; output: {} }
  }
  events: {
    hitlAssigned: Infer<typeof hitlDefs.hitlAssignedSchema>
    hitlStopped: Infer<typeof hitlDefs.hitlStoppedSchema>
  }
  channels: {
    hitl: {
      messages: HitlMessages
      message: { tags: Tags<typeof hitlMessageTags> }
      conversation: { tags: Tags<typeof hitlConversationTags> }
    }
  }
  states: States
  user: { tags: Tags<typeof userTags> }
  entities: { ticket: TicketEntity }
}

// Not exported: `bp gen` keeps its DefaultIntegration alias private too.
type TI = sdk.DefaultIntegration<TIntegration>

export class Integration extends sdk.Integration<TI> {}
export type IntegrationProps = sdk.IntegrationProps<TI>
export type Client = sdk.IntegrationSpecificClient<TI>
export type HandlerProps = Parameters<IntegrationProps['handler']>[0]
export type Context = HandlerProps['ctx']
export type Logger = HandlerProps['logger']
export type CommonHandlerProps = { ctx: Context; client: Client; logger: Logger }

export type ActionProps = {
  [K in keyof TI['actions']]: Parameters<IntegrationProps['actions'][K]>[0]
}
export type AnyActionProps = ActionProps[keyof ActionProps]

export type MessageProps = {
  [C in keyof TI['channels']]: {
    [M in keyof TI['channels'][C]['messages']]: Parameters<IntegrationProps['channels'][C]['messages'][M]>[0]
  }
}

export type AnyMessageProps = MessageProps[keyof MessageProps][keyof MessageProps[keyof MessageProps]]

export namespace channels {
  export namespace hitl {
    export type Messages = TI['channels']['hitl']['messages']
  }
}

/**
 * Like `bp gen`'s `secrets` module: one getter per definition secret, reading the env variable `bp deploy --secrets`
 * fills. All are optional in the definition, so each may be undefined (src/credentials.ts says which mode needs them).
 */
class Secrets {
  private _read(name: SecretName): string | undefined {
    return process.env[`SECRET_${name}`]
  }
  public get CLIENT_ID(): string | undefined {
    return this._read('CLIENT_ID')
  }
  public get CLIENT_SECRET(): string | undefined {
    return this._read('CLIENT_SECRET')
  }
  public get APP_ID(): string | undefined {
    return this._read('APP_ID')
  }
  public get DEVELOPER_API_KEY(): string | undefined {
    return this._read('DEVELOPER_API_KEY')
  }
  public get INTEGRATION_WEBHOOK_URL(): string | undefined {
    return this._read('INTEGRATION_WEBHOOK_URL')
  }
}
export const secrets = new Secrets()

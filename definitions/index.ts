export {
  configuration,
  configurations,
  configurationSchema,
  identifier,
  OWN_APP_CONFIGURATION,
  ownAppConfigurationSchema,
  secrets,
  type Configuration,
  type OwnAppConfiguration,
  type SecretName,
} from './configuration'
export { states } from './states'
export { entities } from './entities'
export { hitlConversationTags, hitlMessageTags, userTags } from './tags'
export { hitl, hitlPackage } from './hitl-interface'

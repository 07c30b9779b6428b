/**
 * The few entry points of @hubspot/project-parsing-lib the project test uses. The package is ESM
 * with `exports` subpaths, which this repo's `moduleResolution: node` cannot type; vitest loads the
 * real package. Results are typed `unknown` on purpose: the test parses them with zod.
 */
declare module '@hubspot/project-parsing-lib/translate' {
  export type TranslationContext = { projectSourceDir: string; platformVersion: string; accountId?: number }
  export function translate(
    ctx: TranslationContext,
    opts?: { skipValidation?: boolean; profile?: string }
  ): Promise<{ intermediateRepresentation: unknown }>
  export function translateForLocalDev(
    ctx: TranslationContext,
    opts?: { skipValidation?: boolean; profile?: string }
  ): Promise<{ intermediateRepresentation: unknown }>
}

declare module '@hubspot/project-parsing-lib/uid' {
  /** An error message, or undefined when the uid is valid. */
  export function validateUid(uid: string): string | undefined
}

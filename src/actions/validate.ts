import * as sdk from '@botpress/sdk'

/** The SDK does not validate action input against the schemas (the cloud does); we do, at the edge. */
export const parseInput = <T>(action: string, schema: sdk.z.ZodType<T, sdk.z.ZodTypeDef, unknown>, input: unknown): T => {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'input'}: ${i.message}`)
    .join('; ')
  throw new sdk.RuntimeError(`${action}: invalid input (${problems}).`)
}

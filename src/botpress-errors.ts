import * as sdk from '@botpress/sdk'

/** A Botpress API "not found": a missing state, user or conversation is an answer, not a failure. */
export const isNotFound = (err: unknown): boolean => sdk.isApiError(err) && err.type === 'ResourceNotFound'

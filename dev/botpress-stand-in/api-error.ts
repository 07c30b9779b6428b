import type { ErrorType } from '@botpress/client'
import { newId } from './ids'

/** The HTTP status the Botpress API uses for each error type the stand-in can produce. */
const STATUS: Partial<Record<ErrorType, number>> = {
  InvalidPayload: 400,
  Unauthorized: 401,
  ResourceNotFound: 404,
  MethodNotFound: 405,
  AlreadyExists: 409,
  Internal: 500,
}

/** The JSON body of an API error; `@botpress/client` turns it back into the matching error class by `type`. */
export type ApiErrorBody = { id: string; code: number; type: ErrorType; message: string }

export class StandInApiError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string
  ) {
    super(message)
    this.name = 'StandInApiError'
  }

  get code(): number {
    return STATUS[this.type] ?? 500
  }

  toBody(): ApiErrorBody {
    return { id: newId('err'), code: this.code, type: this.type, message: this.message }
  }
}

export const notFound = (kind: string, key: string): StandInApiError => new StandInApiError('ResourceNotFound', `${kind} "${key}" does not exist`)

export const invalidPayload = (message: string): StandInApiError => new StandInApiError('InvalidPayload', message)

import { randomUUID } from 'node:crypto'

/** HubSpot's `Error` schema (plus the `status: "error"` most responses carry). */
export type ErrorDetail = { message: string; in?: string; code?: string; subCategory?: string; context?: Record<string, string[]> }
export type ErrorBody = {
  status: 'error'
  message: string
  correlationId: string
  category: string
  subCategory?: string
  context?: Record<string, string[]>
  errors?: ErrorDetail[]
}

/** Thrown by handlers; the server turns it into the HTTP response. */
export class ApiError extends Error {
  public constructor(
    public readonly status: number,
    public readonly body: Record<string, unknown>
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`)
  }
}

type Extra = { subCategory?: string; errors?: ErrorDetail[]; context?: Record<string, string[]> }

export const errorBody = (category: string, message: string, extra: Extra = {}): ErrorBody => ({
  status: 'error',
  message,
  correlationId: randomUUID(),
  category,
  ...(extra.subCategory ? { subCategory: extra.subCategory } : {}),
  ...(extra.context ? { context: extra.context } : {}),
  ...(extra.errors ? { errors: extra.errors } : {}),
})

export const apiError = (status: number, category: string, message: string, extra?: Extra): ApiError =>
  new ApiError(status, errorBody(category, message, extra))

export const notFound = (message: string): ApiError => apiError(404, 'OBJECT_NOT_FOUND', message)

export const validationError = (message: string, extra?: Extra): ApiError =>
  apiError(400, 'VALIDATION_ERROR', message, { errors: [{ message }], ...extra })

export const unauthenticated = (message: string, category = 'INVALID_AUTHENTICATION'): ApiError => apiError(401, category, message)

export const rateLimitBody = (): Record<string, unknown> => ({
  status: 'error',
  message: 'You have reached your ten_secondly_rolling limit.',
  errorType: 'RATE_LIMIT',
  correlationId: randomUUID(),
  policyName: 'TEN_SECONDLY_ROLLING',
  requestId: randomUUID(),
})

/** The body HubSpot would plausibly send for an injected status when the test gives none. */
export const defaultFaultBody = (status: number): Record<string, unknown> => {
  if (status === 429) return rateLimitBody()
  if (status === 401) return errorBody('INVALID_AUTHENTICATION', 'Authentication credentials not found.')
  if (status === 403) return errorBody('MISSING_SCOPES', 'This app lacks a required scope.')
  if (status === 404) return errorBody('OBJECT_NOT_FOUND', 'Resource not found.')
  if (status === 409) return errorBody('CONFLICT', 'Conflict.')
  if (status >= 500) return errorBody('INTERNAL_ERROR', 'internal error')
  return errorBody('VALIDATION_ERROR', `Injected error ${status}.`)
}

// Every error the HTTP edge answers with has a stable code and an HTTP status; the body never
// carries a stack trace (the log line does).
export type HookErrorCode =
  | 'HOOK_BAD_REQUEST'
  | 'HOOK_UNAUTHORIZED'
  | 'HOOK_NOT_FOUND'
  | 'HOOK_BODY_TOO_LARGE'
  | 'HOOK_UNSUPPORTED_MEDIA_TYPE'
  | 'HOOK_RECONCILE_FAILED'
  | 'HOOK_NOT_READY'
  | 'HOOK_INTERNAL';

export class HookError extends Error {
  readonly code: HookErrorCode;
  readonly statusCode: number;
  constructor(code: HookErrorCode, statusCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HookError';
    this.code = code;
    this.statusCode = statusCode;
  }
}

/** The JSON body of every error answer. */
export interface ErrorBody {
  statusCode: number;
  code: HookErrorCode;
  error: string;
  message: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(err: HookError): ErrorBody {
  return {
    statusCode: err.statusCode,
    code: err.code,
    error: STATUS_TEXT[err.statusCode] ?? 'Error',
    message: err.message,
  };
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  validationContext?: string;
}

/**
 * Maps whatever reached the error handler (our HookError, Fastify's own FST_ERR_* errors, JSON
 * syntax errors, anything else) onto a HookError. Unknown errors become a generic 500 so internal
 * messages do not leak.
 */
export function toHookError(err: unknown): HookError {
  if (err instanceof HookError) return err;
  const e = (err ?? {}) as FastifyLikeError;
  if (Array.isArray(e.validation) && e.validation.length > 0) {
    const v = e.validation[0]!;
    const prop = v.params?.['additionalProperty'];
    const extra = typeof prop === 'string' ? ` (${prop})` : '';
    const where = `${e.validationContext ?? 'body'}${v.instancePath ?? ''}`;
    return new HookError('HOOK_BAD_REQUEST', 400, `${where} ${v.message ?? 'is invalid'}${extra}`, {
      cause: err,
    });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HookError(
        'HOOK_BODY_TOO_LARGE',
        413,
        'request body is larger than the configured limit (BODY_LIMIT_BYTES)',
        {
          cause: err,
        },
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HookError('HOOK_UNSUPPORTED_MEDIA_TYPE', 415, 'content-type must be application/json', {
        cause: err,
      });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HookError('HOOK_BAD_REQUEST', 400, 'body must be a JSON object, got an empty body', {
        cause: err,
      });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HookError('HOOK_BAD_REQUEST', 400, 'content-length does not match the body', { cause: err });
    default:
      break;
  }
  if (err instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new HookError('HOOK_BAD_REQUEST', 400, `body is not valid JSON: ${e.message ?? ''}`.trim(), {
      cause: err,
    });
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new HookError('HOOK_BAD_REQUEST', e.statusCode, e.message ?? 'bad request', { cause: err });
  }
  return new HookError('HOOK_INTERNAL', 500, 'internal error; see the hook server log', { cause: err });
}

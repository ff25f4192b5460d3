/**
 * Errors raised by tracking stores. They are user-facing (bad keys, a param logged twice with
 * different values, an unsupported tracking URI), so the CLI can print `message` without a stack.
 * `code` mirrors MLflow's error codes, so the REST store can raise the same errors later.
 */

export type TrackingErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_STATE'
  | 'INTERNAL_ERROR';

export class TrackingError extends Error {
  readonly code: TrackingErrorCode;

  constructor(message: string, code: TrackingErrorCode = 'INTERNAL_ERROR', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrackingError';
    this.code = code;
  }
}

/** The tracking URI (config `tracking.uri` or MLFLOW_TRACKING_URI) names a store mmx cannot use. */
export class TrackingUriError extends TrackingError {
  readonly uri: string;

  constructor(uri: string, message: string) {
    super(message, 'INVALID_PARAMETER_VALUE');
    this.name = 'TrackingUriError';
    this.uri = uri;
  }
}

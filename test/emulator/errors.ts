/** An Alibaba Cloud API error: rendered as `{"RequestId","HostId","Code","Message","Recommend"}`. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: string, message: string, status = 400, extra?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.extra = extra;
  }
}

export const notFound = (kind: string, message?: string): ApiError =>
  new ApiError(`Invalid${kind}.NotFound`, message ?? `The specified ${kind} does not exist.`, 404);

export const invalidParameter = (name: string, message?: string): ApiError =>
  new ApiError(`InvalidParameter`, message ?? `The specified parameter "${name}" is not valid.`, 400);

export const missingParameter = (name: string): ApiError =>
  new ApiError(
    `MissingParameter`,
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    400,
  );

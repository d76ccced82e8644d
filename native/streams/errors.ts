/**
 * Why a snapshot, clip export or HLS request failed. The host maps `code` to an HTTP status or a
 * contract error code; `message` is written for the operator and names the stream.
 */
export type StreamErrorCode =
  /** The key is malformed or the resolver knows no such stream. */
  | 'unknown_stream'
  /** Arguments out of range (negative durations, a window too far in the future, …). */
  | 'bad_request'
  /** A clip was asked of a stream that nobody is pulling, so nothing is buffered. */
  | 'not_active'
  /** The requested clip window starts before the oldest buffered keyframe. */
  | 'out_of_range'
  /** No picture arrived in time (camera slow, offline or reconnecting). */
  | 'timeout'
  /** ffmpeg could not decode the cached pictures into a JPEG. */
  | 'decode_failed'
  /** ffmpeg could not write the MP4. */
  | 'export_failed'
  /** The gateway is shutting down. */
  | 'closed';

export class StreamGatewayError extends Error {
  readonly code: StreamErrorCode;
  readonly key: string;

  constructor(code: StreamErrorCode, key: string, message: string) {
    super(message);
    this.name = 'StreamGatewayError';
    this.code = code;
    this.key = key;
  }
}

const HTTP_STATUS: Record<StreamErrorCode, number> = {
  unknown_stream: 404,
  bad_request: 400,
  not_active: 409,
  // Gone: the footage existed but has rolled out of the pre-alarm buffer.
  out_of_range: 410,
  timeout: 504,
  decode_failed: 502,
  export_failed: 500,
  closed: 503,
};

/** HTTP status for an error thrown by the gateway; 500 for anything unexpected. */
export function httpStatusOf(err: unknown): number {
  return err instanceof StreamGatewayError ? HTTP_STATUS[err.code] : 500;
}

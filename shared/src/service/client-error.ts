import { maxHeaderSize } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from './app-error.ts';
import { problemContentType, toProblem } from './problem.ts';

/** Node refuses a request line plus headers above this many bytes (16 KiB unless `--max-http-header-size`). */
export const maxRequestHeadBytes = maxHeaderSize;

/**
 * Requests Node's HTTP parser rejects never reach Express (a URL longer than the header
 * limit, a garbled request line). Node would answer a bare status with an empty body;
 * this answers the kit's problem+json instead, then closes the connection as Node does.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const appError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError(
          'HEADERS_TOO_LARGE',
          `The request line and headers exceed ${maxRequestHeadBytes} bytes; shorten the URL.`,
          { extras: { limitBytes: maxRequestHeadBytes } },
        )
      : new AppError('VALIDATION_FAILED', 'The request could not be parsed as HTTP/1.1.');
  const body = JSON.stringify(toProblem(appError));
  socket.end(
    `HTTP/1.1 ${appError.status} ${appError.title}\r\n` +
      `Content-Type: ${problemContentType}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** How a call to a peer ended, without exceptions: the caller decides what each means. */
export type PeerReply<T> =
  | { readonly kind: 'ok'; readonly status: number; readonly body: T }
  /** Nothing was delivered: link cut, connection refused. */
  | { readonly kind: 'unreachable'; readonly reason: string }
  /** Sent, but no answer in time: the peer may have acted on it. */
  | { readonly kind: 'timeout'; readonly reason: string };

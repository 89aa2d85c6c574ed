/**
 * The names a client may use. All are checked with these fixed patterns, never
 * with a pattern a client supplies (a user-supplied regular expression is a ReDoS).
 */

/** Lower-case letters, digits, dot, dash, underscore; starts with a letter or digit. */
export const userIdPattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const topicPattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const labelPattern = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/**
 * The socket's own mailbox: every mail of its user, in historyId order. It is the
 * only topic whose messages form a gap-free sequence a client can check.
 */
export const mailboxTopic = 'mailbox';

/** A label is also a shared topic of the same name; `mailbox` is reserved for the mailbox. */
export const isReservedLabel = (label: string): boolean => label === mailboxTopic;

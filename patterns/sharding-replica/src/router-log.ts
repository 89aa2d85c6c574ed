/** The few log calls the router's background work makes; pino's logger fits it. */
export interface RouterLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

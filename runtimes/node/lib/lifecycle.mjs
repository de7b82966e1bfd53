// Process-wide state shared by the server and the response writer.
export const lifecycle = {
  /** Set on SIGTERM: readiness answers 503 and every answer closes its connection. */
  draining: false,
};

// The version reported by --version, /healthz and the User-Agent.
export const VERSION = '0.1.0';

/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Backend base URL baked into the package uploaded to Zoho (see ../../README or config.ts). */
  readonly VITE_BACKEND_URL?: string;
}

/**
 * Builds the Zoho CRM widget (widget/) into app/, the folder zoho-extension-toolkit packs:
 * two pages (settings.html for admins, panel.html for a record's detail page), relative asset
 * URLs (Zoho serves the package from its own host; the backend serves it under /widget/),
 * no source maps, and file names within zet's [A-Za-z0-9_.$-].
 * Set VITE_BACKEND_URL at build time to bake the backend's URL into the uploaded package.
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('./widget'),
  base: './',
  plugins: [preact()],
  build: {
    outDir: here('./app'),
    emptyOutDir: true,
    sourcemap: false,
    rolldownOptions: {
      input: {
        settings: here('./widget/settings.html'),
        panel: here('./widget/panel.html'),
      },
      output: {
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/shared-[hash].js',
        assetFileNames: 'assets/widget-[hash][extname]',
      },
    },
  },
});

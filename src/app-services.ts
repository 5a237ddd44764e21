// The composition root's list of adapters: the one file in src/ that may import adapters/.
import type { AdapterFactories } from './app.js';

/**
 * The adapters that exist in this build. Each adapter issue adds its factory here; until then `npm start` says
 * plainly that the adapter the configuration asks for is not built yet.
 */
export const builtAdapters: AdapterFactories = {};

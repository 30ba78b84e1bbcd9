// A worker thread starts without its parent's TypeScript loader: register tsx, then run the worker.
import { register } from 'tsx/esm/api';

register();
await import('./processor-worker.ts');

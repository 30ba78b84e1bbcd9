import { bundleSection } from './bundle.js';
import { bytesScannedSection } from './bytes-scanned.js';
import { duckdbSection } from './duckdb.js';
import { gcSection } from './gc.js';
import { handlerSection } from './handler.js';
import { naiveSection } from './naive.js';
import { packingSection } from './packing.js';
import { parseSection } from './parse.js';
import { pipelineSection } from './pipeline.js';
import type { Section } from './section.js';
import { targetsSection } from './targets.js';

/** Every section, in run order. A new section is one file here plus one line in this list. */
export const SECTIONS: readonly Section[] = [
  parseSection,
  handlerSection,
  duckdbSection,
  naiveSection,
  packingSection,
  pipelineSection,
  bundleSection,
  bytesScannedSection,
  targetsSection,
  gcSection,
];

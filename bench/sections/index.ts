import { duckdbSection } from './duckdb.js';
import { gcSection } from './gc.js';
import { handlerSection } from './handler.js';
import { naiveSection } from './naive.js';
import { parseSection } from './parse.js';
import type { Section } from './section.js';
import { targetsSection } from './targets.js';

/** Every section, in run order. A new section is one file here plus one line in this list. */
export const SECTIONS: readonly Section[] = [parseSection, handlerSection, duckdbSection, naiveSection, targetsSection, gcSection];

import type { Colors } from './colors.js';

/**
 * How to lay out results. `forPeople` (stdout is a terminal) gets aligned tables and labels;
 * otherwise output is tab-separated lines without headers, stable for `cut` and `awk`.
 * Colour is decided separately (NO_COLOR and --no-color turn it off even at a terminal).
 */
export type Presentation = { colors: Colors; forPeople: boolean };

import { h } from 'preact';
import htm from 'htm';

/** Tagged template producing Preact elements (no build step). */
export const html = htm.bind(h);

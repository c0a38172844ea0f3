// html is Preact's h bound to htm: JSX-like templates with no build step.
import htm from './vendor/htm.mjs';
import { h } from './vendor/preact.mjs';

export const html = htm.bind(h);

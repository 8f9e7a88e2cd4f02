// Long sequences (traceback lines, frames) shown around the item that matters, the rest behind "show more" buttons.
import { h, replace } from './dom.js';

/** Shown whole up to this many items. */
const SHOW_ALL_UP_TO = 60;
/** Items kept either side of the focus, and at each end (a trace's header and its exception line). */
const CONTEXT = 10;
const EDGE = 5;
/** A hidden stretch shorter than this is shown instead: a button would hide almost nothing. */
const MIN_GAP = 4;
/** Items one click reveals. */
const CHUNK = 100;

/**
 * Renders items [0, n) into `container` through `renderRun(start, end)` (an array of nodes for a
 * shown stretch), with a button for each hidden stretch; `moreButton` wraps a button where the
 * container needs it (an <li> in a list). `focus` is the index to show context around, or -1.
 */
export function renderCollapsed(container, n, focus, { renderRun, noun, wrap = (b) => b }) {
  const shown = new Uint8Array(n);
  if (n <= SHOW_ALL_UP_TO) shown.fill(1);
  else {
    const around = focus >= 0 ? focus : EDGE + CONTEXT;
    for (let i = 0; i < n; i++) {
      if (i < EDGE || i >= n - EDGE || Math.abs(i - around) <= CONTEXT) shown[i] = 1;
    }
    // Close the gaps too small to be worth a button.
    let i = 0;
    while (i < n) {
      if (shown[i]) {
        i++;
        continue;
      }
      let j = i;
      while (j < n && !shown[j]) j++;
      if (j - i < MIN_GAP) shown.fill(1, i, j);
      i = j;
    }
  }

  const render = (focusGapAt) => {
    const nodes = [];
    let toFocus = null;
    let i = 0;
    while (i < n) {
      let j = i;
      while (j < n && shown[j] === shown[i]) j++;
      if (shown[i]) nodes.push(...renderRun(i, j));
      else {
        const start = i;
        const hidden = j - i;
        const reveal = Math.min(CHUNK, hidden);
        const button = h(
          'button',
          { type: 'button', class: 'show-more', 'aria-label': `Show ${reveal} more ${noun(reveal)} of ${hidden} hidden` },
          `Show ${reveal.toLocaleString('en')} more ${noun(reveal)}`,
          hidden > reveal ? ` (${hidden.toLocaleString('en')} hidden)` : '',
        );
        button.addEventListener('click', () => {
          shown.fill(1, start, start + reveal);
          render(start + reveal);
        });
        if (focusGapAt === start) toFocus = button;
        nodes.push(wrap(button));
      }
      i = j;
    }
    replace(container, nodes);
    // Keyboard users stay on the button of the stretch still hidden; otherwise on the container.
    if (focusGapAt !== undefined) (toFocus ?? container).focus();
  };
  render();
}

// Grouping rules in one place: which exception, which frame, and when an event is a message (pure).
export { crashFrameOf, framesBelowPanic, type CrashContext, type EventFrame } from './crash-frame.js';
export { isMessageEvent, messageFingerprint, messageGroupingText } from './message.js';
export { primaryException } from './primary.js';
export { minifiedColumn, MINIFIED_COLUMN } from './minified.js';

import type { FrameRules } from './frame-rules.js';

/** Put in by build.js, as JSON, from the shared ServerFrameSchema (see frame-rules.ts). */
declare const __SERVER_FRAME_RULES__: string;

export const serverFrameRules = JSON.parse(__SERVER_FRAME_RULES__) as FrameRules;

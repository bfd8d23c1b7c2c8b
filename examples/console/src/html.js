// htm bound to Preact's `h`: the console's templates are tagged template literals, no JSX
// and no compile step of their own (esbuild only bundles).
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);

/** Types of build-console-ui.mjs (for the tests that build the page). */
export function buildConsoleUi (options?: { readonly outdir?: string, readonly minify?: boolean }): Promise<{ outdir: string, files: string[], inputs: string[] }>

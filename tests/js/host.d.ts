/** The globals the Linux JSI host (`scripts/jsi-run`) gives a test script, besides `console` and the timers. */
declare const host: {
  /** An environment variable, or `undefined`. */
  env(name: string): string | undefined;
  /** Ends the script with an exit status. */
  exit(code: number): never;
};

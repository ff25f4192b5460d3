/** mmx's exit codes (a module of their own, so the CLI's entry reads them without loading user-errors' imports). */
export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

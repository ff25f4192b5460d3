/**
 * Import this first in a test that renders Ink on a fake terminal. Ink decides once, when it is loaded, whether it
 * runs in CI (the CI or CONTINUOUS_INTEGRATION variable); there it draws no live frames, only <Static> output and the
 * last frame. mmx itself picks the plain reporter in CI (src/ui/reporter.ts), so a test of the live terminal UI
 * must load Ink as a person's terminal has it, whatever machine runs the suite.
 */
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;

// Jest reporter that ends a run with one plain line, `jest: N passed, N failed, N skipped`, which CI
// reads to tell a run that executed tests from one that executed none. Printed when the process
// exits, so it comes after jest's own summary.
import process from 'node:process';

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.once('exit', () => process.stdout.write(line));
  }
}

// Prints one plain closing line ("N passed, N failed, N skipped") after jest's own summary, so log
// readers that do not know jest's format can still tell how many tests ran.
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped } = results;
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

// Prints the `N passed, N failed, N skipped` line CI reads, from vitest's JSON report, and exits non-zero on
// any failure, any skipped test (a missing service must fail CI, not hide), or zero tests.
import { readFileSync } from "node:fs";

const [reportPath = "reports/vitest.json", vitestStatus = "0"] = process.argv.slice(2);
let report: {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numFailedTestSuites: number;
};
try {
  report = JSON.parse(readFileSync(reportPath, "utf8"));
} catch (error) {
  console.log(`vitest wrote no readable report at ${reportPath}: ${(error as Error).message}`);
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const passed = report.numPassedTests;
let failed = report.numFailedTests;
// A test file that fails to load counts as a failed suite with no failed test: count it.
if (failed === 0 && report.numFailedTestSuites > 0) failed = report.numFailedTestSuites;
if (failed === 0 && vitestStatus !== "0") failed = 1;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || skipped > 0 || passed === 0 ? 1 : 0);

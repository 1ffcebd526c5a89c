// Prints the `N passed, N failed, N skipped` line CI reads, from vitest's JSON report, and exits non-zero on
// any failure, any skipped test (a missing service must fail CI, not hide), or zero tests. An optional third
// argument names a file of checks .ci/run ran outside vitest (`pass NAME` or `fail NAME` per line, one
// count each), such as the fresh set-up of tools/check-setup.sh.
import { existsSync, readFileSync } from "node:fs";

const [reportPath = "reports/vitest.json", vitestStatus = "0", checksPath] = process.argv.slice(2);
const checks = (checksPath !== undefined && existsSync(checksPath) ? readFileSync(checksPath, "utf8") : "")
  .split("\n")
  .filter((line) => line.trim() !== "");
const failedChecks = checks.filter((line) => !line.startsWith("pass "));
for (const line of failedChecks) console.log(`check failed: ${line.replace(/^fail /, "")}`);
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
  console.log(`${checks.length - failedChecks.length} passed, ${1 + failedChecks.length} failed`);
  process.exit(1);
}
const passed = report.numPassedTests + checks.length - failedChecks.length;
let failed = report.numFailedTests;
// A test file that fails to load counts as a failed suite with no failed test: count it.
if (failed === 0 && report.numFailedTestSuites > 0) failed = report.numFailedTestSuites;
if (failed === 0 && vitestStatus !== "0") failed = 1;
failed += failedChecks.length;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || skipped > 0 || passed === 0 ? 1 : 0);

#pragma once

#include <string>

#include "kefu/analytics/sim.h"
#include "kefu/core/status.h"

// Reports of a simulation (issue #5, `kefu simulate`): per-interval KPI tables as CSV and a
// self-contained HTML page with inline SVG charts (no scripts, fonts or images from outside).

namespace kefu::analytics {

// intervals.csv: one row per interval, means over replications, with 95 % half-widths.
std::string IntervalsCsv(const ReplicationSummary& summary);
// summary.csv: the whole run's KPIs, mean and 95 % half-width over replications.
std::string SummaryCsv(const ReplicationSummary& summary);
// The HTML report: the scenario, the summary, and charts of offered, staffed, service level,
// ASA and abandons per interval.
std::string HtmlReport(const Scenario& scenario, const ReplicationSummary& summary);

// Writes intervals.csv, summary.csv and report.html into `dir` (created if missing).
// Unavailable (with the path) when a file cannot be written.
Status WriteSimulationReport(const Scenario& scenario, const ReplicationSummary& summary,
                             const std::string& dir);

}  // namespace kefu::analytics

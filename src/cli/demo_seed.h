#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "kefu/core/clock.h"
#include "kefu/core/result.h"
#include "kefu/store/database.h"

namespace kefu::cli {

// What `kefu demo seed` generates.
struct DemoSeedOptions {
  // Customers to generate, each with 1–4 cards, maybe a loan and 10–25 transactions.
  int customers = 2000;
  // The same seed gives the same names, numbers, amounts and times (ids and created times
  // also follow the clock).
  uint64_t seed = 20261122;
  // HMAC key for the keyed hashes of ID numbers, mobiles and card numbers; must be the key
  // the server is configured with, or its lookups by hash find nothing. REQUIRES: not empty.
  std::string pii_key;
  // Node id for kefu::IdGenerator (0 .. IdGenerator::kMaxNodeId).
  int node_id = 0;
};

// Rows written by SeedDemo, per table. All zero when already_seeded.
struct DemoSeedReport {
  int regions = 0;
  int branches = 0;
  int teams = 0;
  int agents = 0;
  int skills = 0;
  int queues = 0;
  int customers = 0;
  int cards = 0;
  int loans = 0;
  int transactions = 0;
  int failed_transactions = 0;
  int interactions = 0;  // contacts on every channel over the last 180 days
  int tickets = 0;       // complaints included
  int complaints = 0;
  int surveys = 0;
  // The database already held a finished demo seed; nothing was written.
  bool already_seeded = false;
};

// Called after each stage or batch: stage "reference" (regions, teams, agents, queues, error
// codes) then "customers" with customers done so far out of the total.
using SeedProgress = std::function<void(std::string_view stage, int64_t done, int64_t total)>;

// Fills a migrated kefu database with generated demo data for a bank's customer-service
// center: regions and branches (mainland, Hong Kong, Taiwan), teams, agents with skills,
// queues, transaction error codes, and customers with valid resident ID numbers, mobiles,
// Luhn-valid cards (stored masked and hashed), loans and 90 days of transactions before
// clock.NowMs(), about 8% of them failed with an error code. Generated, not copied, and
// deterministic from options.seed. Writes in batches of 100 customers per transaction and
// marks the database with kefu_meta 'demo_seeded' in the last one.
//
// Returns already_seeded (writing nothing) when that marker exists; kFailedPrecondition when
// the schema is not migrated or an earlier seed started and did not finish (the database
// then holds part of a seed: start again from an empty database); kInvalidArgument for bad
// options; otherwise the database's error. Not for concurrent use on one database (a second
// concurrent seed fails with kFailedPrecondition).
Result<DemoSeedReport> SeedDemo(store::Database& db, const Clock& clock,
                                const DemoSeedOptions& options, const SeedProgress& progress = {});

}  // namespace kefu::cli

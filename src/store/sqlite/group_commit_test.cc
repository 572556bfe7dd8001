// SQLite's single writer with group commit: transactions queued while the writer is busy are
// committed together, each atomic on its own.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "kefu/core/testing/temp_dir.h"
#include "kefu/store/database.h"

namespace kefu::store {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> Open(bool group_commit) {
    DatabaseOptions options;
    options.sqlite_group_commit = group_commit;
    auto db = OpenDatabase(dir_.SqliteUrl("gc.db"), options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_TRUE((*db)->Exec("CREATE TABLE calls (id BIGINT PRIMARY KEY, agent TEXT)").ok());
    return std::move(db).value();
  }

  // Holds the writer inside a first transaction until `waiting` more are queued behind it,
  // then runs them; returns each follower's status (follower 3 fails on purpose).
  std::vector<Status> RunQueuedBehindBlocker(Database& db, int waiting) {
    std::vector<Status> results(waiting);
    const int64_t started_before = db.stats().transactions;
    std::thread blocker([&] {
      Status s = db.Transact([&](Session& session) -> Status {
        while (db.stats().pending_writes < waiting) {
          std::this_thread::yield();
        }
        return session.Exec("INSERT INTO calls (id, agent) VALUES (0, 'blocker')").status();
      });
      EXPECT_TRUE(s.ok()) << s.ToString();
    });
    // The blocker must be the one running before the others queue behind it.
    while (db.stats().transactions == started_before) {
      std::this_thread::yield();
    }
    std::vector<std::thread> followers;
    for (int i = 0; i < waiting; ++i) {
      followers.emplace_back([&, i] {
        results[i] = db.Transact([&](Session& session) -> Status {
          KEFU_RETURN_IF_ERROR(session
                                   .Exec("INSERT INTO calls (id, agent) VALUES ($1, $2)",
                                         {i + 1, "座席" + std::to_string(i)})
                                   .status());
          if (i == 3) {
            return AbortedError("follower 3 gives up");
          }
          return OkStatus();
        });
      });
    }
    blocker.join();
    for (auto& t : followers) {
      t.join();
    }
    return results;
  }

  kefu::testing::TempDir dir_;
};

TEST_F(GroupCommitTest, QueuedTransactionsShareOneCommit) {
  auto db = Open(/*group_commit=*/true);
  int64_t commits_before = db->stats().commits;
  std::vector<Status> results = RunQueuedBehindBlocker(*db, 7);
  for (int i = 0; i < 7; ++i) {
    if (i == 3) {
      EXPECT_EQ(results[i].code(), StatusCode::kAborted);
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i].ToString();
    }
  }
  // One commit for the blocker, one for the seven queued behind it.
  EXPECT_EQ(db->stats().commits - commits_before, 2);
  // The failed one rolled back alone.
  EXPECT_EQ(*db->QueryInt64("SELECT COUNT(*) FROM calls"), 7);
  EXPECT_EQ(*db->QueryInt64("SELECT COUNT(*) FROM calls WHERE id = 4"), 0);
}

TEST_F(GroupCommitTest, WithoutGroupCommitEachTransactionCommitsAlone) {
  auto db = Open(/*group_commit=*/false);
  int64_t commits_before = db->stats().commits;
  std::vector<Status> results = RunQueuedBehindBlocker(*db, 7);
  EXPECT_EQ(results[3].code(), StatusCode::kAborted);
  // Blocker plus six successful followers; the failed one rolled back without a commit.
  EXPECT_EQ(db->stats().commits - commits_before, 7);
  EXPECT_EQ(*db->QueryInt64("SELECT COUNT(*) FROM calls"), 7);
}

TEST_F(GroupCommitTest, ExceptionInsideATransactionIsAnError) {
  auto db = Open(true);
  Status s = db->Transact([](Session&) -> Status { throw std::runtime_error("boom"); });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("boom"), std::string::npos);
  EXPECT_TRUE(db->Exec("INSERT INTO calls (id) VALUES (1)").ok());
}

TEST_F(GroupCommitTest, DataSurvivesReopen) {
  {
    auto db = Open(true);
    ASSERT_TRUE(db->Exec("INSERT INTO calls (id, agent) VALUES (1, '王五')").ok());
  }
  auto db = OpenDatabase(dir_.SqliteUrl("gc.db"));
  ASSERT_TRUE(db.ok());
  auto rows = (*db)->Query("SELECT agent FROM calls");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().Text(0), "王五");
}

TEST(OpenDatabaseTest, RejectsUnknownUrlsAndBadOptions) {
  EXPECT_EQ(OpenDatabase("mysql://x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenDatabase("sqlite:").status().code(), StatusCode::kInvalidArgument);
  DatabaseOptions options;
  options.sqlite_synchronous = "SOMETIMES";
  EXPECT_EQ(OpenDatabase("sqlite:/tmp/kefu_never.db", options).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenDatabase("sqlite:/dev/null/kefu/x.db").status().code(),
            StatusCode::kUnavailable);
}

}  // namespace
}  // namespace kefu::store

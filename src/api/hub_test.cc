#include "kefu/api/hub.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

namespace kefu::api {
namespace {

namespace json = boost::json;

AuthContext Agent(int64_t id, int64_t team) {
  AuthContext a;
  a.user.id = id;
  a.user.username = "agent" + std::to_string(id);
  a.user.team_id = team;
  a.permissions = {Permission::kDesktopUse};
  return a;
}

struct Inbox {
  std::vector<json::value> messages;
  Hub::SendFn Sink() {
    return [this](std::string m) { messages.push_back(json::parse(m)); };
  }
  std::vector<int64_t> EventSeqs() const {
    std::vector<int64_t> out;
    for (const auto& m : messages) {
      if (m.at("type") == "event") {
        out.push_back(m.at("seq").to_number<int64_t>());
      }
    }
    return out;
  }
};

TEST(HubTest, SubscriptionsAreAuthorised) {
  FakeClock clock;
  Hub hub(&clock);
  Inbox inbox;
  auto c = hub.Attach(Agent(7, 3), inbox.Sink());
  ASSERT_EQ(inbox.messages[0].at("type"), "hello");
  hub.OnMessage(c, R"({"type":"subscribe","topics":["all","team.3","team.4","user.7","user.8"]})");
  EXPECT_EQ(hub.Publish("team.4", "broadcast", "{}"), 0u);
  EXPECT_EQ(hub.Publish("team.3", "broadcast", "{}"), 1u);
  EXPECT_EQ(hub.Publish("user.7", "offer", "{}"), 1u);
  int errors = 0;
  for (const auto& m : inbox.messages) {
    errors += m.at("type") == "error" ? 1 : 0;
  }
  EXPECT_EQ(errors, 2);
  hub.OnMessage(c, "not json");
  EXPECT_EQ(inbox.messages.back().at("code"), "invalid_message");
}

// Property: over random publishes, disconnects and resumes, a client that always resumes with
// the last sequence it saw receives every event of its topics exactly once, in order.
TEST(HubTest, ResumeNeverLosesOrRepeatsEvents) {
  FakeClock clock;
  Hub hub(&clock, HubOptions{.replay_window = 64});
  std::mt19937 rng(20261122);
  Inbox inbox;
  auto client = hub.Attach(Agent(1, 1), inbox.Sink());
  std::string session(inbox.messages[0].at("session").as_string());
  hub.OnMessage(client, R"({"type":"subscribe","topics":["all"]})");
  int64_t published = 0;
  bool connected = true;
  for (int step = 0; step < 5000; ++step) {
    int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      hub.Publish("all", "broadcast", "{\"n\":" + std::to_string(published) + "}");
      hub.Publish("team.9", "broadcast", "{}");  // never subscribed
      ++published;
    } else if (op < 8 && connected) {
      hub.Detach(client);
      connected = false;
    } else if (!connected) {
      int64_t last = inbox.EventSeqs().empty() ? 0 : inbox.EventSeqs().back();
      client = hub.Attach(Agent(1, 1), inbox.Sink());
      json::object resume{{"type", "resume"}, {"session", session}, {"last_seq", last}};
      hub.OnMessage(client, json::serialize(resume));
      // Few publishes happen while away (< replay_window), so resume always succeeds.
      ASSERT_EQ(inbox.messages.back().at("type"), "resumed");
      connected = true;
    }
  }
  if (!connected) {
    int64_t last = inbox.EventSeqs().empty() ? 0 : inbox.EventSeqs().back();
    client = hub.Attach(Agent(1, 1), inbox.Sink());
    json::object resume{{"type", "resume"}, {"session", session}, {"last_seq", last}};
    hub.OnMessage(client, json::serialize(resume));
  }
  std::vector<int64_t> seqs = inbox.EventSeqs();
  ASSERT_EQ(static_cast<int64_t>(seqs.size()), published);
  for (size_t i = 0; i < seqs.size(); ++i) {
    ASSERT_EQ(seqs[i], static_cast<int64_t>(i) + 1);
  }
}

TEST(HubTest, ResumeTooOldOrForeignResets) {
  FakeClock clock;
  Hub hub(&clock, HubOptions{.replay_window = 3});
  Inbox a;
  auto ca = hub.Attach(Agent(1, 1), a.Sink());
  std::string session(a.messages[0].at("session").as_string());
  hub.OnMessage(ca, R"({"type":"subscribe","topics":["all"]})");
  hub.Detach(ca);
  for (int i = 0; i < 5; ++i) {
    hub.Publish("all", "broadcast", "{}");
  }
  Inbox b;
  auto cb = hub.Attach(Agent(1, 1), b.Sink());
  json::object resume{{"type", "resume"}, {"session", session}, {"last_seq", 0}};
  hub.OnMessage(cb, json::serialize(resume));
  EXPECT_EQ(b.messages.back().at("type"), "reset");  // events 1 and 2 fell out of the window
  Inbox c;
  auto cc = hub.Attach(Agent(2, 1), c.Sink());  // another user
  resume["last_seq"] = 4;
  hub.OnMessage(cc, json::serialize(resume));
  EXPECT_EQ(c.messages.back().at("type"), "reset");
  // Sessions nobody comes back for are forgotten.
  size_t before = hub.sessions();
  clock.AdvanceMs(HubOptions{}.keep_detached_ms + 1);
  hub.Sweep();
  EXPECT_EQ(hub.sessions(), before - 1);
}

TEST(HubTest, EndingASessionClosesItsConnections) {
  FakeClock clock;
  Hub hub(&clock);
  Inbox a, b;
  int closed_a = 0, closed_b = 0;
  AuthContext first = Agent(1, 1);
  first.session_id = 11;
  AuthContext second = Agent(2, 1);
  second.session_id = 22;
  auto ca = hub.Attach(first, a.Sink(), [&] { ++closed_a; });
  auto cb = hub.Attach(second, b.Sink(), [&] { ++closed_b; });
  hub.EndAuthSession(11);
  EXPECT_EQ(closed_a, 1);
  EXPECT_EQ(closed_b, 0);
  EXPECT_EQ(a.messages.back().at("type"), "session_ended");
  EXPECT_EQ(hub.sessions(), 1u);
  hub.EndUser(2);
  EXPECT_EQ(closed_b, 1);
  EXPECT_EQ(hub.sessions(), 0u);
}

}  // namespace
}  // namespace kefu::api

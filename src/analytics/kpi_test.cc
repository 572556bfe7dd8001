#include "kefu/analytics/kpi.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

namespace kefu::analytics {
namespace {

constexpr int64_t kT0 = 1'767'225'600'000;  // 2026-01-01T00:00Z, aligned to every interval
constexpr int64_t kS = 1000;
constexpr int64_t kHalfHour = 30 * 60 * kS;

ContactRecord Answered(int64_t offered_ms, int64_t wait_s, int64_t talk_s, int64_t hold_s,
                       int64_t wrap_s, std::string queue, std::string agent,
                       bool transferred = false) {
  ContactRecord r;
  r.offered_ms = offered_ms;
  r.answered_ms = offered_ms + wait_s * kS;
  r.talk_ms = talk_s * kS;
  r.hold_ms = hold_s * kS;
  r.wrap_up_ms = wrap_s * kS;
  r.transferred = transferred;
  r.queue = std::move(queue);
  r.channel = "voice";
  r.agent = std::move(agent);
  return r;
}

ContactRecord Abandoned(int64_t offered_ms, int64_t wait_s, std::string queue) {
  ContactRecord r;
  r.offered_ms = offered_ms;
  r.abandoned_ms = offered_ms + wait_s * kS;
  r.queue = std::move(queue);
  r.channel = "voice";
  return r;
}

// Interval 1: waits 10, 20 (= T, inclusive), 40 answered; abandons after 3 (short), 15, 60 s;
// one still waiting. Interval 2: one answered after 5 s.
std::vector<ContactRecord> Sample() {
  std::vector<ContactRecord> v;
  v.push_back(Answered(kT0, 10, 100, 20, 30, "card", "a1"));
  v.push_back(Answered(kT0 + 60 * kS, 20, 200, 0, 10, "card", "a2", /*transferred=*/true));
  v.push_back(Answered(kT0 + 120 * kS, 40, 60, 0, 0, "loan", "a1"));
  v.push_back(Abandoned(kT0 + 180 * kS, 3, "card"));
  v.push_back(Abandoned(kT0 + 240 * kS, 15, "loan"));
  v.push_back(Abandoned(kT0 + 300 * kS, 60, "card"));
  ContactRecord waiting;
  waiting.offered_ms = kT0 + kHalfHour - 1;
  waiting.queue = "loan";
  waiting.channel = "wechat";
  v.push_back(waiting);
  v.push_back(Answered(kT0 + kHalfHour + kS, 5, 50, 0, 0, "card", "a2"));
  return v;
}

KpiConfig Config(ServiceLevelVariant variant, bool exclude_short = true) {
  KpiConfig c;
  c.threshold_s = 20;
  c.short_abandon_s = 5;
  c.exclude_short_abandons = exclude_short;
  c.variant = variant;
  c.interval_minutes = 30;
  return c;
}

KpiReport Compute(const std::vector<ContactRecord>& records, const KpiConfig& config,
                  const std::vector<StaffedTime>& staffed = {}) {
  Result<KpiReport> r = ComputeKpis(records, staffed, config);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

TEST(KpiTest, CountsAndRatesOfOneIntervalByHand) {
  const KpiReport rep = Compute(Sample(), Config(ServiceLevelVariant::kAnsweredWithinTOverOffered));
  ASSERT_EQ(rep.intervals.size(), 2u);
  const KpiRow& r = rep.intervals[0];
  EXPECT_EQ(r.interval_start_ms, kT0);
  EXPECT_EQ(r.offered, 7);
  EXPECT_EQ(r.answered, 3);
  EXPECT_EQ(r.abandoned, 3);
  EXPECT_EQ(r.short_abandons, 1);
  EXPECT_EQ(r.other, 1);
  EXPECT_EQ(r.answered_within_t, 2);
  EXPECT_EQ(r.abandoned_within_t, 1);  // the 3 s abandon is excluded
  // Net offered = 7 - 1 short = 6; net abandoned = 2.
  EXPECT_DOUBLE_EQ(*r.service_level, 2.0 / 6);
  EXPECT_DOUBLE_EQ(*r.answer_rate, 3.0 / 6);
  EXPECT_DOUBLE_EQ(*r.abandon_rate, 2.0 / 6);
  EXPECT_DOUBLE_EQ(*r.asa_s, (10.0 + 20 + 40) / 3);
  EXPECT_DOUBLE_EQ(*r.aht_s, (150.0 + 210 + 60) / 3);
  EXPECT_DOUBLE_EQ(*r.transfer_rate, 1.0 / 3);
  EXPECT_FALSE(r.occupancy.has_value());  // no staffed time given
  EXPECT_EQ(rep.intervals[1].interval_start_ms, kT0 + kHalfHour);
  EXPECT_EQ(rep.intervals[1].offered, 1);
}

TEST(KpiTest, EveryServiceLevelVariantByHand) {
  struct Case {
    ServiceLevelVariant variant;
    bool exclude_short;
    double interval_sl;
    double overall_sl;
  };
  // Interval 1: answered 3 (2 within T), abandoned 3 (short 1; within T: 3 s and 15 s),
  // offered 7. Overall adds one answered within T.
  const Case cases[] = {
      {ServiceLevelVariant::kAnsweredWithinTOverAnswered, true, 2.0 / 3, 3.0 / 4},
      {ServiceLevelVariant::kAnsweredWithinTOverAnswered, false, 2.0 / 3, 3.0 / 4},
      {ServiceLevelVariant::kWithinTOverAnsweredAndAbandoned, true, 3.0 / 5, 4.0 / 6},
      {ServiceLevelVariant::kWithinTOverAnsweredAndAbandoned, false, 4.0 / 6, 5.0 / 7},
      {ServiceLevelVariant::kAnsweredWithinTOverOffered, true, 2.0 / 6, 3.0 / 7},
      {ServiceLevelVariant::kAnsweredWithinTOverOffered, false, 2.0 / 7, 3.0 / 8},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(ServiceLevelVariantName(c.variant)) +
                 (c.exclude_short ? " excluding short" : " including short"));
    const KpiReport rep = Compute(Sample(), Config(c.variant, c.exclude_short));
    EXPECT_DOUBLE_EQ(*rep.intervals[0].service_level, c.interval_sl);
    ASSERT_EQ(rep.overall.size(), 1u);
    EXPECT_DOUBLE_EQ(*rep.overall[0].service_level, c.overall_sl);
  }
}

TEST(KpiTest, ShortAbandonsIncludedChangeRates) {
  const KpiReport rep =
      Compute(Sample(), Config(ServiceLevelVariant::kAnsweredWithinTOverOffered, false));
  const KpiRow& r = rep.intervals[0];
  EXPECT_EQ(r.short_abandons, 1);
  EXPECT_EQ(r.abandoned_within_t, 2);
  EXPECT_DOUBLE_EQ(*r.answer_rate, 3.0 / 7);
  EXPECT_DOUBLE_EQ(*r.abandon_rate, 3.0 / 7);
}

TEST(KpiTest, OverallRow) {
  const KpiReport rep = Compute(Sample(), Config(ServiceLevelVariant::kAnsweredWithinTOverOffered));
  ASSERT_EQ(rep.overall.size(), 1u);
  const KpiRow& o = rep.overall[0];
  EXPECT_FALSE(o.interval_start_ms.has_value());
  EXPECT_EQ(o.offered, 8);
  EXPECT_EQ(o.answered, 4);
  EXPECT_DOUBLE_EQ(*o.asa_s, (10.0 + 20 + 40 + 5) / 4);
  EXPECT_DOUBLE_EQ(*o.aht_s, (150.0 + 210 + 60 + 50) / 4);
  EXPECT_DOUBLE_EQ(*o.transfer_rate, 1.0 / 4);
}

TEST(KpiTest, GroupByQueueAndChannel) {
  KpiConfig c = Config(ServiceLevelVariant::kAnsweredWithinTOverAnswered);
  c.group_by = GroupBy::kQueue;
  const std::vector<StaffedTime> staffed = {{kT0, "a1", 1800 * kS}};
  const KpiReport rep = Compute(Sample(), c, staffed);
  ASSERT_EQ(rep.overall.size(), 2u);
  EXPECT_EQ(rep.overall[0].group, "card");
  EXPECT_EQ(rep.overall[0].offered, 5);
  EXPECT_EQ(rep.overall[0].answered, 3);
  EXPECT_DOUBLE_EQ(*rep.overall[0].service_level, 1.0);
  EXPECT_EQ(rep.overall[1].group, "loan");
  EXPECT_EQ(rep.overall[1].offered, 3);
  EXPECT_DOUBLE_EQ(*rep.overall[1].service_level, 0.0);
  EXPECT_FALSE(rep.overall[0].occupancy.has_value());  // staffing is per agent, not per queue
  ASSERT_EQ(rep.intervals.size(), 3u);  // (t0, card), (t0, loan), (t0 + 30 min, card)
  EXPECT_EQ(rep.intervals[0].group, "card");
  EXPECT_EQ(rep.intervals[1].group, "loan");
  EXPECT_EQ(rep.intervals[2].interval_start_ms, kT0 + kHalfHour);

  c.group_by = GroupBy::kChannel;
  const KpiReport by_channel = Compute(Sample(), c);
  ASSERT_EQ(by_channel.overall.size(), 2u);
  EXPECT_EQ(by_channel.overall[0].group, "voice");
  EXPECT_EQ(by_channel.overall[0].offered, 7);
  EXPECT_EQ(by_channel.overall[1].group, "wechat");
  EXPECT_EQ(by_channel.overall[1].offered, 1);
  EXPECT_FALSE(by_channel.overall[1].service_level.has_value());  // nothing answered
}

TEST(KpiTest, OccupancyFromStaffedTime) {
  const std::vector<StaffedTime> staffed = {
      {kT0, "a1", 1800 * kS}, {kT0, "a2", 900 * kS}, {kT0 + 2 * kHalfHour, "a1", 1800 * kS}};
  KpiConfig c = Config(ServiceLevelVariant::kAnsweredWithinTOverOffered);
  const KpiReport all = Compute(Sample(), c, staffed);
  ASSERT_EQ(all.intervals.size(), 3u);
  EXPECT_DOUBLE_EQ(*all.intervals[0].occupancy, 420.0 / 2700);
  EXPECT_FALSE(all.intervals[1].occupancy.has_value());  // handle time but nobody staffed
  // Staffed but no contacts: occupancy 0, every contact rate absent.
  const KpiRow& idle = all.intervals[2];
  EXPECT_EQ(idle.offered, 0);
  EXPECT_DOUBLE_EQ(*idle.occupancy, 0.0);
  EXPECT_FALSE(idle.service_level.has_value());
  EXPECT_FALSE(idle.answer_rate.has_value());

  c.group_by = GroupBy::kAgent;
  const KpiReport by_agent = Compute(Sample(), c, staffed);
  // Interval 1 groups: "" (not answered), a1, a2.
  ASSERT_GE(by_agent.intervals.size(), 3u);
  EXPECT_EQ(by_agent.intervals[0].group, "");
  EXPECT_EQ(by_agent.intervals[0].offered, 4);
  EXPECT_EQ(by_agent.intervals[1].group, "a1");
  EXPECT_DOUBLE_EQ(*by_agent.intervals[1].occupancy, 210.0 / 1800);
  EXPECT_EQ(by_agent.intervals[2].group, "a2");
  EXPECT_DOUBLE_EQ(*by_agent.intervals[2].occupancy, 210.0 / 900);
}

TEST(KpiTest, ZeroOfferedReportsRatesAsAbsent) {
  const KpiReport rep = Compute({}, Config(ServiceLevelVariant::kAnsweredWithinTOverOffered));
  EXPECT_TRUE(rep.intervals.empty());
  ASSERT_EQ(rep.overall.size(), 1u);
  const KpiRow& o = rep.overall[0];
  EXPECT_EQ(o.offered, 0);
  EXPECT_FALSE(o.service_level.has_value());
  EXPECT_FALSE(o.answer_rate.has_value());
  EXPECT_FALSE(o.abandon_rate.has_value());
  EXPECT_FALSE(o.asa_s.has_value());
  EXPECT_FALSE(o.aht_s.has_value());
  EXPECT_FALSE(o.transfer_rate.has_value());
  EXPECT_FALSE(o.occupancy.has_value());

  // Only short abandons, excluded: net offered is 0, so rates are absent too.
  const KpiReport shorts = Compute({Abandoned(kT0, 1, "card")},
                                   Config(ServiceLevelVariant::kAnsweredWithinTOverOffered));
  EXPECT_EQ(shorts.overall[0].offered, 1);
  EXPECT_FALSE(shorts.overall[0].service_level.has_value());
  EXPECT_FALSE(shorts.overall[0].abandon_rate.has_value());
}

TEST(KpiTest, IntervalLengths) {
  for (int minutes : {15, 30, 60}) {
    KpiConfig c = Config(ServiceLevelVariant::kAnsweredWithinTOverOffered);
    c.interval_minutes = minutes;
    const KpiReport rep = Compute(Sample(), c);
    // Offered at t0 .. t0 + 5 min, t0 + 30 min - 1 ms and t0 + 30 min + 1 s.
    const size_t expected = minutes == 15 ? 3u : minutes == 30 ? 2u : 1u;
    EXPECT_EQ(rep.intervals.size(), expected) << minutes;
    for (const KpiRow& r : rep.intervals) {
      EXPECT_EQ(*r.interval_start_ms % (minutes * 60 * kS), 0);
    }
  }
  // Before 1970 the bucket still contains the contact.
  const KpiReport old =
      Compute({Abandoned(-1, 30, "q")}, Config(ServiceLevelVariant::kAnsweredWithinTOverOffered));
  EXPECT_EQ(old.intervals[0].interval_start_ms, -kHalfHour);
}

TEST(KpiTest, InvalidInputsNameTheField) {
  const KpiConfig ok = Config(ServiceLevelVariant::kAnsweredWithinTOverOffered);
  std::vector<ContactRecord> v = Sample();
  v[2].answered_ms = v[2].offered_ms - 1;
  EXPECT_EQ(ComputeKpis(v, {}, ok).status().field(), "records[2].answered_ms");
  v = Sample();
  v[1].abandoned_ms = v[1].offered_ms;
  EXPECT_EQ(ComputeKpis(v, {}, ok).status().field(), "records[1].abandoned_ms");
  v = Sample();
  v[0].hold_ms = -1;
  EXPECT_EQ(ComputeKpis(v, {}, ok).status().field(), "records[0].hold_ms");
  KpiConfig bad = ok;
  bad.interval_minutes = 20;
  EXPECT_EQ(ComputeKpis(Sample(), {}, bad).status().field(), "interval_minutes");
  bad = ok;
  bad.threshold_s = -1;
  EXPECT_EQ(ComputeKpis(Sample(), {}, bad).status().field(), "threshold_s");
  const std::vector<StaffedTime> misaligned = {{kT0 + 1, "a1", 1}};
  const Result<KpiReport> r = ComputeKpis(Sample(), misaligned, ok);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "staffed[0].interval_start_ms");
}

TEST(KpiTest, VariantNamesAreDistinct) {
  std::set<std::string_view> names;
  for (ServiceLevelVariant v : {ServiceLevelVariant::kAnsweredWithinTOverAnswered,
                                ServiceLevelVariant::kWithinTOverAnsweredAndAbandoned,
                                ServiceLevelVariant::kAnsweredWithinTOverOffered}) {
    EXPECT_FALSE(ServiceLevelVariantDescription(v).empty());
    names.insert(ServiceLevelVariantName(v));
  }
  EXPECT_EQ(names.size(), 3u);
}

// Property test: random contacts, fixed seed. Groups partition the contacts; intervals sum to
// the overall row; every present rate is in [0, 1].
TEST(KpiPropertyTest, GroupsAndIntervalsAddUp) {
  std::mt19937_64 rng(20261122);
  for (int round = 0; round < 50; ++round) {
    std::vector<ContactRecord> v;
    const int n = static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) {
      const int64_t offered = kT0 + static_cast<int64_t>(rng() % (6 * kHalfHour));
      const int64_t wait_s = static_cast<int64_t>(rng() % 90);
      const std::string queue = rng() % 2 ? "card" : "loan";
      switch (rng() % 3) {
        case 0:
          v.push_back(Answered(offered, wait_s, static_cast<int64_t>(rng() % 600), 0,
                               static_cast<int64_t>(rng() % 60), queue,
                               "a" + std::to_string(rng() % 5), rng() % 4 == 0));
          break;
        case 1:
          v.push_back(Abandoned(offered, wait_s, queue));
          break;
        default: {
          ContactRecord waiting;
          waiting.offered_ms = offered;
          waiting.queue = queue;
          v.push_back(waiting);
        }
      }
    }
    for (ServiceLevelVariant variant : {ServiceLevelVariant::kAnsweredWithinTOverAnswered,
                                        ServiceLevelVariant::kWithinTOverAnsweredAndAbandoned,
                                        ServiceLevelVariant::kAnsweredWithinTOverOffered}) {
      KpiConfig c = Config(variant, rng() % 2 == 0);
      c.interval_minutes = 15;
      const KpiReport all = Compute(v, c);
      c.group_by = GroupBy::kQueue;
      const KpiReport grouped = Compute(v, c);
      int64_t offered = 0;
      int64_t answered = 0;
      for (const KpiRow& r : grouped.overall) {
        offered += r.offered;
        answered += r.answered;
      }
      EXPECT_EQ(offered, n);
      EXPECT_EQ(all.overall[0].offered, n);
      EXPECT_EQ(answered, all.overall[0].answered);
      int64_t interval_within = 0;
      for (const KpiRow& r : all.intervals) {
        interval_within += r.answered_within_t;
        EXPECT_EQ(r.offered, r.answered + r.abandoned + r.other);
        for (const auto& rate : {r.service_level, r.answer_rate, r.abandon_rate, r.transfer_rate}) {
          if (rate) {
            EXPECT_GE(*rate, 0.0);
            EXPECT_LE(*rate, 1.0);
          }
        }
        if (r.answer_rate && r.abandon_rate) {
          EXPECT_LE(*r.answer_rate + *r.abandon_rate, 1.0 + 1e-12);
        }
      }
      EXPECT_EQ(interval_within, all.overall[0].answered_within_t);
    }
  }
}

}  // namespace
}  // namespace kefu::analytics

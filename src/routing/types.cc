#include "kefu/routing/types.h"

namespace kefu::routing {

std::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kVoice:
      return "voice";
    case Channel::kChat:
      return "chat";
    case Channel::kEmail:
      return "email";
  }
  return "unknown";
}

std::string_view TierName(Tier tier) {
  switch (tier) {
    case Tier::kStandard:
      return "standard";
    case Tier::kGold:
      return "gold";
    case Tier::kPlatinum:
      return "platinum";
    case Tier::kPrivate:
      return "private";
  }
  return "unknown";
}

std::string_view AgentStateName(AgentState state) {
  switch (state) {
    case AgentState::kOffline:
      return "offline";
    case AgentState::kAvailable:
      return "available";
    case AgentState::kBreak:
      return "break";
    case AgentState::kWrapUp:
      return "wrap_up";
  }
  return "unknown";
}

std::string_view ContactStateName(ContactState state) {
  switch (state) {
    case ContactState::kScheduled:
      return "scheduled";
    case ContactState::kWaiting:
      return "waiting";
    case ContactState::kOffered:
      return "offered";
    case ContactState::kConnected:
      return "connected";
  }
  return "unknown";
}

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kQueued:
      return "queued";
    case EventType::kRequeued:
      return "requeued";
    case EventType::kOffered:
      return "offered";
    case EventType::kAccepted:
      return "accepted";
    case EventType::kDeclined:
      return "declined";
    case EventType::kOfferTimedOut:
      return "offer_timed_out";
    case EventType::kOfferRescinded:
      return "offer_rescinded";
    case EventType::kAbandoned:
      return "abandoned";
    case EventType::kCompleted:
      return "completed";
    case EventType::kAgentStateChanged:
      return "agent_state_changed";
    case EventType::kTargetExpired:
      return "target_expired";
    case EventType::kRingWidened:
      return "ring_widened";
    case EventType::kOverflowed:
      return "overflowed";
    case EventType::kLimitReached:
      return "limit_reached";
    case EventType::kAfterHours:
      return "after_hours_action";
    case EventType::kCallbackOffered:
      return "callback_offered";
    case EventType::kCallbackRequested:
      return "callback_requested";
    case EventType::kCallbackDue:
      return "callback_due";
    case EventType::kTransferred:
      return "transferred";
    case EventType::kConsultStarted:
      return "consult_started";
    case EventType::kConsultCancelled:
      return "consult_cancelled";
    case EventType::kAnnounced:
      return "announced";
    case EventType::kPositionChanged:
      return "position_changed";
  }
  return "unknown";
}

}  // namespace kefu::routing

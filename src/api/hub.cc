#include "kefu/api/hub.h"

#include <boost/json.hpp>

#include <deque>
#include <set>

namespace kefu::api {

namespace json = boost::json;

struct Hub::Session {
  std::string id;
  AuthContext auth;
  std::set<std::string, std::less<>> topics;
  uint64_t seq = 0;
  std::deque<std::pair<uint64_t, std::string>> buffer;  // (seq, message), oldest first
  Client* attached = nullptr;                           // the live connection, if any
  int64_t detached_at_ms = 0;
};

struct Hub::Client {
  SendFn send;
  CloseFn close;
  std::shared_ptr<Session> session;
  bool open = true;
};

namespace {

std::string Message(std::initializer_list<std::pair<json::string_view, json::value>> fields) {
  json::object o;
  for (const auto& [k, v] : fields) {
    o[k] = v;
  }
  return json::serialize(o);
}

std::string ErrorMessage(std::string_view code, std::string_view message) {
  return Message({{"type", "error"}, {"code", json::string(code)}, {"message", json::string(message)}});
}

}  // namespace

Hub::Hub(const Clock* clock, HubOptions options) : clock_(clock), options_(options) {}
Hub::~Hub() = default;

bool Hub::MaySubscribe(const AuthContext& auth, std::string_view topic) {
  if (topic == "all") {
    return true;
  }
  if (topic.starts_with("user.")) {
    return !auth.via_token && topic.substr(5) == std::to_string(auth.user.id);
  }
  if (topic.starts_with("team.")) {
    if (auth.Has(Permission::kBroadcastSend)) {
      return topic.size() > 5;
    }
    return auth.user.team_id && topic.substr(5) == std::to_string(*auth.user.team_id);
  }
  return false;
}

void Hub::SendLocked(Client& client, std::string message) {
  if (client.open) {
    client.send(std::move(message));
  }
}

std::shared_ptr<Hub::Client> Hub::Attach(const AuthContext& auth, SendFn send, CloseFn close) {
  auto session = std::make_shared<Session>();
  session->id = Accounts::RandomToken(18);
  session->auth = auth;
  auto client = std::make_shared<Client>();
  client->send = std::move(send);
  client->close = std::move(close);
  client->session = session;
  session->attached = client.get();
  std::lock_guard lock(mu_);
  sessions_[session->id] = session;
  ++connections_;
  SendLocked(*client, Message({{"type", "hello"},
                               {"session", json::string(session->id)},
                               {"seq", 0},
                               {"heartbeat_ms", options_.heartbeat_ms}}));
  return client;
}

void Hub::Detach(const std::shared_ptr<Client>& client) {
  std::lock_guard lock(mu_);
  if (!client->open) {
    return;
  }
  client->open = false;
  --connections_;
  if (client->session && client->session->attached == client.get()) {
    client->session->attached = nullptr;
    client->session->detached_at_ms = clock_->NowMs();
  }
}

void Hub::OnMessage(const std::shared_ptr<Client>& client, std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  std::lock_guard lock(mu_);
  if (ec || !v.is_object()) {
    SendLocked(*client, ErrorMessage("invalid_message", "expected a JSON object"));
    return;
  }
  const json::object& o = v.as_object();
  const json::value* type = o.if_contains("type");
  if (type == nullptr || !type->is_string()) {
    SendLocked(*client, ErrorMessage("invalid_message", "missing \"type\""));
    return;
  }
  std::string_view t = type->as_string();
  Session& session = *client->session;
  if (t == "ping") {
    SendLocked(*client, Message({{"type", "pong"}}));
  } else if (t == "subscribe" || t == "unsubscribe") {
    const json::value* topics = o.if_contains("topics");
    if (topics == nullptr || !topics->is_array()) {
      SendLocked(*client, ErrorMessage("invalid_message", "\"topics\" must be an array"));
      return;
    }
    json::array done;
    for (const json::value& tv : topics->as_array()) {
      if (!tv.is_string()) {
        continue;
      }
      std::string topic(tv.as_string());
      if (t == "unsubscribe") {
        session.topics.erase(topic);
        done.push_back(json::string(topic));
      } else if (!MaySubscribe(session.auth, topic)) {
        SendLocked(*client, ErrorMessage("forbidden_topic", "not allowed to subscribe to " + topic));
      } else if (session.topics.size() >= options_.max_topics) {
        SendLocked(*client, ErrorMessage("too_many_topics", "too many subscriptions"));
      } else {
        session.topics.insert(topic);
        done.push_back(json::string(topic));
      }
    }
    SendLocked(*client, Message({{"type", t == "subscribe" ? "subscribed" : "unsubscribed"},
                                 {"topics", std::move(done)}}));
  } else if (t == "resume") {
    const json::value* sid = o.if_contains("session");
    const json::value* last = o.if_contains("last_seq");
    if (sid == nullptr || !sid->is_string() || last == nullptr || !last->is_number()) {
      SendLocked(*client, ErrorMessage("invalid_message", "resume needs session and last_seq"));
      return;
    }
    boost::system::error_code num_ec;
    uint64_t last_seq = last->to_number<uint64_t>(num_ec);
    if (num_ec) {
      SendLocked(*client, ErrorMessage("invalid_message", "last_seq must be a number"));
      return;
    }
    HandleResume(client, sid->as_string(), last_seq);
  } else {
    SendLocked(*client, ErrorMessage("invalid_message", "unknown type"));
  }
}

// REQUIRES: mu_ held.
void Hub::HandleResume(const std::shared_ptr<Client>& client, std::string_view session_id,
                       uint64_t last_seq) {
  auto it = sessions_.find(std::string(session_id));
  bool usable = it != sessions_.end() && it->second->auth.user.id == client->session->auth.user.id &&
                it->second->auth.via_token == client->session->auth.via_token &&
                last_seq <= it->second->seq;
  if (usable) {
    const Session& old = *it->second;
    // Every event after last_seq must still be in the buffer.
    uint64_t first_kept = old.buffer.empty() ? old.seq + 1 : old.buffer.front().first;
    usable = first_kept <= last_seq + 1;
  }
  if (!usable) {
    SendLocked(*client, Message({{"type", "reset"}, {"session", json::string(client->session->id)}}));
    return;
  }
  std::shared_ptr<Session> old = it->second;
  if (old->attached != nullptr && old->attached != client.get()) {
    old->attached->open = false;  // a stale connection of the same session: silence it
    --connections_;
  }
  // The fresh session made at Attach is no longer needed.
  if (client->session != old) {
    sessions_.erase(client->session->id);
  }
  client->session = old;
  old->attached = client.get();
  for (const auto& [seq, message] : old->buffer) {
    if (seq > last_seq) {
      SendLocked(*client, message);
    }
  }
  SendLocked(*client, Message({{"type", "resumed"},
                               {"session", json::string(old->id)},
                               {"seq", old->seq}}));
}

size_t Hub::Publish(std::string_view topic, std::string_view event, std::string_view data_json) {
  boost::system::error_code ec;
  json::value data = json::parse(json::string_view(data_json.data(), data_json.size()), ec);
  if (ec) {
    data = json::object();
  }
  std::lock_guard lock(mu_);
  size_t reached = 0;
  for (auto& [id, session] : sessions_) {
    if (session->topics.find(topic) == session->topics.end()) {
      continue;
    }
    ++session->seq;
    std::string message = Message({{"type", "event"},
                                   {"seq", session->seq},
                                   {"topic", json::string(topic)},
                                   {"event", json::string(event)},
                                   {"data", data}});
    session->buffer.emplace_back(session->seq, message);
    while (session->buffer.size() > options_.replay_window) {
      session->buffer.pop_front();
    }
    if (session->attached != nullptr) {
      SendLocked(*session->attached, std::move(message));
    }
    ++reached;
  }
  return reached;
}

void Hub::Sweep() {
  int64_t now = clock_->NowMs();
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const Session& s = *it->second;
    if (s.attached == nullptr && now - s.detached_at_ms > options_.keep_detached_ms) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

void Hub::EndWhere(const std::function<bool(const AuthContext&)>& match) {
  std::lock_guard lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    Session& s = *it->second;
    if (!match(s.auth)) {
      ++it;
      continue;
    }
    if (s.attached != nullptr && s.attached->open) {
      Client& c = *s.attached;
      c.send(Message({{"type", "session_ended"}}));
      if (c.close) {
        c.close();
      }
    }
    it = sessions_.erase(it);
  }
}

void Hub::EndAuthSession(int64_t session_id) {
  EndWhere([&](const AuthContext& a) { return !a.via_token && a.session_id == session_id; });
}

void Hub::EndUser(int64_t user_id) {
  EndWhere([&](const AuthContext& a) { return !a.via_token && a.user.id == user_id; });
}

size_t Hub::connections() const {
  std::lock_guard lock(mu_);
  return connections_;
}

size_t Hub::sessions() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace kefu::api

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kefu/api/accounts.h"
#include "kefu/core/clock.h"

namespace kefu::api {

struct HubOptions {
  size_t replay_window = 1000;          // events kept per session for resume
  int64_t keep_detached_ms = 120'000;   // how long a dropped session can be resumed
  int64_t heartbeat_ms = 20'000;        // advertised to clients; the transport pings too
  size_t max_topics = 64;               // per session
};

// The WebSocket hub of the desktops: topic subscriptions, server push with a sequence number
// per session, and resume after a reconnect without losing or repeating events (each session
// keeps its last `replay_window` events while its connection is gone). Transport-neutral: the
// server attaches a connection with a send function that queues without blocking. Protocol
// (JSON text frames):
//   server → {"type":"hello","session":S,"seq":0,"heartbeat_ms":N}
//   client → {"type":"subscribe","topics":[…]}     server → {"type":"subscribed","topics":[…]}
//   client → {"type":"unsubscribe","topics":[…]}   server → {"type":"unsubscribed",…}
//   client → {"type":"ping"}                       server → {"type":"pong"}
//   client → {"type":"resume","session":S,"last_seq":N}
//            server → the missed events, then {"type":"resumed","session":S,"seq":N}, or
//            {"type":"reset","session":S2} when they are no longer all kept
//   server → {"type":"event","seq":N,"topic":T,"event":E,"data":{…}}
//   server → {"type":"error","code":C,"message":M}
// Topics: "all", "user.<id>" (one's own), "team.<id>" (one's own team, or any with
// broadcast.send). Thread-safe.
class Hub {
 public:
  using SendFn = std::function<void(std::string message)>;
  using CloseFn = std::function<void()>;
  struct Client;
  struct Session;

  Hub(const Clock* clock, HubOptions options = {});
  ~Hub();

  // A connection was authenticated: sends hello and returns its handle.
  // `close` asks the transport to close the connection (after queued messages).
  std::shared_ptr<Client> Attach(const AuthContext& auth, SendFn send, CloseFn close = {});
  void OnMessage(const std::shared_ptr<Client>& client, std::string_view text);
  // The connection closed; its session stays resumable for keep_detached_ms.
  void Detach(const std::shared_ptr<Client>& client);
  // Sends `event` with `data_json` (a JSON object) to every session subscribed to `topic`.
  // Returns how many sessions it reached.
  size_t Publish(std::string_view topic, std::string_view event, std::string_view data_json);
  // Ends the WebSockets opened with a browser session (logout) or by a user (disabled,
  // password changed): they get {"type":"session_ended"}, are closed and cannot be resumed.
  void EndAuthSession(int64_t session_id);
  void EndUser(int64_t user_id);
  // Forgets sessions detached for longer than keep_detached_ms.
  void Sweep();

  size_t connections() const;
  size_t sessions() const;

  // Whether `auth` may subscribe to `topic`.
  static bool MaySubscribe(const AuthContext& auth, std::string_view topic);

 private:
  void SendLocked(Client& client, std::string message);
  void EndWhere(const std::function<bool(const AuthContext&)>& match);
  void HandleResume(const std::shared_ptr<Client>& client, std::string_view session_id,
                    uint64_t last_seq);

  const Clock* clock_;
  HubOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;  // guarded by mu_
  size_t connections_ = 0;                                              // guarded by mu_
};

}  // namespace kefu::api

#include "kefu/server/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <fstream>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "static_files.h"

namespace kefu::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
namespace ssl = net::ssl;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kReadTimeout = std::chrono::seconds(30);
// A file of a hundred megabytes over a slow branch link.
constexpr auto kUploadTimeout = std::chrono::minutes(10);
constexpr size_t kMaxQueuedWsMessages = 1000;  // a client this far behind is disconnected
constexpr const char* kServerName = "kefu";

class ServerState;

// Headers every response carries.
template <typename Body>
void SecurityHeaders(http::response<Body>& res) {
  res.set(http::field::server, kServerName);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "same-origin");
}

http::response<http::string_body> ToBeast(const api::HttpResponse& in, unsigned version,
                                          bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(in.status), version};
  SecurityHeaders(res);
  if (!in.content_type.empty()) {
    res.set(http::field::content_type, in.content_type);
  }
  for (const auto& [k, v] : in.headers) {
    res.insert(k, v);
  }
  res.body() = in.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

api::HttpRequest FromBeast(const http::request<http::string_body>& req, const std::string& ip) {
  api::HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  for (const auto& field : req) {
    std::string name(field.name_string());
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    out.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  out.body = req.body();
  out.remote_ip = ip;
  return out;
}

api::HttpResponse JsonError(int status, std::string_view code, std::string_view message) {
  api::HttpResponse r;
  r.status = status;
  r.body = std::string("{\"error\":{\"code\":\"") + std::string(code) + "\",\"message\":\"" +
           std::string(message) + "\",\"field\":\"\"}}";
  return r;
}

// What the server keeps of every open WebSocket to close it at shutdown.
class WsHandle {
 public:
  virtual ~WsHandle() = default;
  virtual void Close() = 0;
};

// One WebSocket connection of a desktop, over plain TCP or TLS. Lives on its own strand.
template <typename NextLayer>
class WsSession : public WsHandle, public std::enable_shared_from_this<WsSession<NextLayer>> {
 public:
  WsSession(NextLayer&& next, api::Api& api, api::AuthContext auth, ServerState& state)
      : ws_(std::move(next)), api_(api), auth_(std::move(auth)), state_(state) {}

  void Run(http::request<http::string_body> req);
  void Close() override;

 private:
  void OnAccept(beast::error_code ec);
  void DoRead();
  void OnRead(beast::error_code ec, std::size_t);
  void Enqueue(std::string message);
  void DoWrite();
  void OnWrite(beast::error_code ec, std::size_t);
  void Finish();

  using std::enable_shared_from_this<WsSession<NextLayer>>::shared_from_this;
  using std::enable_shared_from_this<WsSession<NextLayer>>::weak_from_this;

  websocket::stream<NextLayer> ws_;
  api::Api& api_;
  api::AuthContext auth_;
  ServerState& state_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::shared_ptr<api::Hub::Client> client_;
  bool finished_ = false;
  bool closing_ = false;  // close once the outbox is empty
};

// Everything the connections share: the io_context, the worker pool, counters, and the list of
// open WebSockets to close at shutdown.
class ServerState {
 public:
  ServerState(api::Api& api, const ServerOptions& options, int io_threads)
      : api(api), options(options), ioc(io_threads), workers(std::max(1, options.workers)) {}

  api::Api& api;
  const ServerOptions& options;
  net::io_context ioc;
  net::thread_pool workers;
  std::atomic<int> in_flight{0};
  std::atomic<bool> stopping{false};

  std::optional<ssl::context> tls;

  void AddWs(const std::shared_ptr<WsHandle>& ws) {
    std::lock_guard lock(ws_mu_);
    ws_.push_back(ws);
  }
  void CloseAllWs() {
    std::vector<std::weak_ptr<WsHandle>> all;
    {
      std::lock_guard lock(ws_mu_);
      all.assign(ws_.begin(), ws_.end());
      ws_.clear();
    }
    for (auto& weak : all) {
      if (auto ws = weak.lock()) {
        ws->Close();
      }
    }
  }
  void PruneWs() {
    std::lock_guard lock(ws_mu_);
    ws_.remove_if([](const std::weak_ptr<WsHandle>& w) { return w.expired(); });
  }

 private:
  std::mutex ws_mu_;
  std::list<std::weak_ptr<WsHandle>> ws_;
};

template <typename NextLayer>
void WsSession<NextLayer>::Run(http::request<http::string_body> req) {
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, kServerName); }));
  ws_.read_message_max(64 * 1024);
  ws_.async_accept(req, beast::bind_front_handler(&WsSession<NextLayer>::OnAccept, shared_from_this()));
}

template <typename NextLayer>
void WsSession<NextLayer>::OnAccept(beast::error_code ec) {
  if (ec) {
    return;
  }
  std::weak_ptr<WsSession<NextLayer>> weak = weak_from_this();
  auto executor = ws_.get_executor();
  client_ = api_.hub().Attach(
      auth_,
      [weak, executor](std::string message) {
        // Called under the hub's lock from any thread: only queue, on our strand.
        net::post(executor, [weak, message = std::move(message)]() mutable {
          if (auto self = weak.lock()) {
            self->Enqueue(std::move(message));
          }
        });
      },
      [weak, executor] {
        // After the messages queued before it (same strand, posted in order).
        net::post(executor, [weak] {
          if (auto self = weak.lock()) {
            self->closing_ = true;
            if (self->outbox_.empty()) {
              self->Close();
            }
          }
        });
      });
  state_.AddWs(shared_from_this());
  DoRead();
}

template <typename NextLayer>
void WsSession<NextLayer>::DoRead() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WsSession<NextLayer>::OnRead, shared_from_this()));
}

template <typename NextLayer>
void WsSession<NextLayer>::OnRead(beast::error_code ec, std::size_t) {
  if (ec) {
    Finish();
    return;
  }
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  api_.hub().OnMessage(client_, text);
  DoRead();
}

template <typename NextLayer>
void WsSession<NextLayer>::Enqueue(std::string message) {
  if (finished_) {
    return;
  }
  if (outbox_.size() >= kMaxQueuedWsMessages) {
    spdlog::warn("websocket client of {} is too slow; closing", auth_.user.username);
    Close();
    return;
  }
  outbox_.push_back(std::move(message));
  if (outbox_.size() == 1) {
    DoWrite();
  }
}

template <typename NextLayer>
void WsSession<NextLayer>::DoWrite() {
  ws_.text(true);
  ws_.async_write(net::buffer(outbox_.front()),
                  beast::bind_front_handler(&WsSession<NextLayer>::OnWrite, shared_from_this()));
}

template <typename NextLayer>
void WsSession<NextLayer>::OnWrite(beast::error_code ec, std::size_t) {
  if (ec) {
    Finish();
    return;
  }
  outbox_.pop_front();
  if (!outbox_.empty()) {
    DoWrite();
  } else if (closing_) {
    Close();
  }
}

template <typename NextLayer>
void WsSession<NextLayer>::Close() {
  net::post(ws_.get_executor(), [self = shared_from_this()] {
    if (self->finished_ || !self->ws_.is_open()) {
      return;
    }
    self->ws_.async_close(websocket::close_code::going_away,
                          [self](beast::error_code) { self->Finish(); });
  });
}

template <typename NextLayer>
void WsSession<NextLayer>::Finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  outbox_.clear();
  if (client_) {
    api_.hub().Detach(client_);
  }
}

// One HTTP/1.1 connection over plain TCP or TLS: reads requests, hands API calls to the worker
// pool, serves files, upgrades /api/v1/ws. Lives on its own strand.
template <typename Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  HttpSession(tcp::socket socket, ServerState& state)
      : stream_(MakeStream(std::move(socket), state)), state_(state) {
    beast::error_code ec;
    auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    ip_ = ec ? "" : endpoint.address().to_string();
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        beast::get_lowest_layer(self->stream_).expires_after(kReadTimeout);
        self->stream_.async_handshake(ssl::stream_base::server,
                                      [self](beast::error_code ec) {
                                        if (!ec) {
                                          self->DoRead();
                                        }
                                      });
      } else {
        self->DoRead();
      }
    });
  }

 private:
  using std::enable_shared_from_this<HttpSession<Stream>>::shared_from_this;

  static Stream MakeStream(tcp::socket socket, ServerState& state) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *state.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  // The header first: an upload route (a customer file) may send up to max_upload_bytes,
  // every other request max_body_bytes. Beast checks a Content-Length against the limit as
  // soon as the header is parsed, so the header is read under the larger limit and the
  // request's own limit is applied here.
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(std::max(state_.options.max_body_bytes, state_.options.max_upload_bytes));
    parser_->header_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(kReadTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    body_limit_ = state_.options.max_body_bytes;
    if (ec) {
      return OnRead(ec, 0);
    }
    std::string_view target = parser_->get().target();
    if (api::Api::IsUploadRoute(std::string_view(parser_->get().method_string()),
                                target.substr(0, target.find('?')))) {
      body_limit_ = state_.options.max_upload_bytes;
      beast::get_lowest_layer(stream_).expires_after(kUploadTimeout);
    }
    if (parser_->content_length() && *parser_->content_length() > body_limit_) {
      return OnRead(http::error::body_limit, 0);
    }
    parser_->body_limit(body_limit_);  // chunked bodies are checked as they arrive
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == ssl::error::stream_truncated) {
      return Shutdown();
    }
    if (ec == http::error::body_limit) {
      return Send(JsonError(413, "payload_too_large",
                            "request body over " + std::to_string(body_limit_) + " bytes"),
                  11, false);
    }
    if (ec) {
      return Send(JsonError(400, "bad_request", "malformed HTTP request"), 11, false);
    }
    http::request<http::string_body> req = parser_->release();
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));

    if (websocket::is_upgrade(req)) {
      if (path != "/api/v1/ws") {
        return Send(JsonError(404, "not_found", "no WebSocket here"), req.version(), false);
      }
      Result<api::AuthContext> auth = state_.api.AuthenticateUpgrade(FromBeast(req, ip_));
      if (!auth.ok()) {
        bool denied = auth.status().code() == StatusCode::kPermissionDenied;
        return Send(JsonError(denied ? 403 : 401, denied ? "permission_denied" : "unauthenticated",
                              auth.status().message()),
                    req.version(), false);
      }
      beast::get_lowest_layer(stream_).expires_never();
      auto ws = std::make_shared<WsSession<Stream>>(std::move(stream_), state_.api,
                                                    std::move(auth).value(), state_);
      ws->Run(std::move(req));
      return;
    }

    bool is_api = path.starts_with("/api/") || path == "/healthz" || path == "/readyz" ||
                  path == "/metrics";
    if (!is_api) {
      return ServeFile(req);
    }
    if (state_.stopping) {
      return Send(JsonError(503, "unavailable", "server is shutting down"), req.version(), false);
    }
    // Handlers may wait on the store: they run on the worker pool, never on an I/O thread.
    state_.in_flight.fetch_add(1);
    unsigned version = req.version();
    bool keep_alive = req.keep_alive();
    net::post(state_.workers, [self = shared_from_this(), request = FromBeast(req, ip_), version,
                               keep_alive]() mutable {
      api::HttpResponse response = self->state_.api.Handle(request);
      net::post(self->stream_.get_executor(), [self, response = std::move(response), version,
                                               keep_alive]() mutable {
        self->Send(response, version, keep_alive, /*counted=*/true);
      });
    });
  }

  void ServeFile(const http::request<http::string_body>& req) {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      return Send(JsonError(405, "method_not_allowed", "method not allowed"), req.version(),
                  req.keep_alive());
    }
    StaticFile file = ServeStatic(state_.options.web_root, req.target());
    api::HttpResponse r;
    r.status = file.status;
    r.content_type = file.content_type;
    r.headers.emplace_back("Cache-Control", file.cache_control);
    if (file.content_type.starts_with("text/html")) {
      r.headers.emplace_back("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                             "connect-src 'self'; object-src 'none'; base-uri 'self'; "
                             "form-action 'self'; frame-ancestors 'none'");
    }
    r.body = req.method() == http::verb::head ? std::string() : std::move(file.body);
    Send(r, req.version(), req.keep_alive());
  }

  void Send(const api::HttpResponse& response, unsigned version, bool keep_alive,
            bool counted = false) {
    keep_alive = keep_alive && !state_.stopping;
    auto res = std::make_shared<http::response<http::string_body>>(
        ToBeast(response, version, keep_alive));
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep_alive, counted](beast::error_code ec,
                                                                            std::size_t) {
                        if (counted) {
                          self->state_.in_flight.fetch_sub(1);
                        }
                        if (ec || !keep_alive) {
                          return self->Shutdown();
                        }
                        self->DoRead();
                      });
  }

  void Shutdown() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  ServerState& state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  size_t body_limit_ = 0;  // of the request being read
  std::string ip_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(ServerState& state, tcp::acceptor acceptor)
      : state_(state), acceptor_(std::move(acceptor)) {}

  void Accept() {
    acceptor_.async_accept(net::make_strand(state_.ioc),
                           beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }
  void Close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
      return;
    }
    if (!ec && state_.tls) {
      std::make_shared<HttpSession<TlsStream>>(std::move(socket), state_)->Start();
    } else if (!ec) {
      std::make_shared<HttpSession<PlainStream>>(std::move(socket), state_)->Start();
    } else if (ec == net::error::no_descriptors) {
      spdlog::error("out of file descriptors; raise ulimit -n");
    }
    Accept();
  }

  ServerState& state_;
  tcp::acceptor acceptor_;
};

Result<tcp::endpoint> ParseListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError("server.listen must be host:port, got '" + listen + "'",
                                "server.listen");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
  }
  beast::error_code ec;
  auto address = net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec || port < 0 || port > 65535) {
    return InvalidArgumentError("server.listen must be host:port, got '" + listen + "'",
                                "server.listen");
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

// Many idle WebSockets need many descriptors: take the hard limit.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

Status RunServer(api::Api& api, const ServerOptions& options,
                 const std::function<void(int port)>& on_listening) {
  KEFU_ASSIGN_OR_RETURN(tcp::endpoint endpoint, ParseListen(options.listen));
  RaiseFileLimit();
  int io_threads = options.io_threads > 0
                       ? options.io_threads
                       : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  ServerState state(api, options, io_threads);
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    if (options.tls_cert.empty() || options.tls_key.empty()) {
      return InvalidArgumentError("TLS needs both server.tls_cert and server.tls_key",
                                  "server.tls_cert");
    }
    state.tls.emplace(ssl::context::tls_server);
    state.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    beast::error_code ec;
    state.tls->use_certificate_chain_file(options.tls_cert, ec);
    if (ec) {
      return InvalidArgumentError("cannot read TLS certificate " + options.tls_cert + ": " +
                                      ec.message(),
                                  "server.tls_cert");
    }
    state.tls->use_private_key_file(options.tls_key, ssl::context::pem, ec);
    if (ec) {
      return InvalidArgumentError("cannot read TLS key " + options.tls_key + ": " + ec.message(),
                                  "server.tls_key");
    }
  }

  tcp::acceptor acceptor(net::make_strand(state.ioc));
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("cannot listen on " + options.listen + ": " + ec.message());
  }
  int port = acceptor.local_endpoint().port();
  auto listener = std::make_shared<Listener>(state, std::move(acceptor));
  listener->Accept();

  if (!options.port_file.empty()) {
    std::string tmp = options.port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), options.port_file.c_str());  // readers never see a partial file
  }
  if (on_listening) {
    on_listening(port);
  }

  // Housekeeping: forget WebSocket sessions nobody will resume.
  net::steady_timer sweeper(state.ioc);
  std::function<void()> sweep = [&] {
    sweeper.expires_after(std::chrono::seconds(30));
    sweeper.async_wait([&](beast::error_code e) {
      if (e) {
        return;
      }
      api.hub().Sweep();
      state.PruneWs();
      sweep();
    });
  };
  sweep();

  // Graceful shutdown: stop accepting, answer readyz 503, let in-flight requests finish (up to
  // the grace period), close WebSockets, then stop the I/O threads.
  net::signal_set signals(state.ioc, SIGINT, SIGTERM);
  net::steady_timer drain(state.ioc);
  auto deadline = std::chrono::steady_clock::now();
  std::function<void()> wait_drained = [&] {
    if (state.in_flight.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
      if (state.in_flight.load() > 0) {
        spdlog::warn("shutting down with {} request(s) still running", state.in_flight.load());
      }
      state.CloseAllWs();
      drain.expires_after(std::chrono::milliseconds(200));  // let close frames go out
      drain.async_wait([&](beast::error_code) { state.ioc.stop(); });
      return;
    }
    drain.expires_after(std::chrono::milliseconds(20));
    drain.async_wait([&](beast::error_code e) {
      if (!e) {
        wait_drained();
      }
    });
  };
  signals.async_wait([&](beast::error_code e, int signal) {
    if (e) {
      return;
    }
    spdlog::info("signal {}: shutting down", signal);
    state.stopping = true;
    api.SetDraining();
    listener->Close();
    sweeper.cancel();
    deadline = std::chrono::steady_clock::now() +
               std::chrono::milliseconds(options.shutdown_grace_ms);
    wait_drained();
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < io_threads; ++i) {
    threads.emplace_back([&] { state.ioc.run(); });
  }
  state.ioc.run();
  for (auto& t : threads) {
    t.join();
  }
  state.workers.join();
  spdlog::info("server stopped");
  return OkStatus();
}

}  // namespace kefu::server

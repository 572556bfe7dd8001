#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "kefu/api/api.h"
#include "kefu/core/status.h"

namespace kefu::server {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  int io_threads = 0;                      // 0: one per core
  int workers = 8;                         // threads that run handlers (they may block on the store)
  size_t max_body_bytes = 1 << 20;
  size_t max_upload_bytes = 128 << 20;  // routes that take a file (Api::IsUploadRoute)
  std::string web_root = "web/dist";       // the built web UI
  std::string port_file;                   // when set, the bound port is written here
  int64_t shutdown_grace_ms = 10'000;      // how long in-flight requests may take at shutdown
  std::string tls_cert;                    // PEM certificate chain; with tls_key turns on HTTPS
  std::string tls_key;                     // PEM private key
};

// The HTTP/1.1 + WebSocket server on one port (Boost.Beast): /api/v1 and health through the
// Api pipeline, /api/v1/ws through the Hub, everything else from the web UI folder with an SPA
// fallback. Runs until SIGINT or SIGTERM, then stops accepting, lets in-flight requests finish,
// closes WebSockets and returns. `on_listening` is called with the bound port.
// Returns kUnavailable when the address cannot be bound, kInvalidArgument for a bad address.
Status RunServer(api::Api& api, const ServerOptions& options,
                 const std::function<void(int port)>& on_listening = {});

}  // namespace kefu::server

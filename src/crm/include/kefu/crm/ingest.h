#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kefu/core/clock.h"
#include "kefu/core/id.h"
#include "kefu/core/result.h"
#include "kefu/store/database.h"

namespace kefu::crm {

// What one ingest call answers: the HTTP status and JSON body to send, and whether it is the
// stored answer to an earlier call with the same idempotency key.
struct IngestResponse {
  int http_status = 200;
  std::string body;  // JSON: {"kind", "accepted", "rejected", "issues": [{index, field, reason}]}
  bool replayed = false;
};

// The bank's data feed (数据接入): its systems push customers, products and activity into kefu
// so the 360 view is complete. Kinds: customers, cards, accounts, loans, applications,
// transactions, journey, sms, error_codes, and the service history a bank brings from its old
// system: interactions (contacts), tickets (complaints included) and surveys. Each call
// carries up to kMaxItems items and an idempotency key; a retry with the same key and the
// same body gets the first answer back without doing anything again, the same key with
// another body is refused. Items name their customer by "cif" (the bank's customer number)
// or "customer_id". Bad items are reported by index and field and skipped; good items are
// upserted by their natural key (card number, external_ref, code), so resending an item
// changes nothing. Thread-safe.
class Ingest {
 public:
  static constexpr int kMaxItems = 1000;

  Ingest(store::Database* db, const Clock* clock, IdGenerator* ids, std::string pii_key)
      : db_(db), clock_(clock), ids_(ids), pii_key_(std::move(pii_key)) {}

  // `body` is the request body: {"items": [...]}. kInvalidArgument for an unknown kind, a
  // missing or overlong key, or a body that is not that shape (nothing is stored then);
  // kAlreadyExists when the key was used with a different body.
  Result<IngestResponse> Apply(std::string_view kind, std::string_view idempotency_key,
                               std::string_view body, std::string_view actor);

 private:
  store::Database* db_;
  const Clock* clock_;
  IdGenerator* ids_;
  std::string pii_key_;
};

}  // namespace kefu::crm

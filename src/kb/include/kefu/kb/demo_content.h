#pragma once

#include <cstdint>

#include "kefu/kb/knowledge_base.h"

namespace kefu::kb {

// Adds the demo knowledge base written for kefu (not copied from any data set): about 40 FAQ
// entries (cards, repayment, limits, lost cards, app login …), 15 canned phrases with
// shortcuts, 8 links and 12 activity codes whose dates fall in the months around `now_ms`
// (so that "上个月的活动" always finds some), each with regions, card types, terms and the SMS
// that carried the code. The error codes already in error_codes are indexed by the knowledge
// base itself. Idempotent: entries match by code or kind + title, so a second run reports
// everything unchanged.
Result<ImportReport> SeedDemoContent(KnowledgeBase& kb, int64_t now_ms);

}  // namespace kefu::kb

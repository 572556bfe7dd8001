#include "demo_seed.h"

#include "kefu/core/civil_date.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "kefu/core/id.h"
#include "kefu/core/pii.h"
#include "kefu/core/status.h"
#include "kefu/store/migrate.h"

namespace kefu::cli {
namespace {

using store::Params;
using store::Session;

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kShanghaiOffsetMs = 8 * kHourMs;  // China, Hong Kong and Taiwan: UTC+8
constexpr int64_t kTransactionWindowDays = 90;
constexpr int kBatchCustomers = 100;
constexpr int kMaxCustomers = 1'000'000;
constexpr std::string_view kSeededKey = "demo_seeded";
constexpr std::string_view kStartedKey = "demo_seed_started";

// ---- Deterministic randomness ------------------------------------------------------------
// std::mt19937_64's output sequence is fixed by the standard; the std::*_distribution classes
// are not, so the same seed would give other data on another standard library. Hence these
// integer helpers. Their modulo bias is below 1e-12 for the small ranges used here. Every
// draw is a statement of its own (or an element of a braced list, which C++ evaluates left to
// right): the operands of `a() + b()` are unsequenced, and another compiler could draw them in
// another order.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, n). REQUIRES: n > 0.
  int64_t Below(int64_t n) { return static_cast<int64_t>(engine_() % static_cast<uint64_t>(n)); }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return lo + Below(hi - lo + 1); }
  bool Percent(int p) { return Below(100) < p; }
  bool PerMille(int p) { return Below(1000) < p; }
  // In [0, n), skewed towards 0: most amounts are small, a few are large.
  int64_t Skewed(int64_t n) {
    const int64_t a = Below(n);
    return a * Below(1000) / 1000;
  }
  // An index in [0, n) skewed towards the front (common surnames first).
  int64_t FrontIndex(int64_t n) { return std::min(Below(n), Below(n)); }

  template <typename T>
  const T& Pick(std::span<const T> items) {
    return items[static_cast<size_t>(Below(static_cast<int64_t>(items.size())))];
  }
  // REQUIRES: every item has an int `weight` >= 0 and at least one is positive.
  template <typename T>
  const T& PickWeighted(std::span<const T> items) {
    int64_t total = 0;
    for (const T& item : items) {
      total += item.weight;
    }
    int64_t r = Below(total);
    for (const T& item : items) {
      if (r < item.weight) {
        return item;
      }
      r -= item.weight;
    }
    return items.back();
  }
  std::string Digits(int n) {
    std::string s(static_cast<size_t>(n), '0');
    for (char& c : s) {
      c = static_cast<char>('0' + Below(10));
    }
    return s;
  }

 private:
  std::mt19937_64 engine_;
};

// ---- Calendar (proleptic Gregorian, H. Hinnant's days_from_civil algorithms) -------------
// Calendar arithmetic comes from core (civil_date.h); Ymd keeps this file's short names.
struct Ymd {
  int y, m, d;
};

Ymd CivilFromDays(int64_t z) {
  const CivilDate c = kefu::CivilFromDays(z);
  return {c.year, c.month, c.day};
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string ZeroPad(int64_t v, int width) {
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) {
    s.insert(0, static_cast<size_t>(width) - s.size(), '0');
  }
  return s;
}

// ---- Reference data ----------------------------------------------------------------------
// Everything below is made up for the demo. Administrative division codes are real (an ID
// number must start with one); street addresses, card BINs and merchants are invented.

struct RegionDef {
  std::string_view code;
  std::string_view name;
  std::string_view province;
  std::string_view area;  // regions.area
  int weight;             // share of customers
  // Six-digit administrative division codes (GB/T 2260) of districts in the city, separated
  // by spaces; 810000 and 830000 are the prefixes of Hong Kong and Taiwan residents'
  // residence permits (港澳台居民居住证), which share the resident ID number format.
  std::string_view id_prefixes;
};

constexpr RegionDef kRegions[] = {
    {"BJ", "北京", "北京", "mainland", 14, "110101 110105 110108"},
    {"SH", "上海", "上海", "mainland", 14, "310101 310104 310115"},
    {"GD-GZ", "广州", "广东", "mainland", 10, "440103 440106"},
    {"GD-SZ", "深圳", "广东", "mainland", 10, "440303 440304 440305"},
    {"ZJ-HZ", "杭州", "浙江", "mainland", 8, "330102 330106"},
    {"JS-NJ", "南京", "江苏", "mainland", 7, "320102 320106"},
    {"SC-CD", "成都", "四川", "mainland", 7, "510104 510107"},
    {"HB-WH", "武汉", "湖北", "mainland", 6, "420102 420106"},
    {"SN-XA", "西安", "陕西", "mainland", 5, "610103 610113"},
    {"SD-JN", "济南", "山东", "mainland", 5, "370102 370103"},
    {"HK", "香港", "香港", "hk", 3, "810000"},
    {"TW-TPE", "台北", "台湾", "tw", 2, "830000"},
};

// Birthplaces of mainland customers who moved to the city they bank in.
constexpr std::string_view kHometownPrefixes[] = {
    "430102", "410105", "130102", "500103", "350203", "210102",
    "230102", "450103", "530102", "360102", "340104",
};

struct BranchDef {
  std::string_view region_code;
  std::string_view code;
  std::string_view name;
  std::string_view address;
};

constexpr BranchDef kBranches[] = {
    {"BJ", "BJ01", "北京分行营业部", "北京市西城区金融大街27号"},
    {"BJ", "BJ02", "北京中关村支行", "北京市海淀区中关村大街59号"},
    {"BJ", "BJ03", "北京望京支行", "北京市朝阳区望京街9号"},
    {"SH", "SH01", "上海分行营业部", "上海市黄浦区中山南路100号"},
    {"SH", "SH02", "上海浦东支行", "上海市浦东新区世纪大道210号"},
    {"SH", "SH03", "上海徐汇支行", "上海市徐汇区漕溪北路88号"},
    {"GD-GZ", "GZ01", "广州分行营业部", "广州市天河区华夏路16号"},
    {"GD-GZ", "GZ02", "广州荔湾支行", "广州市荔湾区中山八路35号"},
    {"GD-SZ", "SZ01", "深圳分行营业部", "深圳市福田区深南大道7008号"},
    {"GD-SZ", "SZ02", "深圳南山科技园支行", "深圳市南山区科技南十二路18号"},
    {"GD-SZ", "SZ03", "深圳罗湖支行", "深圳市罗湖区人民南路3005号"},
    {"ZJ-HZ", "HZ01", "杭州分行营业部", "杭州市上城区解放东路29号"},
    {"ZJ-HZ", "HZ02", "杭州西湖支行", "杭州市西湖区文三路90号"},
    {"JS-NJ", "NJ01", "南京分行营业部", "南京市玄武区中山路55号"},
    {"SC-CD", "CD01", "成都分行营业部", "成都市锦江区红星路三段16号"},
    {"SC-CD", "CD02", "成都高新支行", "成都市武侯区天府大道北段28号"},
    {"HB-WH", "WH01", "武汉分行营业部", "武汉市江岸区建设大道568号"},
    {"SN-XA", "XA01", "西安分行营业部", "西安市碑林区南大街56号"},
    {"SD-JN", "JN01", "济南分行营业部", "济南市历下区泉城路180号"},
    {"HK", "HK01", "香港分行", "香港中環德輔道中68號"},
    {"HK", "HK02", "香港尖沙咀支行", "九龍尖沙咀彌敦道132號"},
    {"TW-TPE", "TPE01", "台北分行", "台北市信義區松仁路100號"},
};

struct SkillDef {
  std::string_view code;
  std::string_view name;
  std::string_view category;
};

constexpr SkillDef kSkills[] = {
    {"credit_card", "信用卡", "business"}, {"debit_card", "借记卡", "business"},
    {"loan", "贷款", "business"},          {"wealth", "理财", "business"},
    {"complaint", "投诉", "business"},     {"vip", "VIP服务", "business"},
    {"english", "英语", "language"},       {"cantonese", "粤语", "language"},
    {"written", "文字客服", "channel"},
};

// Members of each team besides its supervisor; `skill` is the team's own skill and `extra`
// a second one a share of members also have.
struct TeamDef {
  std::string_view code;
  std::string_view name;
  int members;
  std::string_view member_role;
  std::string_view skill;
  std::string_view extra;
  int extra_percent;
  bool written;  // members with an even index also answer chat and e-mail
};

constexpr TeamDef kTeams[] = {
    {"credit_card", "信用卡组", 12, "agent", "credit_card", "debit_card", 40, true},
    {"debit_card", "借记卡组", 10, "agent", "debit_card", "credit_card", 40, true},
    {"loan", "贷款组", 7, "agent", "loan", "wealth", 30, false},
    {"wealth", "理财组", 6, "agent", "wealth", "vip", 60, false},
    {"complaint", "投诉处理组", 5, "agent", "complaint", "credit_card", 100, true},
    {"expert", "专家组", 6, "expert", "", "", 0, true},
    {"qa", "质检组", 3, "qa", "", "", 0, false},
};
constexpr int kAnalysts = 2;
constexpr int kAdmins = 1;
constexpr std::string_view kBusinessSkills[] = {"credit_card", "debit_card", "loan",
                                                "wealth",      "complaint",  "vip"};

struct QueueDef {
  std::string_view code;
  std::string_view name;
  std::string_view channel;
  int service_level_seconds;
  int target_pct;
  int priority;
  std::string_view min_tier;  // empty: everyone
  std::string_view skill;
  int min_proficiency;
};

// E-mail's service level is a day (86,400 s): nobody answers e-mail within 25 seconds.
constexpr QueueDef kQueues[] = {
    {"credit_card_hotline", "信用卡热线", "voice", 25, 80, 0, "", "credit_card", 1},
    {"debit_card_hotline", "借记卡热线", "voice", 25, 80, 0, "", "debit_card", 1},
    {"loan", "贷款咨询", "voice", 25, 80, 0, "", "loan", 1},
    {"wealth", "理财", "voice", 25, 80, 0, "", "wealth", 2},
    {"complaint", "投诉", "voice", 20, 85, 5, "", "complaint", 3},
    {"online_chat", "在线客服", "chat", 30, 80, 0, "", "written", 1},
    {"email", "邮件", "email", 86'400, 90, 0, "", "written", 1},
    {"vip", "VIP专线", "voice", 15, 90, 10, "gold", "vip", 2},
    {"english", "英语服务", "voice", 25, 80, 0, "", "english", 3},
    {"cantonese", "粤语服务", "voice", 25, 80, 0, "", "cantonese", 3},
};

// Transaction error codes. `weight` is how often a random failure picks the code (0: only
// for the card state in `card_state`); `card_kind`, `tx_kind` and `overseas` narrow the
// transactions it can explain.
struct ErrorCodeDef {
  std::string_view code;
  std::string_view category;
  std::string_view channel;
  std::string_view reason;
  std::string_view advice;
  int weight;
  std::string_view card_kind;
  std::string_view tx_kind;
  bool overseas;
  std::string_view card_state;
};

constexpr ErrorCodeDef kErrorCodes[] = {
    {"E1001", "balance", "all", "余额不足",
     "账户可用余额不足以支付本笔交易。请确认余额，存入资金或更换支付卡后重试；如有在途交易，可稍后"
     "再查。",
     20, "debit", "", false, ""},
    {"E1002", "limit", "all", "超过单笔限额",
     "交易金额超过该渠道单笔限额。可分笔支付，或经身份验证后在手机银行“安全中心-限额管理”中调整单"
     "笔限额。",
     10, "", "", false, ""},
    {"E1003", "limit", "all", "超过单日限额",
     "当日累计交易金额已达上限，次日零点恢复。如需提高日限额，请本人通过手机银行或携带身份证件到网"
     "点办理。",
     8, "", "", false, ""},
    {"E1004", "limit", "all", "超过信用额度",
     "信用卡可用额度不足。可先还款恢复额度，或通过客服申请临时额度（需审核）。", 12, "credit", "",
     false, ""},
    {"E2001", "auth", "all", "密码错误次数超限",
     "当日交易密码连续输错已达上限，卡片已暂时锁定，次日自动解锁。如忘记密码，请本人携带身份证件和"
     "银行卡到网点重置。",
     4, "", "", false, ""},
    {"E2002", "auth", "all", "交易密码错误",
     "交易密码输入有误，请核对后重试；当日连续错误3次将锁定至次日。", 8, "", "", false, ""},
    {"E2003", "auth", "quick_pay", "验证码错误",
     "短信验证码错误或已过期（5分钟内有效）。请重新获取后输入；银行工作人员不会索要验证码，切勿告知"
     "他人。",
     8, "", "", false, ""},
    {"E2004", "auth", "quick_pay", "CVV2错误",
     "卡背面签名栏末三位安全码（CVV2）有误，请核对后重试；多次错误将暂停该卡的无卡支付功能。", 4,
     "credit", "", false, ""},
    {"E2005", "auth", "quick_pay", "预留手机号不符",
     "输入的手机号与银行预留手机号不一致。如需变更预留手机号，请本人通过手机银行或到网点办理。", 4,
     "", "", false, ""},
    {"E3001", "card", "all", "卡片已冻结",
     "卡片处于冻结状态，无法交易。请核实客户身份后了解冻结原因（风控、司法或本人申请），按原因指引"
     "办"
     "理解冻。",
     0, "", "", false, "frozen"},
    {"E3002", "card", "all", "卡片已过期",
     "卡片已过有效期。新卡通常在到期前一个月寄出，请激活新卡；未收到的可申请补寄或到网点换卡。", 0,
     "", "", false, "expired"},
    {"E3003", "card", "all", "卡片已挂失",
     "卡片已挂失，无法交易。补办新卡可通过手机银行申请寄送，或本人携带身份证件到网点办理。", 0, "",
     "", false, "lost"},
    {"E3004", "card", "all", "卡片未激活",
     "新卡尚未激活。可通过手机银行、微信银行或拨打客服热线按提示激活，激活后即可使用。", 0, "", "",
     false, "inactive"},
    {"E3005", "account", "all", "账户状态异常",
     "账户处于止付、冻结或久悬状态。请客户本人携带有效身份证件到开户网点核实处理，客服不可代为解除"
     "。",
     3, "", "", false, ""},
    {"E4001", "merchant", "pos", "商户不支持该卡种",
     "该商户不受理此类银行卡（例如仅受理借记卡）。请更换支付卡或支付方式。", 4, "credit", "", false,
     ""},
    {"E4002", "risk", "all", "境外交易未开通",
     "卡片未开通境外交易功能。可通过手机银行开通境外支付并设置境外限额，开通后即可在境外使用。", 40,
     "", "", true, ""},
    {"E4003", "risk", "all", "交易风控拦截",
     "交易触发风险监控被暂时拦截，资金未扣。请核实是否本人交易：确认本人后可解除拦截并重新交易；如"
     "非"
     "本人交易，请立即冻结卡片。",
     8, "", "", false, ""},
    {"E4004", "merchant", "quick_pay", "快捷支付协议失效",
     "快捷支付签约已解约或过期。请在支付平台重新绑定银行卡并完成短信验证。", 3, "", "", false, ""},
    {"E5001", "network", "all", "网络超时请重试",
     "通讯超时，交易结果未确定。请先查询账户明细：未扣款可重新交易，已扣款的将在1至3个工作日内自动"
     "冲正退回。",
     10, "", "", false, ""},
    {"E5002", "system", "all", "系统维护中",
     "银行系统正在维护，请稍后重试；紧急业务可到网点柜面办理。", 2, "", "", false, ""},
    {"E6001", "limit", "atm", "ATM单次取款超限",
     "ATM单次取款金额超过上限（多数机具为2000元或5000元），请分次取款或到柜面办理。", 6, "",
     "withdrawal", false, ""},
    {"E6002", "atm", "atm", "ATM现金不足", "该ATM现金不足，交易未扣款。请更换附近ATM或到柜面取款。",
     3, "", "withdrawal", false, ""},
    {"E7001", "account", "counter", "证件已过期",
     "客户预留的身份证件已过有效期，需更新证件信息后方可办理。可通过手机银行上传新证件或到网点办理"
     "。",
     3, "", "", false, ""},
    {"E7002", "account", "all", "收款户名与账号不符",
     "收款人户名与账号不一致，款项未转出。请核对收款人姓名和账号后重试。", 6, "", "transfer_out",
     false, ""},
};
constexpr std::string_view kTimeoutCode = "E5001";  // also carried by reversed transactions

// ---- Names -------------------------------------------------------------------------------
struct Han {
  std::string_view han;
  std::string_view latin;  // pinyin (simplified lists) or HK romanisation (traditional)
};

// Most common first: FrontIndex makes the front of each list more likely.
constexpr Han kSurnames[] = {
    {"王", "wang"},     {"李", "li"},     {"张", "zhang"},       {"刘", "liu"},     {"陈", "chen"},
    {"杨", "yang"},     {"黄", "huang"},  {"赵", "zhao"},        {"吴", "wu"},      {"周", "zhou"},
    {"徐", "xu"},       {"孙", "sun"},    {"马", "ma"},          {"朱", "zhu"},     {"胡", "hu"},
    {"郭", "guo"},      {"何", "he"},     {"高", "gao"},         {"林", "lin"},     {"罗", "luo"},
    {"郑", "zheng"},    {"梁", "liang"},  {"谢", "xie"},         {"宋", "song"},    {"唐", "tang"},
    {"许", "xu"},       {"韩", "han"},    {"冯", "feng"},        {"邓", "deng"},    {"曹", "cao"},
    {"彭", "peng"},     {"曾", "zeng"},   {"肖", "xiao"},        {"田", "tian"},    {"董", "dong"},
    {"袁", "yuan"},     {"潘", "pan"},    {"于", "yu"},          {"蒋", "jiang"},   {"蔡", "cai"},
    {"余", "yu"},       {"杜", "du"},     {"叶", "ye"},          {"程", "cheng"},   {"苏", "su"},
    {"魏", "wei"},      {"吕", "lv"},     {"丁", "ding"},        {"任", "ren"},     {"沈", "shen"},
    {"姚", "yao"},      {"卢", "lu"},     {"姜", "jiang"},       {"崔", "cui"},     {"钟", "zhong"},
    {"谭", "tan"},      {"陆", "lu"},     {"汪", "wang"},        {"范", "fan"},     {"金", "jin"},
    {"石", "shi"},      {"廖", "liao"},   {"贾", "jia"},         {"夏", "xia"},     {"韦", "wei"},
    {"方", "fang"},     {"白", "bai"},    {"邹", "zou"},         {"孟", "meng"},    {"熊", "xiong"},
    {"秦", "qin"},      {"邱", "qiu"},    {"江", "jiang"},       {"尹", "yin"},     {"薛", "xue"},
    {"段", "duan"},     {"雷", "lei"},    {"侯", "hou"},         {"龙", "long"},    {"史", "shi"},
    {"陶", "tao"},      {"黎", "li"},     {"贺", "he"},          {"顾", "gu"},      {"毛", "mao"},
    {"郝", "hao"},      {"龚", "gong"},   {"邵", "shao"},        {"万", "wan"},     {"钱", "qian"},
    {"严", "yan"},      {"武", "wu"},     {"戴", "dai"},         {"莫", "mo"},      {"孔", "kong"},
    {"欧阳", "ouyang"}, {"司马", "sima"}, {"上官", "shangguan"}, {"诸葛", "zhuge"},
};

constexpr Han kMaleGiven[] = {
    {"伟", "wei"}, {"强", "qiang"}, {"磊", "lei"},  {"军", "jun"},  {"洋", "yang"}, {"勇", "yong"},
    {"杰", "jie"}, {"涛", "tao"},   {"明", "ming"}, {"超", "chao"}, {"斌", "bin"},  {"鹏", "peng"},
    {"辉", "hui"}, {"华", "hua"},   {"飞", "fei"},  {"刚", "gang"}, {"平", "ping"}, {"建", "jian"},
    {"国", "guo"}, {"志", "zhi"},   {"浩", "hao"},  {"宇", "yu"},   {"俊", "jun"},  {"峰", "feng"},
    {"博", "bo"},  {"晨", "chen"},  {"轩", "xuan"}, {"昊", "hao"},  {"天", "tian"}, {"睿", "rui"},
    {"凯", "kai"}, {"鑫", "xin"},   {"健", "jian"}, {"毅", "yi"},   {"航", "hang"}, {"哲", "zhe"},
    {"波", "bo"},  {"成", "cheng"}, {"龙", "long"}, {"林", "lin"},
};

constexpr Han kFemaleGiven[] = {
    {"芳", "fang"}, {"娜", "na"},   {"敏", "min"}, {"静", "jing"}, {"丽", "li"},   {"艳", "yan"},
    {"娟", "juan"}, {"霞", "xia"},  {"秀", "xiu"}, {"玲", "ling"}, {"婷", "ting"}, {"雪", "xue"},
    {"慧", "hui"},  {"颖", "ying"}, {"琳", "lin"}, {"晶", "jing"}, {"倩", "qian"}, {"欣", "xin"},
    {"怡", "yi"},   {"佳", "jia"},  {"悦", "yue"}, {"梦", "meng"}, {"诗", "shi"},  {"雨", "yu"},
    {"萱", "xuan"}, {"璐", "lu"},   {"瑶", "yao"}, {"妍", "yan"},  {"洁", "jie"},  {"燕", "yan"},
    {"红", "hong"}, {"梅", "mei"},  {"莉", "li"},  {"蕾", "lei"},  {"薇", "wei"},  {"琪", "qi"},
    {"涵", "han"},  {"婉", "wan"},
};

// First characters of two-character given names that suit either gender.
constexpr Han kNeutralGiven[] = {
    {"文", "wen"},  {"晓", "xiao"}, {"子", "zi"},   {"思", "si"},  {"嘉", "jia"},
    {"一", "yi"},   {"安", "an"},   {"宁", "ning"}, {"新", "xin"}, {"海", "hai"},
    {"春", "chun"}, {"秋", "qiu"},  {"永", "yong"}, {"家", "jia"}, {"雅", "ya"},
};

// Traditional characters for Hong Kong and Taiwan customers; `latin` is the Hong Kong
// romanisation of the surname (used for e-mail addresses only).
constexpr Han kTraditionalSurnames[] = {
    {"陳", "chan"},  {"黃", "wong"},  {"張", "cheung"}, {"李", "lee"},   {"王", "wong"},
    {"林", "lam"},   {"劉", "lau"},   {"吳", "ng"},     {"楊", "yeung"}, {"蔡", "choi"},
    {"許", "hui"},   {"鄭", "cheng"}, {"謝", "tse"},    {"郭", "kwok"},  {"洪", "hung"},
    {"曾", "tsang"}, {"邱", "yau"},   {"廖", "liu"},    {"賴", "lai"},   {"周", "chow"},
    {"徐", "tsui"},  {"蘇", "so"},    {"葉", "yip"},    {"莊", "chong"}, {"呂", "lui"},
    {"何", "ho"},    {"蕭", "siu"},   {"羅", "law"},    {"高", "ko"},    {"潘", "poon"},
    {"梁", "leung"}, {"馮", "fung"},  {"鄧", "tang"},   {"麥", "mak"},   {"區", "au"},
};
constexpr std::string_view kTraditionalMale[] = {"偉", "強", "志", "明", "文", "俊", "傑", "家",
                                                 "豪", "建", "宏", "國", "華", "嘉", "賢", "浩",
                                                 "軒", "子", "宇", "恩", "達", "朗", "樂", "銘"};
constexpr std::string_view kTraditionalFemale[] = {"美", "玲", "淑", "芬", "惠", "雅", "婷", "怡",
                                                   "欣", "佳", "慧", "詩", "穎", "雯", "麗", "瑩",
                                                   "嘉", "曉", "琪", "珊", "敏", "儀", "潔", "晴"};

// Reserved for documentation (RFC 2606, RFC 6761): demo e-mail must never reach a person.
constexpr std::string_view kEmailDomains[] = {"example.com", "example.net", "example.org",
                                              "mail.example"};

constexpr std::string_view kMobilePrefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "176", "177", "178", "180",
    "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
};

// ---- Cards, loans, transactions ----------------------------------------------------------
struct Weighted {
  std::string_view code;
  int weight;
};

constexpr Weighted kTiers[] = {{"standard", 750}, {"gold", 180}, {"platinum", 60}, {"private", 10}};
constexpr int kCardCountWeights[] = {45, 30, 17, 8};  // 1, 2, 3 or 4 cards

// Illustrative BINs, not those of a real issuer. Debit cards have 19 digits, credit 16.
constexpr std::string_view kDebitBins[] = {"623058", "621793"};
constexpr std::string_view kCreditBins[] = {"625831", "518746", "436752"};

constexpr Weighted kLoanProducts[] = {
    {"mortgage", 35}, {"auto", 15}, {"consumer", 40}, {"business", 10}};

struct LoanTerms {
  std::string_view product;
  int64_t min_yuan, max_yuan;
  int min_rate_bp, max_rate_bp;
  std::array<int, 4> terms_months;
};
constexpr LoanTerms kLoanTerms[] = {
    {"mortgage", 300'000, 3'000'000, 300, 420, {120, 240, 300, 360}},
    {"auto", 50'000, 400'000, 300, 600, {12, 24, 36, 60}},
    {"consumer", 10'000, 300'000, 320, 1'200, {12, 24, 36, 36}},
    {"business", 100'000, 3'000'000, 300, 650, {12, 24, 36, 60}},
};

// Local hour weights for when people pay (UTC+8).
constexpr int kHourWeights[24] = {1,  1, 1, 1, 1, 1, 2, 4,  6,  7, 8, 9,
                                  10, 9, 8, 8, 8, 8, 9, 10, 10, 9, 6, 3};

constexpr std::string_view kMerchantPrefixes[] = {
    "福满", "顺达", "嘉禾", "瑞丰", "锦绣", "阳光", "海天", "万家", "康乐",
    "天和", "金桥", "东方", "新禾", "百川", "悦来", "同心", "鑫源", "长青",
};
constexpr std::string_view kShopKinds[] = {
    "超市", "便利店", "加油站", "餐厅",   "咖啡馆", "药房",   "书店",   "影城",
    "百货", "酒店",   "电器城", "服装店", "面馆",   "烘焙坊", "健身房", "水果店",
};
constexpr std::string_view kOnlineKinds[] = {"商城",     "外卖",     "出行", "旅行网",
                                             "视频会员", "话费充值", "生鲜"};

struct Overseas {
  std::string_view country;
  std::string_view currency;
  int num, den;  // minor units of `currency` per fen, roughly
  std::string_view merchants[2];
};
constexpr Overseas kOverseas[] = {
    {"US", "USD", 1, 7, {"Pacific Outlet Store", "Golden Gate Diner"}},
    {"GB", "GBP", 1, 9, {"Thames Book Shop", "Kensington Tea Room"}},
    {"FR", "EUR", 1, 8, {"Rive Gauche Café", "Galerie Lumière"}},
    {"SG", "SGD", 1, 5, {"Marina Food Court", "Orchard Electronics"}},
    {"AU", "AUD", 1, 5, {"Harbourside Café", "Bondi Surf Shop"}},
};
constexpr Overseas kHongKong = {"HK", "HKD", 11, 10, {"維港百貨", "旺角茶餐廳"}};
constexpr Overseas kTaiwan = {"TW", "TWD", 9, 2, {"信義百貨", "士林夜市小吃"}};

// ---- SQL ----------------------------------------------------------------------------------
// One text per statement: the store prepares each text once per connection and reuses it.
constexpr std::string_view kInsertMeta = "INSERT INTO kefu_meta (key, value) VALUES ($1, $2)";
constexpr std::string_view kSelectMeta = "SELECT value FROM kefu_meta WHERE key = $1";
constexpr std::string_view kDeleteMeta = "DELETE FROM kefu_meta WHERE key = $1";
constexpr std::string_view kInsertRegion =
    "INSERT INTO regions (id, code, name, province, area, created_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kInsertBranch =
    "INSERT INTO branches (id, region_id, code, name, address, created_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kInsertTeam =
    "INSERT INTO teams (id, code, name, created_ms) VALUES ($1, $2, $3, $4)";
constexpr std::string_view kInsertAgent =
    "INSERT INTO agents (id, employee_no, name, team_id, role, status, mobile, email, max_chats, "
    "created_ms, updated_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
constexpr std::string_view kInsertSkill =
    "INSERT INTO skills (id, code, name, category, created_ms) VALUES ($1, $2, $3, $4, $5)";
constexpr std::string_view kInsertAgentSkill =
    "INSERT INTO agent_skills (agent_id, skill_id, proficiency) VALUES ($1, $2, $3)";
constexpr std::string_view kInsertQueue =
    "INSERT INTO queues (id, code, name, channel, priority, service_level_seconds, "
    "service_level_target_pct, min_tier, enabled, created_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
constexpr std::string_view kInsertQueueSkill =
    "INSERT INTO queue_skills (queue_id, skill_id, min_proficiency) VALUES ($1, $2, $3)";
constexpr std::string_view kInsertErrorCode =
    "INSERT INTO error_codes (code, reason, advice, channel, category, updated_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kInsertCustomer =
    "INSERT INTO customers (id, name, gender, birth_date, mobile, mobile_hash, email, id_type, "
    "id_number, id_number_hash, tier, segment, status, region_id, branch_id, owner_agent_id, "
    "preferred_script, created_ms, updated_ms, source) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
    "$19, 'demo')";
// The identity index the 360 lookup and the import use (schema v4). Two demo customers may
// draw the same random mobile: the first keeps it as a key.
constexpr std::string_view kInsertKey =
    "INSERT INTO customer_keys (kind, key, customer_id, value, created_ms) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
constexpr std::string_view kInsertCard =
    "INSERT INTO cards (id, customer_id, card_number_masked, card_number_hash, last4, product, "
    "kind, currency, credit_limit_fen, available_fen, statement_day, due_day, expiry_month, "
    "status, opened_ms, updated_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
constexpr std::string_view kInsertLoan =
    "INSERT INTO loans (id, customer_id, product, principal_fen, balance_fen, rate_bp, "
    "term_months, repayment_day, overdue_days, status, start_ms, updated_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
constexpr std::string_view kInsertTransaction =
    "INSERT INTO transactions (id, customer_id, card_id, account_masked, kind, direction, "
    "amount_fen, currency, merchant, country, channel, status, error_code, occurred_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

constexpr std::string_view kInsertInteraction =
    "INSERT INTO interactions (id, customer_id, channel, direction, queue_id, agent_id, status, "
    "disposition, summary, started_ms, answered_ms, ended_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
constexpr std::string_view kInsertTicket =
    "INSERT INTO tickets (id, number, customer_id, interaction_id, kind, category, subject, "
    "description, priority, status, severity, via_regulator, assignee_agent_id, due_ms, "
    "resolution, created_ms, updated_ms, resolved_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
constexpr std::string_view kInsertSurvey =
    "INSERT INTO surveys (id, customer_id, interaction_id, kind, channel, score, comment, "
    "answered_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

// What customers contact the bank about: the contact's summary and, when it leads to a
// ticket, the ticket's category and subject. Written for this project.
struct ContactTopic {
  std::string_view summary;
  std::string_view category;
  std::string_view ticket_subject;  // empty: settled on the spot
  int weight;
};
constexpr ContactTopic kContactTopics[] = {
    {"咨询信用卡账单分期手续费和期数", "card", "", 14},
    {"查询刷卡失败原因，已告知错误代码含义", "transaction", "", 12},
    {"咨询信用卡临时额度调整", "card", "申请临时额度上调", 8},
    {"询问还款日和最低还款额", "card", "", 10},
    {"手机银行转账失败，协助排查", "transaction", "转账失败待核查", 7},
    {"咨询房贷提前还款流程", "loan", "提前还款预约", 5},
    {"查询信用卡申请进度", "application", "", 8},
    {"修改账单寄送地址", "profile", "补寄纸质账单", 4},
    {"询问活动积分何时到账", "campaign", "活动奖励未到账", 6},
    {"挂失借记卡并咨询补卡", "card", "补卡邮寄", 4},
    {"咨询理财产品赎回到账时间", "wealth", "", 5},
    {"反映境外交易被拒", "transaction", "境外交易限制解除", 3},
};

struct ComplaintTopic {
  std::string_view subject;
  std::string_view category;
  std::string_view resolution;
};
constexpr ComplaintTopic kComplaintTopics[] = {
    {"年费未经告知被扣收", "fee", "已向客户说明并减免当年年费"},
    {"分期手续费与宣传不符", "fee", "已退还差额手续费"},
    {"电话多次排队无人接听", "service", "已致歉并安排专人回访"},
    {"扣款成功但商户未到账", "transaction", "已联系收单行，款项原路退回"},
    {"催收电话打给家人", "collection", "已核查并调整催收联系方式"},
    {"活动奖品迟迟未发放", "campaign", "已补发奖品并致歉"},
};

constexpr std::string_view kSurveyComments[] = {
    "处理很快，谢谢", "坐席很耐心",   "等待时间太长",
    "问题还没解决",   "解释得很清楚", "希望能有短信通知",
};

// ---- The generator -----------------------------------------------------------------------

// One batch of customers with everything they own, generated before the transaction opens
// so that the random sequence does not depend on how often the store runs the callback.
struct Batch {
  std::vector<Params> customers, keys, cards, loans, transactions;
  std::vector<Params> interactions, tickets, surveys;
};

struct RegionRow {
  const RegionDef* def;
  int64_t id;
  std::vector<int64_t> branch_ids;
  std::vector<std::string_view> id_prefixes;
};

struct GeneratedCard {
  int64_t id;
  std::string_view kind;
  std::string_view status;
  // From this time on the card cannot pay (frozen, lost, expired); max for an active card,
  // min for a card never activated.
  int64_t blocked_since_ms;
};

class Generator {
 public:
  Generator(const Clock& clock, const DemoSeedOptions& options)
      : options_(options),
        rng_(options.seed),
        ids_(&clock, options.node_id),
        now_ms_(clock.NowMs()),
        today_(CivilFromDays(FloorDiv(now_ms_ + kShanghaiOffsetMs, kDayMs))) {}

  Status InsertReferenceData(Session& s, DemoSeedReport& report);
  Batch NextBatch(int count, DemoSeedReport& report);

 private:
  struct Person {
    std::string name;
    std::string email_local;
    bool male;
  };
  Person MakeName(bool traditional);
  std::string MakeMobile();
  std::string MakeEmail(const Person& p, int birth_year);
  std::string MakeIdNumber(std::string_view prefix, const Ymd& birth, bool male);
  std::string MakeCardNumber(std::string_view bin, int length);
  void AddCustomer(Batch& batch, DemoSeedReport& report);
  std::vector<GeneratedCard> AddCards(Batch& batch, int64_t customer_id, std::string_view tier,
                                      int64_t created_ms, DemoSeedReport& report);
  void AddLoans(Batch& batch, int64_t customer_id, std::string_view tier, std::string_view segment,
                int64_t created_ms, DemoSeedReport& report);
  void AddTransactions(Batch& batch, int64_t customer_id, const RegionRow& region,
                       std::string_view tier, const std::vector<GeneratedCard>& cards,
                       const std::string& account_masked, DemoSeedReport& report);
  void AddServiceHistory(Batch& batch, int64_t customer_id, std::string_view tier,
                         int64_t created_ms, DemoSeedReport& report);
  int64_t TransactionTime(std::string_view channel);
  std::string_view PickErrorCode(std::string_view channel, std::string_view card_kind,
                                 std::string_view tx_kind, bool overseas);

  const DemoSeedOptions& options_;
  Rng rng_;
  IdGenerator ids_;
  const int64_t now_ms_;
  const Ymd today_;  // in UTC+8

  std::vector<RegionRow> regions_;
  std::unordered_map<std::string_view, int64_t> skill_ids_;
  std::vector<int64_t> gold_owners_;     // agents who look after gold and platinum customers
  std::vector<int64_t> private_owners_;  // experts, for private banking customers
  std::unordered_set<std::string> used_numbers_;  // ID and card numbers must be unique
  // The service history draws from its own sequence so adding it left the products as
  // they were for a given seed.
  Rng history_rng_{options_.seed ^ 0x5e7c1ce};
  std::vector<int64_t> desk_agents_;  // agents who take contacts
  std::unordered_map<std::string_view, std::vector<int64_t>> channel_queues_;
  int64_t ticket_seq_ = 0;
};

Generator::Person Generator::MakeName(bool traditional) {
  Person p;
  p.male = rng_.Percent(50);
  if (traditional) {
    const Han& surname = kTraditionalSurnames[rng_.FrontIndex(std::size(kTraditionalSurnames))];
    std::span<const std::string_view> given =
        p.male ? std::span<const std::string_view>(kTraditionalMale)
               : std::span<const std::string_view>(kTraditionalFemale);
    p.name = std::string(surname.han) + std::string(rng_.Pick(given));
    if (rng_.Percent(75)) {
      p.name += rng_.Pick(given);
    }
    p.email_local = std::string(surname.latin);
    return p;
  }
  const Han& surname = kSurnames[rng_.FrontIndex(std::size(kSurnames))];
  std::span<const Han> given =
      p.male ? std::span<const Han>(kMaleGiven) : std::span<const Han>(kFemaleGiven);
  p.name = std::string(surname.han);
  p.email_local = std::string(surname.latin);
  if (rng_.Percent(65)) {
    const Han& first =
        rng_.Percent(50) ? rng_.Pick(std::span<const Han>(kNeutralGiven)) : rng_.Pick(given);
    p.name += first.han;
    p.email_local += first.latin;
  }
  const Han& last = rng_.Pick(given);
  p.name += last.han;
  p.email_local += last.latin;
  return p;
}

std::string Generator::MakeMobile() {
  std::string mobile(rng_.Pick(std::span<const std::string_view>(kMobilePrefixes)));
  mobile += rng_.Digits(8);
  return mobile;
}

std::string Generator::MakeEmail(const Person& p, int birth_year) {
  std::string local = p.email_local;
  switch (rng_.Below(3)) {
    case 0:
      local += ZeroPad(birth_year % 100, 2);
      break;
    case 1:
      local += "." + std::to_string(birth_year);
      break;
    default:
      local += rng_.Digits(3);
      break;
  }
  return local + "@" + std::string(rng_.Pick(std::span<const std::string_view>(kEmailDomains)));
}

// GB 11643: six-digit division code, birth date YYYYMMDD, a three-digit sequence whose last
// digit is odd for men and even for women, and the MOD 11-2 check character.
std::string Generator::MakeIdNumber(std::string_view prefix, const Ymd& birth, bool male) {
  for (;;) {
    std::string id(prefix);
    id += ZeroPad(birth.y, 4) + ZeroPad(birth.m, 2) + ZeroPad(birth.d, 2);
    id += rng_.Digits(2);
    id += static_cast<char>('0' + 2 * rng_.Below(5) + (male ? 1 : 0));
    id += pii::IdNumberCheckChar(id);
    if (used_numbers_.insert(id).second) {
      return id;
    }
  }
}

std::string Generator::MakeCardNumber(std::string_view bin, int length) {
  for (;;) {
    std::string number(bin);
    number += rng_.Digits(length - 1 - static_cast<int>(bin.size()));
    number += pii::LuhnCheckDigit(number);
    if (used_numbers_.insert(number).second) {
      return number;
    }
  }
}

Status Generator::InsertReferenceData(Session& s, DemoSeedReport& report) {
  regions_.clear();
  skill_ids_.clear();
  gold_owners_.clear();
  private_owners_.clear();
  desk_agents_.clear();
  channel_queues_.clear();
  for (const RegionDef& def : kRegions) {
    RegionRow row{&def, ids_.Next(), {}, {}};
    for (size_t pos = 0; pos < def.id_prefixes.size(); pos += 7) {
      row.id_prefixes.push_back(def.id_prefixes.substr(pos, 6));
    }
    KEFU_RETURN_IF_ERROR(
        s.Exec(kInsertRegion, {row.id, def.code, def.name, def.province, def.area, now_ms_}));
    ++report.regions;
    regions_.push_back(std::move(row));
  }
  for (const BranchDef& def : kBranches) {
    auto region = std::find_if(regions_.begin(), regions_.end(),
                               [&](const RegionRow& r) { return r.def->code == def.region_code; });
    KEFU_CHECK(region != regions_.end()) << def.code;
    const int64_t id = ids_.Next();
    KEFU_RETURN_IF_ERROR(
        s.Exec(kInsertBranch, {id, region->id, def.code, def.name, def.address, now_ms_}));
    region->branch_ids.push_back(id);
    ++report.branches;
  }

  for (const SkillDef& def : kSkills) {
    const int64_t id = ids_.Next();
    KEFU_RETURN_IF_ERROR(s.Exec(kInsertSkill, {id, def.code, def.name, def.category, now_ms_}));
    skill_ids_[def.code] = id;
    ++report.skills;
  }

  int employee = 0;
  int voice_agent = 0;  // index among agents who take calls, for the language skills
  auto add_agent = [&](std::optional<int64_t> team_id, std::string_view role,
                       const std::vector<std::pair<std::string_view, int64_t>>& skills,
                       bool takes_calls) -> Result<int64_t> {
    const int64_t id = ids_.Next();
    const std::string employee_no = "KF" + std::to_string(10001 + employee++);
    std::string email = employee_no + "@kefu-bank.example";
    std::transform(email.begin(), email.end(), email.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    const bool written = std::any_of(skills.begin(), skills.end(),
                                     [](const auto& sk) { return sk.first == "written"; });
    const int max_chats = written ? 3 : 0;
    KEFU_RETURN_IF_ERROR(
        s.Exec(kInsertAgent, {id, employee_no, MakeName(false).name, team_id, role, "active",
                              MakeMobile(), email, max_chats, now_ms_, now_ms_}));
    auto with_languages = skills;
    if (takes_calls) {
      // Every fifth caller-facing agent speaks English and every seventh Cantonese well, so
      // the language queues are always staffed; a few more know some English.
      if (voice_agent % 5 == 2) {
        with_languages.emplace_back("english", rng_.Between(3, 5));
      } else if (rng_.Percent(10)) {
        with_languages.emplace_back("english", rng_.Between(1, 2));
      }
      if (voice_agent % 7 == 3) {
        with_languages.emplace_back("cantonese", rng_.Between(3, 5));
      }
      ++voice_agent;
    }
    for (const auto& [skill, proficiency] : with_languages) {
      KEFU_RETURN_IF_ERROR(s.Exec(kInsertAgentSkill, {id, skill_ids_.at(skill), proficiency}));
    }
    ++report.agents;
    return id;
  };

  for (const TeamDef& team : kTeams) {
    const int64_t team_id = ids_.Next();
    KEFU_RETURN_IF_ERROR(s.Exec(kInsertTeam, {team_id, team.code, team.name, now_ms_}));
    ++report.teams;
    const bool is_expert = team.code == "expert";
    const bool takes_calls = team.code != "qa";

    std::vector<std::pair<std::string_view, int64_t>> lead_skills;
    if (is_expert) {
      for (std::string_view skill : kBusinessSkills) {
        lead_skills.emplace_back(skill, 5);
      }
    } else if (!team.skill.empty()) {
      lead_skills.emplace_back(team.skill, 5);
    }
    KEFU_RETURN_IF_ERROR(add_agent(team_id, "supervisor", lead_skills, takes_calls).status());

    for (int i = 0; i < team.members; ++i) {
      std::vector<std::pair<std::string_view, int64_t>> skills;
      if (is_expert) {
        for (std::string_view skill : kBusinessSkills) {
          skills.emplace_back(skill, rng_.Between(4, 5));
        }
      } else if (!team.skill.empty()) {
        skills.emplace_back(team.skill, rng_.Between(2, 5));
        if (rng_.Percent(team.extra_percent)) {
          skills.emplace_back(team.extra, rng_.Between(1, 4));
        }
      }
      if (team.written && (is_expert || i % 2 == 0)) {
        skills.emplace_back("written", rng_.Between(2, 5));
      }
      KEFU_ASSIGN_OR_RETURN(const int64_t id,
                            add_agent(team_id, team.member_role, skills, takes_calls));
      if (takes_calls) {
        desk_agents_.push_back(id);
      }
      if (is_expert) {
        private_owners_.push_back(id);
        gold_owners_.push_back(id);
      } else if (team.code == "wealth") {
        gold_owners_.push_back(id);
      }
    }
  }
  for (int i = 0; i < kAnalysts; ++i) {
    KEFU_RETURN_IF_ERROR(add_agent(std::nullopt, "analyst", {}, false).status());
  }
  for (int i = 0; i < kAdmins; ++i) {
    KEFU_RETURN_IF_ERROR(add_agent(std::nullopt, "admin", {}, false).status());
  }

  for (const QueueDef& def : kQueues) {
    const int64_t id = ids_.Next();
    std::optional<std::string_view> min_tier;
    if (!def.min_tier.empty()) {
      min_tier = def.min_tier;
    }
    KEFU_RETURN_IF_ERROR(
        s.Exec(kInsertQueue, {id, def.code, def.name, def.channel, def.priority,
                              def.service_level_seconds, def.target_pct, min_tier, 1, now_ms_}));
    KEFU_RETURN_IF_ERROR(
        s.Exec(kInsertQueueSkill, {id, skill_ids_.at(def.skill), def.min_proficiency}));
    channel_queues_[def.channel].push_back(id);
    ++report.queues;
  }

  for (const ErrorCodeDef& def : kErrorCodes) {
    KEFU_RETURN_IF_ERROR(s.Exec(
        kInsertErrorCode, {def.code, def.reason, def.advice, def.channel, def.category, now_ms_}));
  }
  return OkStatus();
}

Batch Generator::NextBatch(int count, DemoSeedReport& report) {
  Batch batch;
  batch.customers.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    AddCustomer(batch, report);
  }
  return batch;
}

void Generator::AddCustomer(Batch& batch, DemoSeedReport& report) {
  const RegionRow& region = [&]() -> const RegionRow& {
    int64_t total = 0;
    for (const RegionRow& r : regions_) {
      total += r.def->weight;
    }
    int64_t pick = rng_.Below(total);
    for (const RegionRow& r : regions_) {
      if (pick < r.def->weight) {
        return r;
      }
      pick -= r.def->weight;
    }
    return regions_.back();
  }();
  const bool mainland = region.def->area == "mainland";
  const bool traditional = !mainland && rng_.Percent(95);
  const Person person = MakeName(traditional);

  // Ages 18–80, most between 25 and 55.
  int64_t age = 18 + rng_.Below(40);
  age = std::min<int64_t>(80, age + rng_.Below(25));
  const int64_t today_days = DaysFromCivil(today_.y, today_.m, today_.d);
  const Ymd birth = CivilFromDays(today_days - age * 365 - rng_.Below(365));  // one draw
  const std::string birth_date =
      ZeroPad(birth.y, 4) + "-" + ZeroPad(birth.m, 2) + "-" + ZeroPad(birth.d, 2);

  std::string_view prefix = rng_.Pick(std::span<const std::string_view>(region.id_prefixes));
  if (mainland && rng_.Percent(25)) {
    prefix = rng_.Pick(std::span<const std::string_view>(kHometownPrefixes));
  }
  const std::string id_number = MakeIdNumber(prefix, birth, person.male);
  const std::string mobile = MakeMobile();

  const std::string_view tier = rng_.PickWeighted(std::span<const Weighted>(kTiers)).code;
  const bool gold_plus = tier != "standard";
  std::optional<std::string> email;
  if (rng_.Percent(gold_plus ? 60 : 35)) {
    email = MakeEmail(person, birth.y);
  }

  // Segment codes: student, senior, salaried, business_owner, freelancer, affluent, hnw.
  std::string_view segment;
  if (tier == "private") {
    segment = "hnw";
  } else if (tier == "platinum") {
    segment = "affluent";
  } else if (age < 23 && rng_.Percent(70)) {
    segment = "student";
  } else if (age >= 60) {
    segment = "senior";
  } else {
    const int64_t r = rng_.Below(100);
    segment = r < 75 ? "salaried" : r < 90 ? "business_owner" : "freelancer";
  }

  std::optional<int64_t> owner;
  if (tier == "private") {
    owner = rng_.Pick(std::span<const int64_t>(private_owners_));
  } else if (gold_plus) {
    owner = rng_.Pick(std::span<const int64_t>(gold_owners_));
  }

  const int64_t id = ids_.Next();
  int64_t created_ms = now_ms_ - rng_.Between(100, 12 * 365) * kDayMs;
  created_ms -= rng_.Below(kDayMs);
  const int64_t updated_ms = created_ms + rng_.Below(now_ms_ - created_ms);
  batch.customers.push_back(Params{
      id,
      person.name,
      person.male ? "male" : "female",
      birth_date,
      mobile,
      pii::KeyedHash(options_.pii_key, mobile),
      email,
      mainland ? "resident_id" : "residence_permit",
      id_number,
      pii::KeyedHash(options_.pii_key, id_number),
      tier,
      segment,
      "active",
      region.id,
      rng_.Pick(std::span<const int64_t>(region.branch_ids)),
      owner,
      traditional ? "traditional" : "simplified",
      created_ms,
      updated_ms,
  });
  ++report.customers;
  batch.keys.push_back(Params{"mobile", pii::KeyedHash(options_.pii_key, mobile), id, mobile,
                              created_ms});
  batch.keys.push_back(Params{"id_number", pii::KeyedHash(options_.pii_key, id_number), id,
                              nullptr, created_ms});
  if (email) {
    batch.keys.push_back(
        Params{"email", pii::KeyedHash(options_.pii_key, *email), id, *email, created_ms});
  }

  const std::vector<GeneratedCard> cards = AddCards(batch, id, tier, created_ms, report);
  AddLoans(batch, id, tier, segment, created_ms, report);
  // The settlement account behind the customer's debit card, for card-less transfers.
  const std::string account = MakeCardNumber("6230", 19);
  AddTransactions(batch, id, region, tier, cards, pii::MaskCardNumber(account), report);
  AddServiceHistory(batch, id, tier, created_ms, report);
}

// Contacts over the last 180 days on every channel, some leading to tickets, a few
// complaints (some passed on by the regulator), and survey answers after some contacts.
void Generator::AddServiceHistory(Batch& batch, int64_t customer_id, std::string_view tier,
                                  int64_t created_ms, DemoSeedReport& report) {
  Rng& rng = history_rng_;
  struct ChannelWeight {
    std::string_view channel;
    int weight;
  };
  static constexpr ChannelWeight kChannels[] = {
      {"voice", 50}, {"chat", 16}, {"app", 12}, {"wechat", 12}, {"email", 6}, {"weibo", 4}};
  const int64_t contacts = rng.FrontIndex(tier == "standard" ? 6 : 9);
  const int64_t earliest = std::max(created_ms, now_ms_ - 180 * kDayMs);
  for (int64_t i = 0; i < contacts; ++i) {
    const std::string_view channel =
        rng.PickWeighted(std::span<const ChannelWeight>(kChannels)).channel;
    const ContactTopic& topic = rng.PickWeighted(std::span<const ContactTopic>(kContactTopics));
    const int64_t started = earliest + rng.Below(std::max<int64_t>(1, now_ms_ - earliest));
    const bool written = channel == "email" || channel == "weibo";
    const bool abandoned = !written && rng.Percent(8);
    std::optional<int64_t> queue;
    if (auto q = channel_queues_.find(channel == "voice" ? "voice" : written ? "email" : "chat");
        q != channel_queues_.end()) {
      queue = rng.Pick(std::span<const int64_t>(q->second));
    }
    const int64_t id = ids_.Next();
    std::optional<int64_t> agent;
    std::optional<int64_t> answered;
    std::optional<int64_t> ended;
    if (abandoned) {
      ended = started + rng.Between(10, 180) * 1000;
    } else {
      agent = rng.Pick(std::span<const int64_t>(desk_agents_));
      answered = started + (written ? rng.Between(600, 20'000) : rng.Skewed(90) + 3) * 1000;
      ended = *answered + rng.Between(60, written ? 900 : 600) * 1000;
    }
    batch.interactions.push_back(Params{
        id, customer_id, channel, "inbound", queue, agent, abandoned ? "abandoned" : "ended",
        abandoned ? store::Value(nullptr)
                  : store::Value(topic.ticket_subject.empty() ? "resolved" : "ticket"),
        abandoned ? store::Value(nullptr) : store::Value(topic.summary), started, answered, ended});
    ++report.interactions;
    if (abandoned) {
      continue;
    }
    if (!topic.ticket_subject.empty()) {
      const int64_t age_days = (now_ms_ - *ended) / kDayMs;
      // Recent tickets are still being worked on; older ones are done.
      const std::string_view status = age_days < 3    ? "open"
                                      : age_days < 10 ? (rng.Percent(50) ? "pending" : "resolved")
                                                      : "closed";
      const bool done = status == "resolved" || status == "closed";
      const int64_t ticket_id = ids_.Next();
      batch.tickets.push_back(Params{
          ticket_id, "GD" + std::to_string(100'000'001 + ticket_seq_++), customer_id, id,
          "request", topic.category, topic.ticket_subject, topic.summary,
          tier == "private" ? "high" : "normal", status, nullptr, 0, agent,
          *ended + 3 * kDayMs,
          done ? store::Value("已处理并电话告知客户") : store::Value(nullptr),
          *ended, done ? *ended + rng.Between(1, 3) * kDayMs : *ended,
          done ? store::Value(*ended + rng.Between(1, 3) * kDayMs) : store::Value(nullptr)});
      ++report.tickets;
    }
    if (channel != "weibo" && rng.Percent(30)) {
      const bool nps = rng.Percent(30);
      const int64_t score = nps ? std::min<int64_t>(10, 5 + rng.Skewed(7) + rng.Below(3))
                                : std::max<int64_t>(1, 5 - rng.Skewed(4));
      std::optional<std::string_view> comment;
      if (rng.Percent(25)) {
        comment = rng.Pick(std::span<const std::string_view>(kSurveyComments));
      }
      batch.surveys.push_back(Params{ids_.Next(), customer_id, id, nps ? "nps" : "csat", channel,
                                     score, comment, *ended + rng.Between(1, 30) * 60'000});
      ++report.surveys;
    }
  }
  // About 3 % of customers complained in the last year; one in ten via the regulator.
  if (rng.Percent(3)) {
    const ComplaintTopic& topic = rng.Pick(std::span<const ComplaintTopic>(kComplaintTopics));
    const int64_t created = std::max(created_ms, now_ms_ - rng.Between(1, 360) * kDayMs);
    const bool open = now_ms_ - created < 15 * kDayMs;
    const int64_t resolved = created + rng.Between(2, 14) * kDayMs;
    static constexpr std::string_view kSeverities[] = {"minor", "minor", "major", "critical"};
    batch.tickets.push_back(Params{
        ids_.Next(), "TS" + std::to_string(100'000'001 + ticket_seq_++), customer_id, nullptr,
        "complaint", topic.category, topic.subject, topic.subject, "high",
        open ? "open" : "closed", rng.Pick(std::span<const std::string_view>(kSeverities)),
        rng.Percent(10) ? 1 : 0, rng.Pick(std::span<const int64_t>(desk_agents_)),
        created + 15 * kDayMs, open ? store::Value(nullptr) : store::Value(topic.resolution),
        created, open ? created : resolved, open ? store::Value(nullptr) : store::Value(resolved)});
    ++report.tickets;
    ++report.complaints;
  }
}

std::vector<GeneratedCard> Generator::AddCards(Batch& batch, int64_t customer_id,
                                               std::string_view tier, int64_t created_ms,
                                               DemoSeedReport& report) {
  int64_t r = rng_.Below(100);
  int count = 1;
  while (count < 4 && r >= kCardCountWeights[count - 1]) {
    r -= kCardCountWeights[count - 1];
    ++count;
  }

  std::vector<GeneratedCard> cards;
  const int64_t latest_open_ms = now_ms_ - (kTransactionWindowDays + 1) * kDayMs;
  for (int i = 0; i < count; ++i) {
    const bool credit = i == 0 ? rng_.Percent(10) : rng_.Percent(60);
    const std::string_view kind = credit ? "credit" : "debit";
    std::string_view product;
    if (tier == "standard") {
      product = credit && rng_.Percent(40) ? "联名卡" : "普卡";
    } else if (tier == "gold") {
      product = credit && rng_.Percent(30) ? "联名卡" : "金卡";
    } else {
      product = "白金卡";
    }
    const std::string number =
        credit ? MakeCardNumber(rng_.Pick(std::span<const std::string_view>(kCreditBins)), 16)
               : MakeCardNumber(rng_.Pick(std::span<const std::string_view>(kDebitBins)), 19);

    const int64_t opened_ms =
        created_ms + rng_.Below(std::max<int64_t>(1, latest_open_ms - created_ms));
    const Ymd opened = CivilFromDays(FloorDiv(opened_ms + kShanghaiOffsetMs, kDayMs));
    // Cards are renewed with the same number when they expire; a few were not (the customer
    // let them lapse) and show as expired.
    const int validity_years = credit ? 5 : 10;
    auto before_this_month = [&](int y, int m) {
      return y < today_.y || (y == today_.y && m < today_.m);
    };
    Ymd expiry{opened.y + validity_years, opened.m, 1};
    std::string_view status = "active";
    int64_t blocked_since_ms = std::numeric_limits<int64_t>::max();
    int64_t updated_ms = opened_ms;
    const int64_t state = rng_.Below(1000);
    if (state < 15 && before_this_month(expiry.y, expiry.m)) {
      while (before_this_month(expiry.y + validity_years, expiry.m)) {
        expiry.y += validity_years;
      }
      status = "expired";
      const int next_y = expiry.m == 12 ? expiry.y + 1 : expiry.y;
      const int next_m = expiry.m == 12 ? 1 : expiry.m + 1;
      blocked_since_ms = DaysFromCivil(next_y, next_m, 1) * kDayMs - kShanghaiOffsetMs;
      updated_ms = blocked_since_ms;
    } else {
      while (before_this_month(expiry.y, expiry.m)) {
        expiry.y += validity_years;
      }
      if (state >= 15 && state < 35) {
        status = "frozen";
        blocked_since_ms = now_ms_ - rng_.Below(60 * kDayMs);
        updated_ms = blocked_since_ms;
      } else if (state >= 35 && state < 45) {
        status = "lost";
        blocked_since_ms = now_ms_ - rng_.Below(60 * kDayMs);
        updated_ms = blocked_since_ms;
      } else if (state >= 45 && state < 55) {
        status = "inactive";
        blocked_since_ms = std::numeric_limits<int64_t>::min();
      }
    }
    const std::string expiry_month = ZeroPad(expiry.y, 4) + "-" + ZeroPad(expiry.m, 2);

    std::optional<int64_t> limit_fen;
    std::optional<int64_t> statement_day;
    std::optional<int64_t> due_day;
    int64_t available_fen = 0;
    if (credit) {
      int64_t lo = 5, hi = 30;  // thousands of yuan
      if (product == "金卡") {
        lo = 30, hi = 80;
      } else if (product == "白金卡") {
        lo = 100, hi = 500;
      } else if (product == "联名卡") {
        lo = 10, hi = 50;
      }
      limit_fen = rng_.Between(lo, hi) * 1000 * 100;
      available_fen = *limit_fen - *limit_fen * rng_.Below(90) / 100;
      statement_day = rng_.Between(1, 28);
      due_day = (*statement_day + 19) % 28 + 1;
    } else {
      int64_t max_yuan = 50'000;
      if (tier == "gold") {
        max_yuan = 500'000;
      } else if (tier == "platinum") {
        max_yuan = 3'000'000;
      } else if (tier == "private") {
        max_yuan = 20'000'000;
      }
      available_fen = rng_.Skewed(max_yuan) * 100;
      available_fen += rng_.Below(100);
    }

    const int64_t id = ids_.Next();
    batch.cards.push_back(Params{
        id,
        customer_id,
        pii::MaskCardNumber(number),
        pii::KeyedHash(options_.pii_key, number),
        number.substr(number.size() - 4),
        product,
        kind,
        "CNY",
        limit_fen,
        available_fen,
        statement_day,
        due_day,
        expiry_month,
        status,
        opened_ms,
        updated_ms,
    });
    ++report.cards;
    cards.push_back({id, kind, status, blocked_since_ms});
  }
  return cards;
}

void Generator::AddLoans(Batch& batch, int64_t customer_id, std::string_view tier,
                         std::string_view segment, int64_t created_ms, DemoSeedReport& report) {
  int percent = tier == "standard" ? 15 : tier == "gold" ? 25 : 30;
  if (segment == "business_owner") {
    percent += 20;
  }
  if (!rng_.Percent(percent)) {
    return;
  }
  const int count = rng_.Percent(10) ? 2 : 1;
  for (int i = 0; i < count; ++i) {
    std::string_view product = rng_.PickWeighted(std::span<const Weighted>(kLoanProducts)).code;
    if (segment == "business_owner" && rng_.Percent(50)) {
      product = "business";
    }
    const LoanTerms& terms =
        *std::find_if(std::begin(kLoanTerms), std::end(kLoanTerms),
                      [&](const LoanTerms& t) { return t.product == product; });
    const int64_t principal_fen =
        rng_.Between(terms.min_yuan / 1000, terms.max_yuan / 1000) * 1000 * 100;
    const int64_t term = terms.terms_months[static_cast<size_t>(rng_.Below(4))];
    const int64_t month_ms = 30 * kDayMs;
    // The loan started after the customer joined; some are already repaid.
    const int64_t max_elapsed = std::max<int64_t>(0, (now_ms_ - created_ms) / month_ms - 1);
    const int64_t elapsed = rng_.Below(std::min(term + 12, max_elapsed) + 1);
    const int64_t start_ms = now_ms_ - elapsed * month_ms - rng_.Below(month_ms);

    std::string_view status = "active";
    int64_t balance_fen = 0;
    int64_t overdue_days = 0;
    if (elapsed >= term) {
      status = "paid_off";
    } else {
      // Straight-line amortisation: close enough for a demo, and integer.
      balance_fen = principal_fen * (term - elapsed) / term;
      if (rng_.Percent(4)) {
        status = "overdue";
        overdue_days = rng_.Between(1, 90);
      }
    }
    batch.loans.push_back(Params{
        ids_.Next(),
        customer_id,
        product,
        principal_fen,
        balance_fen,
        rng_.Between(terms.min_rate_bp, terms.max_rate_bp),
        term,
        rng_.Between(1, 28),
        overdue_days,
        status,
        start_ms,
        now_ms_ - rng_.Below(30 * kDayMs),
    });
    ++report.loans;
  }
}

int64_t Generator::TransactionTime(std::string_view channel) {
  const int64_t today_start_ms =
      FloorDiv(now_ms_ + kShanghaiOffsetMs, kDayMs) * kDayMs - kShanghaiOffsetMs;
  int64_t hour = 0;
  if (channel == "counter") {
    hour = rng_.Between(9, 16);
  } else {
    int64_t r = rng_.Below(std::accumulate(std::begin(kHourWeights), std::end(kHourWeights), 0));
    while (r >= kHourWeights[hour]) {
      r -= kHourWeights[hour];
      ++hour;
    }
  }
  int64_t t = today_start_ms - rng_.Below(kTransactionWindowDays) * kDayMs + hour * kHourMs;
  t += rng_.Below(kHourMs);
  if (t >= now_ms_) {
    t -= kDayMs;
  }
  return t;
}

std::string_view Generator::PickErrorCode(std::string_view channel, std::string_view card_kind,
                                          std::string_view tx_kind, bool overseas) {
  struct Candidate {
    std::string_view code;
    int weight;
  };
  std::vector<Candidate> candidates;
  for (const ErrorCodeDef& def : kErrorCodes) {
    if (def.weight == 0 || (def.channel != "all" && def.channel != channel) ||
        (!def.card_kind.empty() && def.card_kind != card_kind) ||
        (!def.tx_kind.empty() && def.tx_kind != tx_kind) || (def.overseas && !overseas)) {
      continue;
    }
    candidates.push_back({def.code, def.weight});
  }
  return rng_.PickWeighted(std::span<const Candidate>(candidates)).code;
}

void Generator::AddTransactions(Batch& batch, int64_t customer_id, const RegionRow& region,
                                std::string_view tier, const std::vector<GeneratedCard>& cards,
                                const std::string& account_masked, DemoSeedReport& report) {
  const int64_t window_start_ms = now_ms_ - kTransactionWindowDays * kDayMs;
  std::vector<const GeneratedCard*> usable;  // could pay at some time in the window
  std::vector<const GeneratedCard*> blocked;
  for (const GeneratedCard& card : cards) {
    (card.blocked_since_ms > window_start_ms ? usable : blocked).push_back(&card);
  }
  const bool mainland = region.def->area == "mainland";
  const Overseas* home = region.def->area == "hk"   ? &kHongKong
                         : region.def->area == "tw" ? &kTaiwan
                                                    : nullptr;
  const int overseas_percent = tier == "standard" ? 2 : tier == "gold" ? 6 : 12;

  const int64_t count = rng_.Between(10, 25);
  for (int64_t i = 0; i < count; ++i) {
    const GeneratedCard* card = nullptr;
    if (!blocked.empty() && rng_.Percent(3)) {
      card = rng_.Pick(std::span<const GeneratedCard* const>(blocked));  // tried a dead card
    } else if (!usable.empty() && rng_.Percent(88)) {
      card = rng_.Pick(std::span<const GeneratedCard* const>(usable));
    }
    const std::string_view card_kind = card ? card->kind : "debit";

    std::string_view kind;
    std::string_view channel;
    const int64_t r = rng_.Below(100);
    if (card == nullptr) {
      kind = r < 60 ? "transfer_out" : "transfer_in";
      const int64_t c = rng_.Below(100);
      channel = c < 70 ? "mobile_banking" : c < 90 ? "online_banking" : "counter";
    } else if (card->kind == "credit") {
      kind = r < 80 ? "purchase" : r < 92 ? "repayment" : r < 95 ? "withdrawal" : "refund";
    } else {
      kind = r < 50   ? "purchase"
             : r < 62 ? "withdrawal"
             : r < 77 ? "transfer_out"
             : r < 95 ? "transfer_in"
                      : "refund";
    }
    if (card != nullptr) {
      const int64_t c = rng_.Below(100);
      if (kind == "purchase" || kind == "refund") {
        channel = c < 50 ? "pos" : c < 88 ? "quick_pay" : "online_banking";
      } else if (kind == "withdrawal") {
        channel = c < 85 ? "atm" : "counter";
      } else {
        channel = c < 70 ? "mobile_banking" : c < 90 ? "online_banking" : "counter";
      }
    }
    const std::string_view direction =
        kind == "transfer_in" || kind == "repayment" || kind == "refund" ? "in" : "out";

    // Amount in fen, skewed towards small sums.
    int64_t yuan = 0;
    if (kind == "purchase") {
      yuan = 5 + rng_.Skewed(tier == "standard" ? 3'000 : 20'000);
    } else if (kind == "withdrawal") {
      yuan = channel == "atm" ? 100 * rng_.Between(1, 30) : 100 * rng_.Between(10, 500);
    } else if (kind == "transfer_out") {
      yuan = 50 + rng_.Skewed(50'000);
    } else if (kind == "transfer_in") {
      yuan = rng_.Percent(40) ? rng_.Between(3'000, 40'000) : 50 + rng_.Skewed(5'000);
    } else if (kind == "repayment") {
      yuan = 500 + rng_.Skewed(30'000);
    } else {
      yuan = 10 + rng_.Skewed(1'000);
    }
    int64_t amount_fen = yuan * 100 + (kind == "withdrawal" ? 0 : rng_.Below(100));

    std::string_view currency = "CNY";
    std::string_view country = "CN";
    std::string merchant;
    const bool card_present = channel == "pos";
    if (kind == "purchase" && card_present && home != nullptr && rng_.Percent(60)) {
      const Overseas& o = *home;
      country = o.country;
      currency = o.currency;
      merchant = std::string(o.merchants[rng_.Below(2)]);
      amount_fen = std::max<int64_t>(1, amount_fen * o.num / o.den);
    } else if (kind == "purchase" && (card_present || channel == "quick_pay") &&
               rng_.Percent(overseas_percent)) {
      const Overseas& o = rng_.Pick(std::span<const Overseas>(kOverseas));
      country = o.country;
      currency = o.currency;
      merchant = std::string(o.merchants[rng_.Below(2)]);
      amount_fen = std::max<int64_t>(1, amount_fen * o.num / o.den);
    } else if (kind == "purchase" || kind == "refund") {
      const std::string_view what =
          channel == "pos" ? rng_.Pick(std::span<const std::string_view>(kShopKinds))
                           : rng_.Pick(std::span<const std::string_view>(kOnlineKinds));
      if (channel == "pos" && rng_.Percent(50)) {
        merchant = region.def->name;
      }
      merchant += rng_.Pick(std::span<const std::string_view>(kMerchantPrefixes));
      merchant += what;
      if (kind == "refund") {
        merchant = "退款-" + merchant;
      }
    } else if (kind == "withdrawal") {
      merchant = channel == "atm" ? (rng_.Percent(80) ? "本行ATM" : "他行ATM") : "柜面取现";
    } else if (kind == "repayment") {
      merchant = "信用卡还款";
    } else {
      // Counterparties are shown masked, as on a statement: 张*明.
      const Person other = MakeName(!mainland);
      std::string masked = other.name.substr(0, 3) + "*";
      if (other.name.size() > 6) {
        masked += other.name.substr(other.name.size() - 3);
      }
      if (kind == "transfer_in" && rng_.Percent(40)) {
        merchant = "工资代发-" +
                   std::string(rng_.Pick(std::span<const std::string_view>(kMerchantPrefixes))) +
                   "科技有限公司";
      } else {
        merchant = (kind == "transfer_in" ? "转入-" : "转出-") + masked;
      }
    }
    const bool overseas = country != "CN" && mainland;

    const int64_t occurred_ms = TransactionTime(channel);
    std::string_view status = "success";
    std::optional<std::string_view> error_code;
    if (direction == "out") {
      if (card != nullptr && occurred_ms >= card->blocked_since_ms) {
        status = "failed";
        for (const ErrorCodeDef& def : kErrorCodes) {
          if (def.card_state == card->status) {
            error_code = def.code;
          }
        }
      } else if (rng_.PerMille(100)) {
        status = "failed";
        error_code = PickErrorCode(channel, card_kind, kind, overseas);
      } else if (rng_.PerMille(10)) {
        status = "reversed";  // timed out, then reversed automatically
        error_code = kTimeoutCode;
      }
    }
    KEFU_CHECK(status != "failed" || error_code.has_value()) << "no error code for a failure";

    std::optional<int64_t> card_id;
    std::optional<std::string_view> account;
    if (card != nullptr) {
      card_id = card->id;
    } else {
      account = account_masked;
    }
    batch.transactions.push_back(Params{
        ids_.Next(),
        customer_id,
        card_id,
        account,
        kind,
        direction,
        amount_fen,
        currency,
        merchant.empty() ? std::optional<std::string>() : std::optional<std::string>(merchant),
        country,
        channel,
        status,
        error_code,
        occurred_ms,
    });
    ++report.transactions;
    if (status == "failed") {
      ++report.failed_transactions;
    }
  }
}

Status InsertRows(Session& s, std::string_view sql, const std::vector<Params>& rows) {
  for (const Params& row : rows) {
    KEFU_RETURN_IF_ERROR(s.Exec(sql, row));
  }
  return OkStatus();
}

Status CheckOptions(const DemoSeedOptions& options) {
  if (options.customers < 0 || options.customers > kMaxCustomers) {
    return InvalidArgumentError("customers must be between 0 and " + std::to_string(kMaxCustomers),
                                "customers");
  }
  if (options.pii_key.empty()) {
    return InvalidArgumentError("the PII hash key is empty", "pii_key");
  }
  return IdGenerator::CheckNodeId(options.node_id).status();
}

}  // namespace

Result<DemoSeedReport> SeedDemo(store::Database& db, const Clock& clock,
                                const DemoSeedOptions& options, const SeedProgress& progress) {
  KEFU_RETURN_IF_ERROR(CheckOptions(options));
  KEFU_ASSIGN_OR_RETURN(const int version, store::CurrentSchemaVersion(db));
  if (version < 1) {
    return FailedPreconditionError("the database schema is not migrated (version " +
                                   std::to_string(version) + "); run the migrations first");
  }

  DemoSeedReport report;
  Generator gen(clock, options);
  const std::string seeded_value = "seed=" + std::to_string(options.seed) +
                                   " customers=" + std::to_string(options.customers) +
                                   " at_ms=" + std::to_string(clock.NowMs());
  auto write_done_marker = [&](Session& s) -> Status {
    KEFU_RETURN_IF_ERROR(s.Exec(kDeleteMeta, {kStartedKey}));
    return s.Exec(kInsertMeta, {kSeededKey, seeded_value}).status();
  };

  bool already_seeded = false;
  DemoSeedReport reference;
  Status status = db.Transact([&](Session& s) -> Status {
    already_seeded = false;
    reference = {};
    KEFU_ASSIGN_OR_RETURN(auto seeded, s.QueryOne(kSelectMeta, {kSeededKey}));
    if (seeded.has_value()) {
      already_seeded = true;
      return OkStatus();
    }
    KEFU_ASSIGN_OR_RETURN(auto started, s.QueryOne(kSelectMeta, {kStartedKey}));
    if (started.has_value()) {
      return FailedPreconditionError("a demo seed (" + started->Text(0) +
                                     ") started on this database and did not finish; seed an "
                                     "empty database instead");
    }
    KEFU_RETURN_IF_ERROR(s.Exec(kInsertMeta, {kStartedKey, seeded_value}));
    KEFU_RETURN_IF_ERROR(gen.InsertReferenceData(s, reference));
    if (options.customers == 0) {
      KEFU_RETURN_IF_ERROR(write_done_marker(s));
    }
    return OkStatus();
  });
  if (status.code() == StatusCode::kAlreadyExists) {
    // Most likely another process inserted the start marker between our check and our insert.
    return FailedPreconditionError(
        "another demo seed is running, or the database already holds rows the demo adds: " +
        status.message());
  }
  KEFU_RETURN_IF_ERROR(status);
  if (already_seeded) {
    DemoSeedReport done;
    done.already_seeded = true;
    return done;
  }
  report = reference;
  if (progress) {
    progress("reference", 1, 1);
  }

  for (int done = 0; done < options.customers;) {
    const int count = std::min(kBatchCustomers, options.customers - done);
    const bool last = done + count == options.customers;
    DemoSeedReport batch_report;
    const Batch batch = gen.NextBatch(count, batch_report);
    KEFU_RETURN_IF_ERROR(db.Transact([&](Session& s) -> Status {
      KEFU_RETURN_IF_ERROR(InsertRows(s, kInsertCustomer, batch.customers));
      KEFU_RETURN_IF_ERROR(InsertRows(s, kInsertKey, batch.keys));
      KEFU_RETURN_IF_ERROR(InsertRows(s, kInsertCard, batch.cards));
      KEFU_RETURN_IF_ERROR(InsertRows(s, kInsertLoan, batch.loans));
      KEFU_RETURN_IF_ERROR(InsertRows(s, kInsertTransaction, batch.transactions));
      KEFU_RETURN_IF_ERROR(InsertRows(s, kInsertInteraction, batch.interactions));
      KEFU_RETURN_IF_ERROR(InsertRows(s, kInsertTicket, batch.tickets));
      KEFU_RETURN_IF_ERROR(InsertRows(s, kInsertSurvey, batch.surveys));
      return last ? write_done_marker(s) : OkStatus();
    }));
    report.customers += batch_report.customers;
    report.cards += batch_report.cards;
    report.loans += batch_report.loans;
    report.transactions += batch_report.transactions;
    report.failed_transactions += batch_report.failed_transactions;
    report.interactions += batch_report.interactions;
    report.tickets += batch_report.tickets;
    report.complaints += batch_report.complaints;
    report.surveys += batch_report.surveys;
    done += count;
    if (progress) {
      progress("customers", done, options.customers);
    }
  }
  return report;
}

}  // namespace kefu::cli

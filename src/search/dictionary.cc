#include "dictionary.h"

#include <algorithm>
#include <array>

namespace kefu::search::internal {
namespace {

// Banking and customer-service words that ICU's general dictionary splits or misses. Written
// from banking vocabulary (mainland, Hong Kong and Taiwan usage, all in simplified form);
// deliberately not taken from any evaluation data set. Keep sorted by topic; add words freely:
// a word only adds a term, it never removes the character and pair terms.
constexpr std::array kWords = std::to_array<std::string_view>({
    // cards
    "信用卡", "信用咭", "贷记卡", "准贷记卡", "借记卡", "储蓄卡", "银行卡", "提款卡", "金融卡",
    "联名卡", "金卡", "普卡", "白金卡", "钻石卡", "附属卡", "主卡", "副卡", "虚拟卡", "社保卡",
    "工资卡", "芯片卡", "磁条卡", "卡号", "有效期", "安全码",
    // repayment and bills
    "还款", "还钱", "还清", "提前还款", "最低还款", "最低还款额", "最低应缴", "全额还款",
    "自动还款", "还款日", "最后还款日", "缴款截止日", "账单", "对账单", "账单日", "出账日",
    "结账日", "账单分期", "分期", "分期付款", "现金分期", "分期手续费", "缴费", "缴款",
    // limits
    "额度", "限额", "信用额度", "临时额度", "固定额度", "可用额度", "取现额度", "提额", "调额",
    "提高额度", "单笔限额", "日累计限额",
    // card life cycle
    "挂失", "补卡", "换卡", "丢卡", "止付", "冻结", "解冻", "锁卡", "解锁", "注销", "销户", "销卡",
    "激活", "开卡", "启用", "开户", "办卡", "申请", "进度查询",
    // channels
    "手机银行", "网上银行", "网银", "网络银行", "网路银行", "掌上银行", "电话银行", "自助银行",
    "柜台", "网点", "营业厅", "分行", "支行", "客服", "人工客服", "人工服务", "客服热线",
    "取款机", "存取款机", "柜员机", "客户端",
    // fees and interest
    "年费", "免年费", "手续费", "服务费", "滞纳金", "违约金", "利息", "利率", "罚息",
    "循环利息", "透支", "溢缴款", "超限费", "年化利率",
    // rewards
    "积分", "积分兑换", "红利点数", "兑换", "优惠", "返现", "刷卡", "消费", "商户", "里程",
    // money movement
    "转账", "转钱", "汇款", "跨行转账", "境外汇款", "电汇", "取现", "提现", "取款", "取钱",
    "预借现金", "存款", "定期", "活期", "存单", "大额存单", "理财", "基金", "保险", "外汇",
    "购汇", "结汇", "贵金属", "黄金", "到账", "入账", "退款", "扣款", "代扣", "自动扣款",
    "快捷支付", "二维码", "扫码", "收款", "付款", "境外消费", "外币", "余额", "余额不足",
    "交易明细", "明细", "流水", "交易失败", "支付失败",
    // loans
    "贷款", "借款", "借钱", "房贷", "车贷", "消费贷", "信用贷", "抵押", "担保", "放款", "审批",
    "审核", "征信", "信用报告", "逾期", "展期", "等额本息", "等额本金", "提前结清",
    // security and identity
    "密码", "支付密码", "交易密码", "查询密码", "重置密码", "忘记密码", "验证码",
    "短信验证码", "动态码", "动态密码", "数字证书", "绑定", "解绑", "绑卡", "预留手机号",
    "手机号", "手机号码", "身份证", "证件", "实名认证", "盗刷", "风险",
    // knowledge-base words
    "活动代码", "错误代码", "错误码", "活动", "营销活动",
});

// Each group: words a customer uses interchangeably. Query-side only: a query word pulls in the
// other members at Options::synonym_weight. Kept narrow on purpose — a wrong synonym costs
// precision on every query containing it.
const std::array<std::vector<std::string_view>, 22> kSynonyms = {{
    {"信用卡", "信用咭", "贷记卡"},
    {"借记卡", "储蓄卡", "提款卡", "金融卡"},
    {"还款", "还钱", "缴款"},
    {"额度", "限额"},
    {"提额", "调额", "提高额度"},
    {"挂失", "丢卡", "止付"},
    {"注销", "销户", "销卡"},
    {"激活", "开卡", "启用"},
    {"手机银行", "掌上银行"},
    {"网银", "网上银行", "网络银行", "网路银行"},
    {"转账", "转钱", "汇款"},
    {"取现", "提现", "预借现金"},
    {"取款", "取钱"},
    {"贷款", "借款", "借钱"},
    {"账单日", "出账日", "结账日"},
    {"最后还款日", "缴款截止日"},
    {"最低还款", "最低应缴"},
    {"积分", "红利点数"},
    {"验证码", "动态码"},
    {"人工客服", "人工服务"},
    {"取款机", "柜员机"},
    {"到账", "入账"},
}};

size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xF0) {
    return 4;
  }
  if (lead >= 0xE0) {
    return 3;
  }
  return 2;
}

}  // namespace

std::span<const std::string_view> BankingWords() { return kWords; }
std::span<const std::vector<std::string_view>> SynonymGroups() { return kSynonyms; }

const Dictionary& Dictionary::Get() {
  // Never destroyed: searches may still run on other threads during exit.
  static const Dictionary* const dictionary = new Dictionary();
  return *dictionary;
}

Dictionary::Dictionary() {
  auto add = [this](std::string_view word) {
    const std::string first(word.substr(0, Utf8Length(static_cast<unsigned char>(word[0]))));
    auto& words = by_first_[first];
    if (std::find(words.begin(), words.end(), word) == words.end()) {
      words.emplace_back(word);
    }
  };
  for (std::string_view word : kWords) {
    add(word);
  }
  for (const auto& group : kSynonyms) {
    for (std::string_view word : group) {
      add(word);
      auto& others = synonyms_[std::string(word)];
      for (std::string_view other : group) {
        if (other != word && std::find(others.begin(), others.end(), other) == others.end()) {
          others.emplace_back(other);
        }
      }
    }
  }
  for (auto& [first, words] : by_first_) {
    std::sort(words.begin(), words.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  }
}

void Dictionary::FindAll(std::string_view text, const std::vector<size_t>& cps,
                         std::vector<Match>* out) const {
  if (cps.size() < 3) {
    return;  // fewer than two code points: no dictionary word fits
  }
  for (size_t i = 0; i + 1 < cps.size() - 1; ++i) {
    const std::string_view first = text.substr(cps[i], cps[i + 1] - cps[i]);
    const auto it = by_first_.find(std::string(first));
    if (it == by_first_.end()) {
      continue;
    }
    const std::string_view rest = text.substr(cps[i], cps.back() - cps[i]);
    for (const std::string& word : it->second) {
      if (rest.starts_with(word)) {
        // Count code points of the match: find the offset in the run's table.
        const size_t end_byte = cps[i] + word.size();
        const auto end_it = std::lower_bound(cps.begin() + static_cast<long>(i), cps.end(),
                                             end_byte);
        out->push_back({i, static_cast<size_t>(end_it - cps.begin()) - i});
      }
    }
  }
}

const std::vector<std::string>* Dictionary::SynonymsOf(std::string_view word) const {
  const auto it = synonyms_.find(std::string(word));
  return it == synonyms_.end() ? nullptr : &it->second;
}

}  // namespace kefu::search::internal

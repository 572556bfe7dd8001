// UI text of the knowledge page's related entries, error codes, import/export and category
// browsing (#7), merged into the app's `kb` messages when the page loads. Kept beside the page
// so the knowledge base's text changes without touching the shared locale files.

import { i18n } from '../../i18n';

const zhCN = {
  kb: {
    sectionEntries: '知识条目',
    sectionErrorCodes: '错误代码',
    browse: '分类浏览',
    categories: '分类',
    allEntries: '全部条目',
    uncategorised: '未分类',
    noEntries: '这里还没有条目',
    related: '相关条目',
    relatedPlaceholder: '输入标题搜索并选择相关条目',
    importExport: '导入导出',
    import: '导入',
    importTitle: '导入知识库文件',
    importHint: '支持 .json（导出格式或条目数组）和 .xlsx（每种类型一个工作表，或带“类型”列）。按编号、代码、类型+标题匹配已有条目，重复导入不会产生变化。',
    importFile: '选择文件',
    importNoFile: '请先选择 .json 或 .xlsx 文件',
    dryRun: '仅检查（不写入）',
    importRun: '开始导入',
    importCheck: '开始检查',
    importDone: '导入完成：新增 {inserted}，更新 {updated}',
    checkDone: '检查完成，未写入任何数据',
    report: {
      rows: '总行数', inserted: '新增', updated: '更新', unchanged: '未变化', rejected: '拒绝',
      sheet: '工作表', line: '行', column: '列', reason: '原因', dryRun: '仅检查，未写入',
    },
    exportJson: '导出 JSON',
    exportXlsx: '导出 Excel',
    exported: '已导出 {name}',
    errorCodes: {
      search: '代码或原因',
      allCategories: '全部分类',
      add: '新增错误代码',
      edit: '编辑错误代码',
      editShort: '编辑',
      code: '错误代码',
      reason: '原因',
      advice: '处理建议',
      channel: '渠道',
      category: '分类',
      version: '版本',
      updated: '最后修改',
      actions: '操作',
      history: '历史',
      delete: '删除',
      deleteConfirm: '确定删除错误代码 {code}？历史版本会保留。',
      deleted: '已删除错误代码 {code}',
      saved: '已保存错误代码 {code}',
      historyTitle: '错误代码 {code} 的历史版本',
      noHistory: '此代码来自数据同步，尚未在知识库中修改过',
      none: '没有符合条件的错误代码',
      codeHint: '2–32 位大写字母、数字、- 或 _',
      fromFeed: '数据同步',
    },
    channels: {
      all: '全部渠道', pos: 'POS', atm: 'ATM', online_banking: '网银',
      mobile_banking: '手机银行', quick_pay: '快捷支付', counter: '柜面',
    },
    fields: {
      title: '标题', body: '内容', code: '代码', shortcut: '快捷键', url: '链接',
      related_ids: '相关条目', valid_to_ms: '结束日期', valid_from_ms: '开始日期',
      category: '分类', tags: '标签', kind: '类型', reason: '原因', advice: '处理建议',
      channel: '渠道', file: '文件', file_name: '文件名', version: '版本',
    },
    errorDetail: '{field}：{message}',
  },
};

type Messages = typeof zhCN;

const zhTW: Messages = {
  kb: {
    sectionEntries: '知識條目',
    sectionErrorCodes: '錯誤代碼',
    browse: '分類瀏覽',
    categories: '分類',
    allEntries: '全部條目',
    uncategorised: '未分類',
    noEntries: '這裡還沒有條目',
    related: '相關條目',
    relatedPlaceholder: '輸入標題搜尋並選擇相關條目',
    importExport: '匯入匯出',
    import: '匯入',
    importTitle: '匯入知識庫檔案',
    importHint: '支援 .json（匯出格式或條目陣列）和 .xlsx（每種類型一個工作表，或帶「類型」欄）。依編號、代碼、類型+標題比對既有條目，重複匯入不會產生變化。',
    importFile: '選擇檔案',
    importNoFile: '請先選擇 .json 或 .xlsx 檔案',
    dryRun: '僅檢查（不寫入）',
    importRun: '開始匯入',
    importCheck: '開始檢查',
    importDone: '匯入完成：新增 {inserted}，更新 {updated}',
    checkDone: '檢查完成，未寫入任何資料',
    report: {
      rows: '總列數', inserted: '新增', updated: '更新', unchanged: '未變化', rejected: '拒絕',
      sheet: '工作表', line: '列', column: '欄', reason: '原因', dryRun: '僅檢查，未寫入',
    },
    exportJson: '匯出 JSON',
    exportXlsx: '匯出 Excel',
    exported: '已匯出 {name}',
    errorCodes: {
      search: '代碼或原因',
      allCategories: '全部分類',
      add: '新增錯誤代碼',
      edit: '編輯錯誤代碼',
      editShort: '編輯',
      code: '錯誤代碼',
      reason: '原因',
      advice: '處理建議',
      channel: '管道',
      category: '分類',
      version: '版本',
      updated: '最後修改',
      actions: '操作',
      history: '歷史',
      delete: '刪除',
      deleteConfirm: '確定刪除錯誤代碼 {code}？歷史版本會保留。',
      deleted: '已刪除錯誤代碼 {code}',
      saved: '已儲存錯誤代碼 {code}',
      historyTitle: '錯誤代碼 {code} 的歷史版本',
      noHistory: '此代碼來自資料同步，尚未在知識庫中修改過',
      none: '沒有符合條件的錯誤代碼',
      codeHint: '2–32 位大寫字母、數字、- 或 _',
      fromFeed: '資料同步',
    },
    channels: {
      all: '全部管道', pos: 'POS', atm: 'ATM', online_banking: '網銀',
      mobile_banking: '手機銀行', quick_pay: '快捷支付', counter: '櫃檯',
    },
    fields: {
      title: '標題', body: '內容', code: '代碼', shortcut: '快捷鍵', url: '連結',
      related_ids: '相關條目', valid_to_ms: '結束日期', valid_from_ms: '開始日期',
      category: '分類', tags: '標籤', kind: '類型', reason: '原因', advice: '處理建議',
      channel: '管道', file: '檔案', file_name: '檔名', version: '版本',
    },
    errorDetail: '{field}：{message}',
  },
};

const en: Messages = {
  kb: {
    sectionEntries: 'Entries',
    sectionErrorCodes: 'Error codes',
    browse: 'Browse',
    categories: 'Categories',
    allEntries: 'All entries',
    uncategorised: 'Uncategorised',
    noEntries: 'No entries here yet',
    related: 'Related entries',
    relatedPlaceholder: 'Type a title to find related entries',
    importExport: 'Import / export',
    import: 'Import',
    importTitle: 'Import a knowledge base file',
    importHint: '.json (the export shape or an array of entries) or .xlsx (one sheet per kind, or a kind column). Rows match stored entries by id, code, then kind + title; importing the same file twice changes nothing.',
    importFile: 'Choose file',
    importNoFile: 'Choose a .json or .xlsx file first',
    dryRun: 'Check only (write nothing)',
    importRun: 'Import',
    importCheck: 'Check',
    importDone: 'Imported: {inserted} new, {updated} updated',
    checkDone: 'Checked; nothing was written',
    report: {
      rows: 'Rows', inserted: 'New', updated: 'Updated', unchanged: 'Unchanged',
      rejected: 'Rejected', sheet: 'Sheet', line: 'Row', column: 'Column', reason: 'Reason',
      dryRun: 'Check only; nothing written',
    },
    exportJson: 'Export JSON',
    exportXlsx: 'Export Excel',
    exported: 'Exported {name}',
    errorCodes: {
      search: 'Code or reason',
      allCategories: 'All categories',
      add: 'New error code',
      edit: 'Edit error code',
      editShort: 'Edit',
      code: 'Error code',
      reason: 'Reason',
      advice: 'Advice',
      channel: 'Channel',
      category: 'Category',
      version: 'Version',
      updated: 'Last change',
      actions: 'Actions',
      history: 'History',
      delete: 'Delete',
      deleteConfirm: 'Delete error code {code}? Its history is kept.',
      deleted: 'Deleted error code {code}',
      saved: 'Saved error code {code}',
      historyTitle: 'History of error code {code}',
      noHistory: 'This code came from the data feed and has not been changed here',
      none: 'No matching error codes',
      codeHint: '2–32 of A–Z, 0–9, - or _',
      fromFeed: 'data feed',
    },
    channels: {
      all: 'All channels', pos: 'POS', atm: 'ATM', online_banking: 'Online banking',
      mobile_banking: 'Mobile banking', quick_pay: 'Quick pay', counter: 'Counter',
    },
    fields: {
      title: 'Title', body: 'Body', code: 'Code', shortcut: 'Shortcut', url: 'URL',
      related_ids: 'Related entries', valid_to_ms: 'End date', valid_from_ms: 'Start date',
      category: 'Category', tags: 'Tags', kind: 'Kind', reason: 'Reason', advice: 'Advice',
      channel: 'Channel', file: 'File', file_name: 'File name', version: 'Version',
    },
    errorDetail: '{field}: {message}',
  },
};

let merged = false;

/** Adds these messages to the app's (once). */
export function installKbMessages(): void {
  if (merged) return;
  merged = true;
  const global = i18n.global as unknown as {
    mergeLocaleMessage: (locale: string, messages: Record<string, unknown>) => void;
  };
  global.mergeLocaleMessage('zh-CN', zhCN);
  global.mergeLocaleMessage('zh-TW', zhTW);
  global.mergeLocaleMessage('en', en);
}
